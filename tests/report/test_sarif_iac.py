"""SARIF from `aurora-scan iac`: file URIs that survive odd folder names, witness
path steps on their declarations' lines, and history carried forward as for scan."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from github_rules import check_file
from sarif_schema import assert_sarif_file_valid

from scanner.cli import main
from scanner.result_file import read_result

CORPUS = Path(__file__).resolve().parents[1] / "iac" / "corpus"
INSECURE = CORPUS / "cloudformation" / "insecure.json"


def _iac(cwd: Path, out: Path, *paths: str, extra: tuple[str, ...] = ()) -> int:
    return main(
        ["iac", *paths, "--output-dir", str(out), "--format", "sarif,json", "--quiet", *extra]
    )


def _results(out: Path) -> list[dict[str, Any]]:
    doc = json.loads((out / "results.sarif").read_text(encoding="utf-8"))
    results: list[dict[str, Any]] = doc["runs"][0]["results"]
    return results


def test_a_space_and_a_hash_in_a_path_stay_part_of_the_uri(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "repo" / "infra dir"
    folder.mkdir(parents=True)
    shutil.copy(INSECURE, folder / "db#1.json")
    monkeypatch.chdir(tmp_path / "repo")
    out = tmp_path / "out"
    assert _iac(tmp_path / "repo", out, "infra dir") == 1
    assert_sarif_file_valid(out / "results.sarif")
    check_file(out / "results.sarif")  # GitHub's rules: URL-safe, relative
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in _results(out)}
    assert uris == {"infra%20dir/db%231.json"}


def test_witness_path_steps_point_at_their_declarations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(CORPUS)
    out = tmp_path / "out"
    _iac(CORPUS, out, "cloudformation/insecure.json")
    sources = read_result(out / "results.json").scan["iac_sources"]
    steps = [
        step["location"]
        for r in _results(out)
        for flow in r.get("codeFlows", [])
        for thread in flow["threadFlows"]
        for step in thread["locations"]
    ]
    assert steps, "the insecure estate has findings with witness paths"
    for loc in steps:
        node = loc["logicalLocations"][0]["fullyQualifiedName"]
        line = loc["physicalLocation"]["region"]["startLine"]
        assert line == (int(sources[node]["line"]) if node in sources else 1), node
    assert any(loc["physicalLocation"]["region"]["startLine"] > 1 for loc in steps)


def test_previous_results_carry_first_seen_forward(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(CORPUS)
    first, second = tmp_path / "first", tmp_path / "second"
    _iac(CORPUS, first, "cloudformation/insecure.json")
    time.sleep(1.1)  # scan times have one-second resolution
    _iac(
        CORPUS,
        second,
        "cloudformation/insecure.json",
        extra=("--previous", str(first / "results.json")),
    )
    before = read_result(first / "results.json")
    after = read_result(second / "results.json")
    assert after.scan["collected_at"] != before.scan["collected_at"]
    assert {f.first_seen for f in after.findings} == {before.scan["collected_at"]}
    sarif_first_seen = {r["properties"]["firstSeen"] for r in _results(second)}
    assert sarif_first_seen == {before.scan["collected_at"]}
