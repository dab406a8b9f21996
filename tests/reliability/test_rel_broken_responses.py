"""Item 4: malformed or truncated API responses, and a server that dies mid-scan.

The fault proxy (recipe D) sits between the scanner and moto: it answers
garbage instead of XML, half an XML/JSON body declared complete, or a body
shorter than its Content-Length; or it dies after the nth request (stops
listening and resets open connections -- a killed server, seen from the
client).  Each must end as a clear, recorded error: never a traceback, never
a snapshot or result that looks complete.  Writes are atomic.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from faults import FaultProxy, garbage, short_body, truncate_body
from moto_helpers import REGION
from rel_support import findings_by_key

from scanner.collect.runner import CollectOptions, collect
from scanner.errors import UserInputError
from scanner.model import Status
from scanner.policy.engine import evaluate
from scanner.result_file import read_result

FAST = {"connect_timeout": 1.0, "read_timeout": 2.0, "max_attempts": 2}


@pytest.mark.parametrize(
    ("operation", "rewrite", "rtype"),
    [
        ("DescribeDBClusters", garbage, "aws.rds.db_cluster"),
        ("DescribeSecurityGroups", short_body, "aws.ec2.security_group"),
        ("DescribeKey", truncate_body, "aws.kms.key"),  # JSON protocol
    ],
)
def test_a_broken_response_is_a_recorded_gap(
    estate: Any, policy_set: Any, operation: str, rewrite: Any, rtype: str
) -> None:
    with FaultProxy(estate.url, operations={operation: rewrite}) as proxy:
        snapshot = collect(CollectOptions(regions=(REGION,), endpoint_url=proxy.url, **FAST))
    assert proxy.faults
    errors = [e for e in snapshot.errors if e.operation == operation]
    assert errors, snapshot.errors
    assert all(rtype in e.resource_types for e in errors)
    # Said in AWS terms, not as the collector's internal exception.
    assert not [e for e in errors if e.error_code in ("KeyError", "TypeError")], errors
    assert not [e for e in snapshot.errors if e.operation != operation], snapshot.errors
    result = evaluate(snapshot, policy_set)
    unknown = [f for f in result.findings if f.status is Status.UNKNOWN]
    assert unknown and result.incomplete
    # Whatever depended on the broken data is UNKNOWN, never PASS.
    clean = {(f.policy_id, f.resource_id): f for f in estate.clean_result.findings}
    for f in result.findings:
        if f.status is Status.PASS:
            assert clean[(f.policy_id, f.resource_id)].status is Status.PASS


def _collect_args(url: str, output: Path) -> list[str]:
    return [
        "collect",
        "--region",
        REGION,
        "--endpoint-url",
        url,
        "--max-attempts",
        "2",
        "--output",
        str(output),
        "--no-progress",
    ]


def test_a_server_dying_mid_scan_leaves_a_snapshot_that_says_so(
    estate: Any, policy_set: Any, tmp_path: Path, cli: Any
) -> None:
    output = tmp_path / "snap.json"
    with FaultProxy(estate.url, die_after=6) as proxy:
        run = cli(_collect_args(proxy.url, output))
        assert proxy.dead
    assert "Traceback" not in run.stderr
    assert run.code == 0, run.stderr  # collect: the snapshot was written, with its errors
    assert "collection error" in run.stderr
    data = json.loads(output.read_text())
    assert data["errors"], "a snapshot from a dead server must record the failures"
    codes = {e["error_code"] for e in data["errors"]}
    assert codes & {"EndpointConnectionError", "ConnectionClosedError", "RegionUnreachable"}, codes
    # Evaluating it: incomplete, exit 3 (nothing fails at --fail-on none).
    out = tmp_path / "out"
    run = cli(["evaluate", str(output), "--output-dir", str(out), "--fail-on", "none"])
    assert run.code == 3, run.stderr
    results = read_result(out / "results.json").to_dict()
    assert results["errors"] and results["summary"]["errors"] == len(results["errors"])
    # What was collected before the death is judged (a record a listing returned
    # is complete); what the death left out is UNKNOWN, so nothing that is not
    # PASS on the clean scan of the same estate may PASS here.
    clean = findings_by_key(estate.clean_result)
    for f in results["findings"]:
        if f["status"] == "PASS":
            assert clean.get((f["policy_id"], f["resource_id"]), {}).get("status") == "PASS", f
    sarif = json.loads((out / "results.sarif").read_text())
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_a_server_dead_before_the_first_answer_writes_nothing(
    estate: Any, tmp_path: Path, cli: Any
) -> None:
    output = tmp_path / "snap.json"
    with FaultProxy(estate.url, die_after=1) as proxy:
        run = cli(_collect_args(proxy.url, output))
    assert run.code == 2, run.stderr
    assert "cannot identify the AWS caller" in run.stderr
    assert not output.exists()
    assert not list(tmp_path.iterdir())
    with FaultProxy(estate.url, die_after=1) as proxy:
        run = cli(
            [
                "scan",
                "--region",
                REGION,
                "--endpoint-url",
                proxy.url,
                "--max-attempts",
                "2",
                "--output-dir",
                str(tmp_path / "out"),
                "--no-progress",
            ]
        )
    assert run.code == 2, run.stderr
    assert not (tmp_path / "out").exists()


class Boom(OSError):
    pass


def test_snapshot_and_result_writes_are_atomic(
    estate: Any, policy_set: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that fails half-way leaves the previous file intact and no debris."""
    from scanner import report
    from scanner.result_file import write_result
    from scanner.snapshot_file import write_snapshot

    result = evaluate(estate.clean, policy_set)
    snap, res, out = tmp_path / "snap.json", tmp_path / "results.json", tmp_path / "out"
    snap.write_text("previous")
    res.write_text("previous")
    out.mkdir()
    (out / "results.sarif").write_text("previous")

    def boom(*_a: Any, **_k: Any) -> None:
        raise Boom("disk full")

    with monkeypatch.context() as m:
        m.setattr(os, "replace", boom)
        # Raised as is, or as a one-line UserInputError naming the file (exit 2).
        failed = (Boom, UserInputError)
        with pytest.raises(failed, match="disk full"):
            write_snapshot(estate.clean, snap)
        with pytest.raises(failed, match="disk full"):
            write_result(result, res)
        with pytest.raises(failed, match="disk full"):
            report.render(result, "sarif", out)
    assert snap.read_text() == "previous"
    assert res.read_text() == "previous"
    assert (out / "results.sarif").read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "results.json", "snap.json"]
    assert [p.name for p in out.iterdir()] == ["results.sarif"]


def test_the_moto_server_killed_mid_scan(estate: Any, tmp_path: Path, cli: Any) -> None:
    """A real server (a second ThreadedMotoServer on the same backends) stopped mid-scan."""
    import threading

    from faults import Fault, ServerFaults
    from moto.server import ThreadedMotoServer

    sock = __import__("socket").socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    stopped = threading.Event()

    def kill_at_the_first_ec2_listing(
        service: str, action: str, nth: int, region: str
    ) -> Fault | None:
        if action.startswith("Describe") and service == "ec2" and not stopped.is_set():
            stopped.set()
            threading.Thread(target=server.stop, daemon=True).start()
        return None

    output = tmp_path / "snap.json"
    try:
        with ServerFaults(kill_at_the_first_ec2_listing):
            run = cli(_collect_args(f"http://127.0.0.1:{port}", output))
    finally:
        if not stopped.is_set():
            server.stop()
    assert stopped.is_set()
    assert "Traceback" not in run.stderr
    assert run.code == 0, run.stderr
    data = json.loads(output.read_text())
    assert data["errors"], "a snapshot from a killed server must record the failures"
    failed = {t for e in data["errors"] for t in e["resource_types"]}
    codes = {e["error_code"] for e in data["errors"]}
    assert codes <= {"EndpointConnectionError", "ConnectionClosedError", "RegionUnreachable"}, codes
    assert failed
    out = tmp_path / "out"
    run = cli(["evaluate", str(output), "--output-dir", str(out), "--fail-on", "none"])
    assert run.code == 3, run.stderr
    results = read_result(out / "results.json").to_dict()
    assert len(results["errors"]) == len(data["errors"])


def test_a_missing_field_in_an_answer_reads_as_a_malformed_response() -> None:
    from scanner.collect._calls import error_code_and_message

    code, message = error_code_and_message(KeyError("KeyMetadata"))
    assert code == "MalformedResponse"
    assert "'KeyMetadata'" in message and "truncated" in message
