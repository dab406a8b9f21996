"""Issue 14 item 2: a scan's time is bounded, whatever the endpoint does.

Hostile endpoints, put between the scanner and the moto server by the fault
proxy of ``tests/reliability/faults.py`` (imported, not changed):

* *drip*: DescribeDBClusters answers one byte every half second.  Each byte
  arrives well inside ``--read-timeout``, so no timeout ever fires: only
  ``--deadline`` ends it.
* *endless marker*: every DescribeDBClusters page carries a fresh Marker, so
  botocore's own check (the same token twice in a row) never trips.
* *cycling marker*: the markers go A, B, A, B...
* *hang*: DescribeDBClusters is read and never answered; Ctrl-C must still
  end the scan at once.

Each runs the real CLI in a subprocess under an outer timeout: on the code
before the fix the first three never end and the SIGINT one waits for the
stuck worker thread.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.result_file import read_result

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "reliability"))

from faults import FaultProxy, HangingListener, _forward, _read_request, _split_response, _with_body
from moto_helpers import REGION, seed_estate

from scanner.collect.options import DEFAULT_DEADLINE, MAX_PAGES

OPERATION = "DescribeDBClusters"
FORMATS = {
    "json": "results.json",
    "sarif": "results.sarif",
    "html": "report.html",
    "junit": "junit.xml",
    "md": "summary.md",
}
DRIP_SECONDS = 0.5


# ----- the hostile endpoints ------------------------------------------------------


class HostileProxy(FaultProxy):
    """FaultProxy with two more modes per operation.

    ``"drip"`` forwards the request and sends the answer one byte every
    DRIP_SECONDS; a ``Markers`` instance answers with its rewritten page,
    asking moto only for the first one (replaying it is faster than a round
    trip per page, and moto would refuse the made-up markers anyway).
    """

    def _handle_one(self, conn: Any) -> None:
        req = _read_request(conn)
        if req is None:
            return
        mode = self.operations.get(req.operation)
        if mode is not None:
            with self._lock:
                self.faults[(req.region, req.operation)] += 1
        if isinstance(mode, Markers):
            raw = mode.first if mode.first is not None else _forward(req, self._upstream)
            conn.sendall(mode(raw))
            return
        raw = _forward(req, self._upstream)
        if mode != "drip":
            conn.sendall(raw)
            return
        for i in range(len(raw)):
            if self._stop.wait(DRIP_SECONDS):
                return
            conn.sendall(raw[i : i + 1])


def _with_marker(raw: bytes, marker: str) -> bytes:
    """The DescribeDBClusters answer with ``marker`` as its next-page Marker."""
    head, body = _split_response(raw)
    text = re.sub(r"<Marker>.*?</Marker>", "", body.decode())
    end = f"</{OPERATION}Result>"
    assert end in text, text[:300]
    text = text.replace(end, f"<Marker>{marker}</Marker>{end}")
    return _with_body(head, text.encode())


class Markers:
    """Every answer of the operation is the first good one, with the next marker."""

    def __init__(self, cycle: tuple[str, ...] | None = None) -> None:
        self.cycle = cycle
        self.first: bytes | None = None
        self.pages = 0

    def __call__(self, raw: bytes) -> bytes:
        if self.first is None:
            assert raw.startswith(b"HTTP/1.1 200"), raw[:200]
            self.first = raw
        self.pages += 1
        marker = self.cycle[self.pages % len(self.cycle)] if self.cycle else f"fresh-{self.pages}"
        return _with_marker(self.first, marker)


# ----- running the CLI ------------------------------------------------------------


def _env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "LC_", "LANG", "TZ")) and k != "PYTHONWARNINGS"
    }
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    return env


def _command(*args: str) -> list[str]:
    return [sys.executable, "-c", "from scanner.cli import entry; entry()", *args]


def _run(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    # The outer timeout is the assertion: TimeoutExpired fails the test.
    return subprocess.run(
        _command(*args), capture_output=True, text=True, env=_env(), timeout=timeout
    )


def _scan_args(url: str, out: Path, *extra: str) -> list[str]:
    return [
        "scan",
        "--region",
        REGION,
        "--endpoint-url",
        url,
        "--output-dir",
        str(out),
        "--format",
        ",".join(FORMATS),
        "--fail-on",
        "none",
        "--no-progress",
        *extra,
    ]


@pytest.fixture
def estate(moto_server: Any, aws_env: None) -> Iterator[Any]:
    moto_server.reset()
    seed_estate(moto_server.client, clusters=1, snapshots_per_cluster=0, extras=False)
    yield moto_server


def _clusters(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in snapshot["resources"] if r["type"] == "aws.rds.db_cluster"]


# ----- --deadline -------------------------------------------------------------------


def test_a_dripping_endpoint_ends_at_the_deadline_with_every_output(
    estate: Any, tmp_path: Path
) -> None:
    server = estate
    out = tmp_path / "out"
    with HostileProxy(server.url, operations={OPERATION: "drip"}) as proxy:
        run = _run(*_scan_args(proxy.url, out, "--deadline", "3s"), timeout=60)
    assert proxy.faults, "the drip was never served"
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 3, run.stderr
    for name in FORMATS.values():
        assert (out / name).stat().st_size > 0, name
    results = read_result(out / "results.json").to_dict()
    late = [e for e in results["errors"] if e["error_code"] == "DeadlineExceeded"]
    assert [(e["service"], e["operation"], e["region"]) for e in late] == [
        ("rds", OPERATION, REGION)
    ], results["errors"]
    assert late[0]["account"] == "123456789012"
    assert "aws.rds.db_cluster" in late[0]["resource_types"]
    assert "--deadline 3s" in late[0]["message"]


def test_collect_writes_the_snapshot_and_exits_3_at_the_deadline(
    estate: Any, tmp_path: Path
) -> None:
    server = estate
    path = tmp_path / "snap.json"
    with HostileProxy(server.url, operations={OPERATION: "drip"}) as proxy:
        run = _run(
            "collect",
            "--region",
            REGION,
            "--endpoint-url",
            proxy.url,
            "--output",
            str(path),
            "--deadline",
            "2",
            timeout=60,
        )
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 3, run.stderr
    assert "--deadline" in run.stderr
    snapshot = json.loads(path.read_text())
    assert snapshot["context"]["deadline_exceeded"] is True
    assert {(e["operation"], e["error_code"]) for e in snapshot["errors"]} == {
        (OPERATION, "DeadlineExceeded")
    }
    # Everything else was collected: the cluster's subnet group, the VPC...
    assert {r["type"] for r in snapshot["resources"]} >= {"aws.ec2.vpc", "aws.rds.db_subnet_group"}


def test_an_endpoint_that_never_answers_the_caller_identity_ends_at_the_deadline(
    tmp_path: Path,
) -> None:
    # Without the caller's account nothing can be attributed: exit 2, one line, nothing written.
    out = tmp_path / "out"
    with HangingListener() as hanging:
        run = _run(*_scan_args(hanging.url, out, "--deadline", "2s"), timeout=30)
    assert run.returncode == 2, run.stderr
    [line] = run.stderr.strip().splitlines()
    assert "cannot identify the AWS caller" in line and "--deadline" in line, line
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize(
    "value", ["0", "-5", "abc", "10x", "1.5.2", "nan", "inf", "", "1e9", "169h", "30 minutes"]
)
@pytest.mark.parametrize("verb", ["collect", "scan"])
def test_a_bad_deadline_is_one_line_naming_the_flag(
    verb: str, value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from scanner.cli import main

    target = ["--output", str(tmp_path / "s.json")] if verb == "collect" else []
    # In-process (fast); an uncaught exception would fail the test.
    code = main([verb, *target, "--region", REGION, "--deadline", value])
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "--deadline" in lines[0] and "is not a duration" in lines[0], lines[0]
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("90s", 90), ("30m", 1800), ("2h", 7200), ("600", 600), ("1.5m", 90), (None, 1800)],
)
def test_deadline_values(value: str | None, seconds: float) -> None:
    from scanner.cli._collect_options import parse_deadline

    assert parse_deadline(value) == seconds
    assert DEFAULT_DEADLINE == 1800


# ----- endless and looping markers ---------------------------------------------------


def _collect_through(proxy: FaultProxy, path: Path, timeout: float) -> dict[str, Any]:
    run = _run(
        "collect",
        "--region",
        REGION,
        "--endpoint-url",
        proxy.url,
        "--output",
        str(path),
        "--page-size",
        "100",
        timeout=timeout,
    )
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 0, run.stderr
    snapshot: dict[str, Any] = json.loads(path.read_text())
    return snapshot


def test_an_endless_marker_is_an_error_of_that_operation(estate: Any, tmp_path: Path) -> None:
    server = estate
    markers = Markers()
    with HostileProxy(server.url, operations={OPERATION: markers}) as proxy:
        snapshot = _collect_through(proxy, tmp_path / "snap.json", timeout=240)
    assert markers.pages == MAX_PAGES
    [error] = [e for e in snapshot["errors"] if e["operation"] == OPERATION]
    assert error["error_code"] == "PaginationLimitExceeded"
    assert (error["service"], error["region"]) == ("rds", REGION)
    assert f"after {MAX_PAGES} pages" in error["message"]
    assert "aws.rds.db_cluster" in error["resource_types"]
    assert len(snapshot["errors"]) == 1, snapshot["errors"]
    # The pages read are kept (the same cluster on each: one resource).
    assert len(_clusters(snapshot)) == 1


def test_a_cycling_marker_is_an_error_of_that_operation(estate: Any, tmp_path: Path) -> None:
    server = estate
    markers = Markers(cycle=("A", "B"))
    with HostileProxy(server.url, operations={OPERATION: markers}) as proxy:
        snapshot = _collect_through(proxy, tmp_path / "snap.json", timeout=60)
    assert markers.pages == 3  # A, B, then A again: stopped before asking for B again
    [error] = [e for e in snapshot["errors"] if e["operation"] == OPERATION]
    assert error["error_code"] == "PaginationLoop", error
    assert "page 3" in error["message"]
    assert len(_clusters(snapshot)) == 1


# ----- Ctrl-C ------------------------------------------------------------------------


def test_sigint_stops_a_scan_stuck_in_a_call_at_once(estate: Any, tmp_path: Path) -> None:
    server = estate
    out = tmp_path / "out"
    with FaultProxy(server.url, operations={OPERATION: "hang"}) as proxy:
        proc = subprocess.Popen(
            _command(*_scan_args(proxy.url, out)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        try:
            waited = time.monotonic()
            while not proxy.faults and time.monotonic() - waited < 60:
                time.sleep(0.05)
            assert proxy.faults, "the scan never reached the hanging call"
            time.sleep(0.3)  # the worker is now blocked reading the socket
            assert proc.poll() is None
            proc.send_signal(signal.SIGINT)
            # 2 s, plus 1 s of grace for two cores shared with other tests.
            _, stderr = proc.communicate(timeout=3)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "aurora-scan: interrupted", stderr
    assert "Traceback" not in stderr
    # Interrupted means nothing written: the previous reports stay as they were.
    assert not out.exists() or not any(out.iterdir())


def test_an_abandoned_augment_leaves_its_fields_missing_not_absent(
    moto_server: Any, aws_env: None
) -> None:
    # In-process: the snapshot attributes (who may restore a snapshot) drip;
    # the snapshots themselves were listed.  Their sharing must become
    # unknown, never "not shared".
    from dataclasses import replace

    from scanner.collect.runner import CollectOptions, collect
    from scanner.provenance import Gaps

    server = moto_server
    server.reset()
    seed_estate(server.client, clusters=1, snapshots_per_cluster=1, extras=False)
    augment = "DescribeDBClusterSnapshotAttributes"
    with HostileProxy(server.url, operations={augment: "drip"}) as proxy:
        options = CollectOptions(regions=(REGION,), deadline=3)
        snapshot = collect(replace(options, endpoint_url=proxy.url))
    assert proxy.faults
    assert [(e.operation, e.error_code) for e in snapshot.errors] == [(augment, "DeadlineExceeded")]
    assert snapshot.context["deadline_exceeded"] is True
    snaps = [r for r in snapshot.resources if r.type == "aws.rds.db_cluster_snapshot"]
    assert snaps
    gaps = Gaps.of(snapshot.errors)
    for r in snaps:
        assert "DBClusterSnapshotAttributes" not in r.attrs
        assert "DBClusterSnapshotAttributes" in gaps.missing_fields(r)
