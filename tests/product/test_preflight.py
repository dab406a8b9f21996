"""Bad input fails before the first API call, with every problem listed (issue 17 item 1).

Each test points `aurora-scan scan` at the session's moto server and counts,
at the server, every HTTP request it receives (moto's WSGI dispatcher, which
sees each request before any service does).  A bad input must give exit 2,
name each problem on its own line, and leave the count at zero.  The last
test is the control: the same command with good inputs does reach the server.
"""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.cli import main

pytestmark = pytest.mark.server

REGION = "eu-north-1"


class RequestCounter:
    """Every HTTP request moto's server dispatches, counted before it is handled."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def counting(self) -> Iterator[RequestCounter]:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication

        original = DomainDispatcherApplication.__call__
        counter = self

        def call(app: Any, environ: dict[str, Any], start_response: Any) -> Any:
            with counter._lock:
                counter.count += 1
            return original(app, environ, start_response)

        DomainDispatcherApplication.__call__ = call  # type: ignore[method-assign]
        try:
            yield self
        finally:
            DomainDispatcherApplication.__call__ = original  # type: ignore[method-assign]


def _run(argv: list[str]) -> tuple[int, str, int]:
    """(exit code, stderr, requests the moto server received)."""
    err = io.StringIO()
    with RequestCounter().counting() as counter, contextlib.redirect_stderr(err):
        code = main(argv)
    return code, err.getvalue(), counter.count


@pytest.fixture
def scan_argv(moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return [
        "scan",
        "--endpoint-url",
        moto_url,
        "--region",
        REGION,
        "--output-dir",
        str(tmp_path / "out"),
        "--format",
        "json",
        "--no-progress",
    ]


def _bad_policy_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "my-policies" / "network"
    folder.mkdir(parents=True)
    (folder / "broken.yaml").write_text("id: custom.broken\ntitle: [unclosed\n")
    return tmp_path / "my-policies"


def _a_file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# One input kind per case: the extra arguments and a phrase the message must hold.
CASES: dict[str, tuple[Any, str]] = {
    "region-unknown": (lambda t: ["--region", "us-east-3"], "unknown region 'us-east-3'"),
    "region-malformed": (lambda t: ["--region", "mars"], "is not an AWS region name"),
    "argument-range": (lambda t: ["--max-workers", "0"], "--max-workers 0 is too small"),
    "format": (lambda t: ["--format", "json,pdf"], "unknown report format 'pdf'"),
    "config-missing": (lambda t: ["--config", str(t / "nope.yml")], "config file not found"),
    "config-invalid": (
        lambda t: ["--config", str(_a_file(t, "bad.yml", "fail_on: extreme\n"))],
        "bad.yml",
    ),
    "waivers-missing": (lambda t: ["--waivers", str(t / "w.yml")], "waivers file not found"),
    "waivers-invalid": (
        lambda t: ["--waivers", str(_a_file(t, "w.yml", "- policy: x\n"))],
        "w.yml",
    ),
    "baseline-missing": (lambda t: ["--baseline", str(t / "b.json")], "results file not found"),
    "baseline-not-json": (
        lambda t: ["--baseline", str(_a_file(t, "b.json", "{not json"))],
        "b.json",
    ),
    "policies": (lambda t: ["--policies", str(_bad_policy_dir(t))], "broken.yaml"),
    "policies-missing": (
        lambda t: ["--policies", str(t / "absent")],
        "policy directory does not exist",
    ),
    "output-dir-is-a-file": (
        lambda t: ["--output-dir", str(_a_file(t, "out.txt", ""))],
        "the output directory is a file",
    ),
    "output-dir-under-a-file": (
        lambda t: ["--output-dir", str(_a_file(t, "f.txt", "") / "out")],
        "is not a directory",
    ),
    "snapshot-out-is-a-directory": (
        lambda t: ["--snapshot-out", str(t)],
        "--snapshot-out",
    ),
    "deadline": (lambda t: ["--deadline", "soon"], "is not a duration"),
    "endpoint": (lambda t: ["--endpoint-url", "ftp://x"], "is not an http(s) URL"),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_each_bad_input_is_exit_2_before_any_request(
    kind: str, scan_argv: list[str], tmp_path: Path
) -> None:
    make_args, phrase = CASES[kind]
    code, err, requests = _run([*scan_argv, *make_args(tmp_path)])
    assert code == 2, err
    assert phrase in err, err
    assert "Traceback" not in err
    assert requests == 0, f"{requests} request(s) reached the server before exit 2"


def test_every_problem_is_listed_at_once(scan_argv: list[str], tmp_path: Path) -> None:
    chosen = [
        "region-unknown",
        "argument-range",
        "format",
        "config-missing",
        "waivers-missing",
        "baseline-missing",
        "policies",
        "output-dir-is-a-file",
    ]
    extra = [arg for kind in chosen for arg in CASES[kind][0](tmp_path)]
    code, err, requests = _run([*scan_argv, *extra])
    assert code == 2
    assert requests == 0
    for kind in chosen:
        assert CASES[kind][1] in err, (kind, err)
    error_lines = [line for line in err.splitlines() if line.startswith("aurora-scan: error:")]
    assert len(error_lines) >= len(chosen), err
    assert f"aurora-scan: {len(error_lines)} problems" in err


def test_evaluate_lists_the_snapshot_and_every_other_problem(tmp_path: Path) -> None:
    code, err, _ = _run(
        [
            "evaluate",
            str(tmp_path / "missing-snapshot.json"),
            "--waivers",
            str(tmp_path / "w.yml"),
            "--format",
            "sarif,docx",
            "--output-dir",
            str(_a_file(tmp_path, "file", "")),
        ]
    )
    assert code == 2
    for phrase in (
        "snapshot file not found",
        "waivers file not found",
        "'docx'",
        "is a file",
    ):
        assert phrase in err, (phrase, err)


def test_report_merge_and_diff_list_every_problem(tmp_path: Path) -> None:
    missing_a, missing_b = str(tmp_path / "a.json"), str(tmp_path / "b.json")
    code, err, _ = _run(["report", missing_a, "--format", "pdf"])
    assert code == 2 and "'pdf'" in err and "a.json" in err, err
    code, err, _ = _run(["merge", missing_a, missing_b, "--format", "xls"])
    assert code == 2 and "a.json" in err and "b.json" in err and "'xls'" in err, err
    code, err, _ = _run(["diff", missing_a, missing_b])
    assert code == 2 and "a.json" in err and "b.json" in err, err


def test_control_good_inputs_do_reach_the_server(scan_argv: list[str]) -> None:
    """The counter is not blind: the same scan with good inputs makes requests."""
    code, err, requests = _run([*scan_argv, "--resource-types", "aws.rds.db_cluster"])
    assert code in (0, 3), err
    assert requests > 0
