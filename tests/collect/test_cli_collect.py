"""`aurora-scan collect` end to end against a moto server, and its option checks."""

from __future__ import annotations

import collections
import json
from pathlib import Path
from typing import Any

import pytest
from moto_helpers import seed_estate

from scanner.cli import main
from scanner.snapshot_file import read_snapshot


def test_collect_writes_a_snapshot_with_the_seeded_counts(
    moto_server: Any, aws_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    moto_server.reset()
    seeded = seed_estate(moto_server.client, clusters=16, instances_per_cluster=2)
    # AWS_ENDPOINT_URL alone (no --endpoint-url) must reach the server.
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    out = tmp_path / "snap.json"
    code = main(["collect", "--region", "us-east-1", "--output", str(out), "--page-size", "20"])
    assert code == 0
    snapshot = read_snapshot(out)  # validates against the shipped schema
    counts = collections.Counter(r.type for r in snapshot.resources)
    assert dict(counts) == {t: n for t, n in seeded.counts.items() if n}
    engines = collections.Counter(
        r.attrs["Engine"] for r in snapshot.resources if r.type == "aws.rds.db_cluster"
    )
    assert engines == {"aurora-mysql": 8, "aurora-postgresql": 8, "neptune": 1}
    assert snapshot.errors == ()
    # round trip: what we read back serialises to exactly what is on disk
    on_disk = json.loads(out.read_text())
    assert snapshot.to_dict() == on_disk
    stderr = capsys.readouterr().err
    assert "wrote" in stderr and "error" not in stderr


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--region", "mars-1"], "not an AWS region name"),
        (["--region", "us-east-1", "--all-regions"], "cannot be combined"),
        (
            ["--region", "us-east-1", "--accounts", "1234", "--role-name", "R"],
            "not an AWS account id",
        ),
        (["--region", "us-east-1", "--accounts", "111111111111"], "need --role-name"),
        (["--region", "us-east-1", "--page-size", "5"], "out of range"),
        (["--region", "us-east-1", "--resource-types", "aws.rds.nope"], "unknown resource type"),
        (["--region", "us-east-1", "--max-workers", "0"], "--max-workers 0 is too small"),
        (["--region", "us-east-1", "--max-attempts", "-1"], "--max-attempts -1 is too small"),
        (["--region", "us-east-1", "--read-timeout", "0"], "--read-timeout 0 is not a duration"),
        (["--region", "us-east-1", "--connect-timeout", "nan"], "is not a duration"),
        (["--region", "us-east-1", "--endpoint-url", "notaurl"], "is not an http(s) URL"),
        (["--region", "us-east-1", "--endpoint-url", "ftp://x"], "is not an http(s) URL"),
        (["--region", "us-east-1", "--endpoint-url", "http://h:port"], "is not an http(s) URL"),
    ],
)
def test_bad_options_exit_2_with_one_line(
    argv: list[str], message: str, tmp_path: Path, capsys: Any, aws_env: None
) -> None:
    code = main(["collect", "--output", str(tmp_path / "s.json"), *argv])
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "s.json").exists()


def test_a_directory_as_output_is_refused_before_collecting(
    tmp_path: Path, capsys: Any, aws_env: None
) -> None:
    # Port 9 (discard) answers nothing: reaching the collection would be a different error.
    argv = ["collect", "--region", "us-east-1", "--endpoint-url", "http://127.0.0.1:9"]
    code = main([*argv, "--output", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "is a directory" in err and "--output" in err and err.count("\n") == 1


def test_a_bad_aws_endpoint_url_variable_is_named(
    tmp_path: Path, capsys: Any, aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "localhost:5000")
    code = main(["collect", "--region", "us-east-1", "--output", str(tmp_path / "s.json")])
    assert code == 2
    err = capsys.readouterr().err
    assert "AWS_ENDPOINT_URL" in err and err.count("\n") == 1


def test_an_endpoint_that_does_not_answer_is_named_in_the_hint(
    tmp_path: Path, capsys: Any, aws_env: None
) -> None:
    url = "http://127.0.0.1:9"
    argv = ["collect", "--region", "us-east-1", "--endpoint-url", url, "--max-attempts", "1"]
    code = main([*argv, "--output", str(tmp_path / "s.json")])
    assert code == 2
    err = capsys.readouterr().err
    assert "cannot identify the AWS caller" in err and f"{url}/ refused the connection" in err
    assert "--endpoint-url / AWS_ENDPOINT_URL is up" in err
