"""Issue 14 item 11: SARIF message links from resource data.

SARIF 2.1.0 §3.11.6 lets a plain-text ``message.text`` embed links as
``[text](target)``; viewers (GitHub code scanning among them) render them.
A tag value or an endpoint's error message holding ``[click](https://…)``
must reach the viewer with the brackets escaped (``\\[`` ``\\]``), so it is
shown as text.  The file stays valid against the SARIF schema.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import msgspec
import pytest
from sec_outputs_support import run_cli, write_result

from scanner.model import CollectionError, Status

LINK = "[click here to fix](https://evil.example/steal?x=1)"
UNESCAPED = re.compile(r"(?<!\\)[\[\]]")


@pytest.fixture
def sarif(tmp_path: Path) -> dict[str, Any]:

    from product_fixtures import finding, result

    failing = msgspec.structs.replace(
        finding("c1", Status.FAIL, message=f"tag Owner is {LINK}"),
        resource_name=f"db-{LINK}",
    )
    unknown = finding("c2", Status.UNKNOWN, message=f"unknown {LINK}")
    error = CollectionError(
        account="111111111111",
        region="us-east-1",
        service="rds",
        operation="DescribeDBClusters",
        error_code="InvalidParameterValue",
        message=f"the endpoint says {LINK}",
        resource_types=("aws.rds.db_cluster",),
    )
    path = write_result(tmp_path / "results.json", result([failing, unknown], errors=(error,)))
    out = tmp_path / "out"
    run = run_cli(
        [
            "report",
            str(path),
            "--output-dir",
            str(out),
            "--format",
            "sarif",
            "--fail-on",
            "none",
            "--allow-incomplete",
        ],
        timeout=120,
    )
    assert run.code == 0, run.stderr
    data: dict[str, Any] = json.loads((out / "results.sarif").read_text(encoding="utf-8"))
    return data


def _messages(node: Any) -> list[dict[str, Any]]:
    """Every SARIF message object (a ``message`` member), wherever it sits."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "message" and isinstance(value, dict):
                found.append(value)
            found.extend(_messages(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_messages(value))
    return found


def test_brackets_from_resource_data_are_escaped_in_every_message(sarif: dict[str, Any]) -> None:
    messages = _messages(sarif)
    with_link = [m for m in messages if "click here" in m.get("text", "")]
    # The FAIL and UNKNOWN results and the collection error's notification.
    assert len(with_link) >= 3, messages
    for message in messages:
        assert not UNESCAPED.search(message.get("text", "")), message
        assert not UNESCAPED.search(message.get("markdown", "").replace("\\\\", "")), message
    assert any(
        "\\[click here to fix\\](https://evil.example/steal?x=1)" in m["text"] for m in with_link
    )


def test_escaped_file_is_still_valid_sarif(sarif: dict[str, Any]) -> None:
    from github_rules import github_problems
    from sarif_schema import schema_problems

    assert schema_problems(sarif) == []
    assert github_problems(sarif) == []
