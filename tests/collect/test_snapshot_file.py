"""Snapshot files: atomic write, schema round-trip, one-line errors for bad files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from scanner.errors import UserInputError
from scanner.model import CollectionError, Resource, Snapshot
from scanner.snapshot_file import read_snapshot, snapshot_schema, write_snapshot
from scanner.vocabulary import RESOURCE_TYPES


def snapshot() -> Snapshot:
    return Snapshot(
        collected_at="2026-11-28T00:00:00Z",
        accounts=("123456789012",),
        regions=("us-east-1",),
        resources=(
            Resource(
                "arn:aws:rds:us-east-1:123456789012:cluster:c1",
                "aws.rds.db_cluster",
                "123456789012",
                "us-east-1",
                {"DBClusterIdentifier": "c1", "ClusterCreateTime": "2026-01-01T00:00:00Z"},
            ),
        ),
        errors=(
            CollectionError(
                "123456789012",
                "us-east-1",
                "rds",
                "DescribeDBInstances",
                "AccessDenied",
                "no",
                ("aws.rds.db_instance",),
            ),
        ),
        context={"caller_identity": {"Account": "123456789012"}},
    )


@pytest.mark.parametrize("name", ["snap.json", "snap.json.gz"])
def test_round_trip(tmp_path: Path, name: str) -> None:
    path = write_snapshot(snapshot(), tmp_path / name)
    assert read_snapshot(path) == snapshot()
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temp file left behind


def test_schema_types_match_the_vocabulary() -> None:
    assert snapshot_schema()["$defs"]["resource_type"]["enum"] == sorted(RESOURCE_TYPES)


def test_write_is_atomic_when_serialisation_fails(tmp_path: Path) -> None:
    target = tmp_path / "snap.json"
    target.write_text("old")
    bad = Snapshot("t", (), (), (Resource("x", "aws.rds.db_cluster", "a", "r", {"k": object()}),))
    with pytest.raises(TypeError):
        write_snapshot(bad, target)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["snap.json"]


def _write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "bad.json"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def _good_text() -> str:
    return json.dumps(snapshot().to_dict(), separators=(",", ":"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (lambda: _good_text()[:-40], "truncated"),
        (lambda: "{not json}", "not valid JSON"),
        (lambda: b"\xff\xfe\x00garbage", "not a UTF-8 text JSON file"),
        (lambda: '{"hello": "world"}', "not an aurora-scan snapshot"),
        (lambda: '{"findings": [], "schema_version": "1.0"}', "scan result"),
        (lambda: _good_text().replace('"schema_version":"1.0"', '"schema_version":"2.0"'), "2.0"),
        (lambda: _good_text().replace('"aws.rds.db_cluster"', '"aws.rds.nope"'), "$.resources[0]"),
        (lambda: gzip.compress(b"{}")[:-4], "gzip"),
        (lambda: "[1, 2]", "not an aurora-scan snapshot"),
    ],
)
def test_bad_files_are_one_line_user_errors(tmp_path: Path, content: object, message: str) -> None:
    data = content()  # type: ignore[operator]
    path = _write(tmp_path, data)
    with pytest.raises(UserInputError) as info:
        read_snapshot(path)
    text = info.value.render()
    assert "\n" not in text
    assert str(path) in text
    assert message in text


def test_huge_and_missing_files(tmp_path: Path) -> None:
    path = write_snapshot(snapshot(), tmp_path / "snap.json")
    with pytest.raises(UserInputError, match="limit"):
        read_snapshot(path, max_bytes=100)
    with pytest.raises(UserInputError, match="not found"):
        read_snapshot(tmp_path / "missing.json")
    with pytest.raises(UserInputError, match="directory"):
        read_snapshot(tmp_path)
    with pytest.raises(UserInputError, match="does not exist"):
        write_snapshot(snapshot(), tmp_path / "no" / "such" / "snap.json")


def test_unwritable_targets_are_one_line_user_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(UserInputError, match="is a directory"):
        write_snapshot(snapshot(), tmp_path)
    with pytest.raises(UserInputError, match="output directory does not exist"):
        write_snapshot(snapshot(), tmp_path / "missing" / "s.json")

    def full_disk(*_a: object, **_k: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", full_disk)
    with pytest.raises(UserInputError, match="cannot write the snapshot: No space left"):
        write_snapshot(snapshot(), tmp_path / "s.json")
    assert list(tmp_path.iterdir()) == []  # the temporary file is gone too
