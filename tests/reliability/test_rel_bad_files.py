"""Item 7: bad snapshot, results, config and waiver files -> exit 2, one line, no traceback.

Each file kind is broken five ways (truncated, another schema version, not
JSON/YAML at all, 50 MB of whitespace, nested thousands of levels deep) and
handed to the verb that reads it: ``evaluate SNAPSHOT``, ``report RESULTS``,
``evaluate --config FILE``, ``evaluate --waivers FILE``.  The matrix runs
in-process (an uncaught exception fails the test); a few run as a real
process to prove the user sees one line and no traceback.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

HUGE = 50 * 1024 * 1024
DEPTH = 20_000
# PyYAML scans nested flow collections in quadratic time: 1,200 is enough to
# pass the interpreter recursion limit without a slow test.
YAML_DEPTH = 1_200

Maker = Callable[[Path, Path, Path], bytes]  # (snapshot, results, dir) -> file bytes


def _other_version(path: Path) -> bytes:
    data = json.loads(path.read_text())
    data["schema_version"] = "9.0"
    return json.dumps(data).encode()


def _truncated(path: Path) -> bytes:
    raw = path.read_bytes()
    return raw[: len(raw) // 2]


JSON_CASES: dict[str, Callable[[Path], bytes]] = {
    "truncated": _truncated,
    "other-schema-version": _other_version,
    "not-json": lambda _p: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    "yaml-not-json": lambda _p: b"schema_version: '1.0'\nresources: []\n",
    "huge-whitespace": lambda _p: b" " * HUGE,
    "deeply-nested": lambda _p: b"[" * DEPTH + b"]" * DEPTH,
    "deeply-nested-object": lambda _p: b'{"a":' * DEPTH + b"1" + b"}" * DEPTH,
}

CONFIG_CASES: dict[str, bytes] = {
    "truncated": b'policies:\n  include: ["aurora.cluster.*"\n',
    "other-schema-version": b"schema_version: 2\n",
    "not-yaml": b"\x00\x01\x02binary\xff\xfe",
    "json-truncated": b'{"fail_on": ',
    "huge-whitespace": b" " * HUGE,
    "deeply-nested": b"[" * YAML_DEPTH + b"]" * YAML_DEPTH,
    "deeply-nested-block": "".join("  " * i + "a:\n" for i in range(3000)).encode(),
}

WAIVER_CASES: dict[str, bytes] = {
    "truncated": b'- policy: aurora.cluster.deletion_protection\n  resource: "arn:aws',
    "other-schema-version": b"version: 2\nwaivers: []\n",
    "not-yaml": b"\x00\x01\x02binary\xff\xfe",
    "json-truncated": b'[{"policy": "x", ',
    "huge-whitespace": b" " * HUGE,
    "deeply-nested": b"[" * YAML_DEPTH + b"]" * YAML_DEPTH,
    "deeply-nested-block": "".join("  " * i + "a:\n" for i in range(3000)).encode(),
}


@pytest.fixture(scope="module")
def results_file(snapshot_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from scanner.policy.engine import evaluate
    from scanner.policy.loader import load_policies
    from scanner.result_file import write_result
    from scanner.snapshot_file import read_snapshot

    result = evaluate(read_snapshot(snapshot_file), load_policies())
    return write_result(result, tmp_path_factory.mktemp("results") / "results.json")


@pytest.fixture(autouse=True)
def policies_loaded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The built-in catalogue is parsed once per process, not per bad config file.

    Config and waiver errors are gathered together with policy loading, so every
    in-process ``evaluate`` would re-parse ~50 YAML files otherwise.
    """
    from scanner.policy import loader

    monkeypatch.setattr(loader, "load_policies", _cached_load_policies)


_CACHE: dict[tuple[str, ...], Any] = {}


def _cached_load_policies(extra_dirs: Any = (), *, include_builtin: bool = True) -> Any:
    from scanner.policy import loader

    key = (str(include_builtin), *map(str, extra_dirs))
    if key not in _CACHE:
        roots = [loader.builtin_policies_dir()] if include_builtin else []
        _CACHE[key] = loader.load_roots([*roots, *map(Path, extra_dirs)])
    return _CACHE[key]


def assert_one_line_exit_2(run: Any, name: str) -> None:
    assert run.code == 2, (run.code, run.stderr[-2000:])
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr[-2000:]
    assert lines[0].startswith("aurora-scan: error: "), lines[0]
    assert name in lines[0], lines[0]
    assert len(lines[0]) < 600, lines[0]
    assert run.stdout == ""


@pytest.mark.parametrize("case", sorted(JSON_CASES))
def test_bad_snapshot_file(case: str, snapshot_file: Path, tmp_path: Path, cli: Any) -> None:
    bad = tmp_path / f"{case}.json"
    bad.write_bytes(JSON_CASES[case](snapshot_file))
    out = tmp_path / "out"
    run = cli(["evaluate", str(bad), "--output-dir", str(out)])
    assert_one_line_exit_2(run, bad.name)
    assert not out.exists(), "no result may be written from a bad snapshot"


@pytest.mark.parametrize("case", sorted(JSON_CASES))
def test_bad_results_file(case: str, results_file: Path, tmp_path: Path, cli: Any) -> None:
    bad = tmp_path / f"{case}.json"
    bad.write_bytes(JSON_CASES[case](results_file))
    out = tmp_path / "out"
    run = cli(["report", str(bad), "--output-dir", str(out), "--format", "html,sarif"])
    assert_one_line_exit_2(run, bad.name)
    assert not out.exists() or not any(out.iterdir())


def test_a_snapshot_is_not_a_results_file(snapshot_file: Path, tmp_path: Path, cli: Any) -> None:
    run = cli(["report", str(snapshot_file), "--output-dir", str(tmp_path / "o")])
    assert_one_line_exit_2(run, snapshot_file.name)


def test_a_results_file_is_not_a_snapshot(results_file: Path, tmp_path: Path, cli: Any) -> None:
    run = cli(["evaluate", str(results_file), "--output-dir", str(tmp_path / "o")])
    assert_one_line_exit_2(run, results_file.name)
    assert "report" in run.stderr  # the hint names the verb that reads results


@pytest.mark.parametrize("case", sorted(CONFIG_CASES))
def test_bad_config_file(case: str, snapshot_file: Path, tmp_path: Path, cli: Any) -> None:
    bad = tmp_path / f"{case}.yml"
    bad.write_bytes(CONFIG_CASES[case])
    out = tmp_path / "out"
    run = cli(["evaluate", str(snapshot_file), "--config", str(bad), "--output-dir", str(out)])
    assert_one_line_exit_2(run, bad.name)
    assert not out.exists()


@pytest.mark.parametrize("case", sorted(WAIVER_CASES))
def test_bad_waivers_file(case: str, snapshot_file: Path, tmp_path: Path, cli: Any) -> None:
    bad = tmp_path / f"{case}.yml"
    bad.write_bytes(WAIVER_CASES[case])
    out = tmp_path / "out"
    run = cli(["evaluate", str(snapshot_file), "--waivers", str(bad), "--output-dir", str(out)])
    assert_one_line_exit_2(run, bad.name)
    assert not out.exists()


def test_bad_files_in_a_real_process(
    snapshot_file: Path, results_file: Path, tmp_path: Path, run_cli: Any
) -> None:
    """What a user sees: one line on stderr, exit 2, never a Python traceback."""
    nested = tmp_path / "nested.json"
    nested.write_bytes(JSON_CASES["deeply-nested"](snapshot_file))
    truncated = tmp_path / "truncated.json"
    truncated.write_bytes(_truncated(results_file))
    config = tmp_path / "deep.yml"
    config.write_bytes(CONFIG_CASES["deeply-nested-block"])
    for args, name in [
        (["evaluate", str(nested), "--output-dir", str(tmp_path / "o1")], nested.name),
        (["report", str(truncated), "--output-dir", str(tmp_path / "o2")], truncated.name),
        (
            ["evaluate", str(snapshot_file), "--config", str(config), "--output-dir", "o3"],
            config.name,
        ),
    ]:
        assert_one_line_exit_2(run_cli(args, cwd=tmp_path), name)


@pytest.mark.parametrize("case", ["truncated", "deeply-nested", "other-schema-version"])
@pytest.mark.parametrize("verb", ["diff", "merge", "baseline"])
def test_bad_results_file_in_diff_merge_and_baseline(
    verb: str, case: str, results_file: Path, snapshot_file: Path, tmp_path: Path, cli: Any
) -> None:
    bad = tmp_path / f"{case}.json"
    bad.write_bytes(JSON_CASES[case](results_file))
    out = tmp_path / "out"
    args = {
        "diff": ["diff", str(results_file), str(bad)],
        "merge": ["merge", str(results_file), str(bad), "--output-dir", str(out)],
        "baseline": [
            "evaluate",
            str(snapshot_file),
            "--baseline",
            str(bad),
            "--output-dir",
            str(out),
        ],
    }[verb]
    run = cli(args)
    assert_one_line_exit_2(run, bad.name)
    assert not out.exists()
