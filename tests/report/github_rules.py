"""What GitHub code scanning accepts, beyond the OASIS schema.

Sources: GitHub Docs, "SARIF support for code scanning" and "SARIF results
exceed limits": one run per upload category, at most 25,000 results per run,
10 MB gzipped per upload, rule tags (20 accepted, 10 displayed: we hold
ourselves to 10), ``shortDescription`` / ``fullDescription`` at most 1024
characters, rule ``name`` at most 255, ``security-severity`` a string holding
a number in (0, 10]; results need a location in the repository (relative URI,
``startLine`` >= 1) and, for non-file findings, a ``primaryLocationLineHash``
we supply ourselves.  ``suppressions`` are ignored by GitHub, so waived
findings must not be there unless asked for.
"""

from __future__ import annotations

import gzip
import json
import re
from typing import Any

MAX_RESULTS = 25_000
MAX_GZIP = 10 * 1024 * 1024
MAX_TAGS = 10
MAX_DESCRIPTION = 1024
MAX_NAME = 255
MAX_THREAD_FLOW_LOCATIONS = 10_000
MAX_LOCATIONS = 1_000

# The characters a relative URL path may carry unescaped, per RFC 3986
# (unreserved, plus "/" between segments); anything else must be %XX.
_URL_SAFE_PATH = re.compile(r"^(?:[A-Za-z0-9\-._~/]|%[0-9A-Fa-f]{2})+$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def uri_problem(uri: Any) -> str | None:
    """Why ``uri`` is not a GitHub-acceptable artifact location, or None."""
    if not isinstance(uri, str) or not uri:
        return "uri is empty"
    if _SCHEME.match(uri):
        return f"uri has a scheme: {uri[:80]!r}"
    if uri.startswith("/"):
        return f"uri is absolute: {uri[:80]!r}"
    if not _URL_SAFE_PATH.match(uri):
        return f"uri is not URL-safe: {uri[:80]!r}"
    if any(seg in ("", ".", "..") for seg in uri.split("/")):
        return f"uri has an empty or dot segment: {uri[:80]!r}"
    if uri.startswith("arn%3A") or "/arn%3A" in uri:
        return f"uri is an ARN: {uri[:80]!r}"
    return None


def _location_problems(where: str, loc: Any) -> list[str]:
    problems = []
    phys = (loc or {}).get("physicalLocation")
    if not isinstance(phys, dict):
        return [f"{where}: no physicalLocation"]
    why = uri_problem((phys.get("artifactLocation") or {}).get("uri"))
    if why:
        problems.append(f"{where}: {why}")
    start = (phys.get("region") or {}).get("startLine")
    if not isinstance(start, int) or start < 1:
        problems.append(f"{where}: startLine {start!r} is not >= 1")
    return problems


def github_problems(
    doc: dict[str, Any], *, raw: bytes | None = None, allow_suppressions: bool = False
) -> list[str]:
    """Every way ``doc`` breaks GitHub's ingestion rules; empty means fine."""
    problems: list[str] = []
    if doc.get("version") != "2.1.0":
        problems.append("version is not 2.1.0")
    runs = doc.get("runs")
    if not isinstance(runs, list) or len(runs) != 1:
        return [*problems, f"expected exactly one run, got {len(runs or [])}"]
    run = runs[0]
    driver = run.get("tool", {}).get("driver", {})
    if driver.get("name") != "aurora-scan":
        problems.append(
            f"tool.driver.name is {driver.get('name')!r}, not the constant 'aurora-scan'"
        )
    category = (run.get("automationDetails") or {}).get("id")
    if not isinstance(category, str) or not category.strip("/"):
        problems.append("automationDetails.id (the category) is missing")
    rules = driver.get("rules") or []
    ids = [r.get("id") for r in rules]
    if len(ids) != len(set(ids)):
        problems.append("rule ids are not unique")
    for rule in rules:
        rid = rule.get("id")
        if not isinstance(rid, str) or not rid:
            problems.append("a rule has no id")
            continue
        for key in ("shortDescription", "fullDescription"):
            text = (rule.get(key) or {}).get("text")
            if not isinstance(text, str) or not text:
                problems.append(f"rule {rid}: {key}.text missing")
            elif len(text) > MAX_DESCRIPTION:
                problems.append(f"rule {rid}: {key}.text is {len(text)} > {MAX_DESCRIPTION} chars")
        if len(rule.get("name", "")) > MAX_NAME:
            problems.append(f"rule {rid}: name longer than {MAX_NAME}")
        props = rule.get("properties") or {}
        tags = props.get("tags") or []
        if len(tags) > MAX_TAGS:
            problems.append(f"rule {rid}: {len(tags)} tags > {MAX_TAGS}")
        if len(tags) != len(set(tags)) or not all(isinstance(t, str) and t for t in tags):
            problems.append(f"rule {rid}: tags must be unique non-empty strings")
        if "security" not in tags:
            problems.append(f"rule {rid}: no 'security' tag")
        sev = props.get("security-severity")
        if not isinstance(sev, str):
            problems.append(f"rule {rid}: security-severity {sev!r} is not a string")
        else:
            try:
                value = float(sev)
            except ValueError:
                problems.append(f"rule {rid}: security-severity {sev!r} is not a number")
            else:
                if not 0 < value <= 10:
                    problems.append(f"rule {rid}: security-severity {sev} outside (0, 10]")
    results = run.get("results") or []
    if len(results) > MAX_RESULTS:
        problems.append(f"{len(results)} results > {MAX_RESULTS}")
    known = set(ids)
    for n, res in enumerate(results):
        where = f"result {n} ({res.get('ruleId')})"
        if res.get("ruleId") not in known:
            problems.append(f"{where}: ruleId not in rules")
        index = res.get("ruleIndex")
        if index is not None and (
            not 0 <= index < len(rules) or rules[index]["id"] != res.get("ruleId")
        ):
            problems.append(f"{where}: ruleIndex does not point at its rule")
        if not (res.get("message") or {}).get("text"):
            problems.append(f"{where}: empty message")
        if res.get("level", "warning") not in ("error", "warning", "note", "none"):
            problems.append(f"{where}: bad level")
        locations = res.get("locations") or []
        if len(locations) != 1:
            problems.append(f"{where}: {len(locations)} locations, expected exactly 1")
        for loc in locations[:1]:
            problems += _location_problems(where, loc)
        fingerprint = (res.get("partialFingerprints") or {}).get("primaryLocationLineHash")
        if not isinstance(fingerprint, str) or not fingerprint:
            problems.append(f"{where}: no primaryLocationLineHash")
        if res.get("suppressions") and not allow_suppressions:
            problems.append(
                f"{where}: has suppressions (GitHub ignores them; waived must stay out)"
            )
        for flow in res.get("codeFlows") or []:
            for thread in flow.get("threadFlows") or []:
                steps = thread.get("locations") or []
                if len(steps) > MAX_THREAD_FLOW_LOCATIONS:
                    problems.append(f"{where}: too many thread flow locations")
                for k, step in enumerate(steps):
                    problems += _location_problems(f"{where} flow step {k}", step.get("location"))
        related = res.get("relatedLocations") or []
        if len(locations) + len(related) > MAX_LOCATIONS:
            problems.append(f"{where}: too many locations")
    if raw is not None and len(gzip.compress(raw)) > MAX_GZIP:
        problems.append("file is larger than 10 MB gzipped")
    return problems


# Files already held to both checks in this process (path, size, mtime), so
# the conftest guard does not validate a 25,000-result file twice.
CHECKED: set[tuple[str, int, int]] = set()


def file_key(path: Any) -> tuple[str, int, int]:
    st = path.stat()
    return (str(path), st.st_size, st.st_mtime_ns)


def check_file(path: Any, *, allow_suppressions: bool = False) -> dict[str, Any]:
    raw = path.read_bytes()
    doc: dict[str, Any] = json.loads(raw)
    problems = github_problems(doc, raw=raw, allow_suppressions=allow_suppressions)
    assert not problems, "GitHub ingestion rules broken:\n" + "\n".join(problems[:50])
    return doc
