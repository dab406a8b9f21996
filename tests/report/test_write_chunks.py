"""write_chunks: streamed, atomic, and a failed write is raised in the caller."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.report._env import byte_sink, write_chunks


def many_chunks(blocks: int) -> Iterator[str]:
    # ~3 MiB in 1 KiB chunks: several 1 MiB blocks go through the writer thread.
    for i in range(blocks * 1024):
        yield f"{i:08d}" + "é" * 508 + "\n"


def test_every_chunk_arrives_in_order_and_observe_sees_the_same_bytes(tmp_path: Path) -> None:
    seen: list[bytes] = []
    target = tmp_path / "out.txt"
    size = write_chunks(target, many_chunks(3), observe=seen.append)
    expected = "".join(many_chunks(3)).encode()
    assert target.read_bytes() == expected
    assert b"".join(seen) == expected
    assert size == len(expected)
    assert len(seen) >= 3


class DiskFull(OSError):
    pass


def test_a_write_failing_half_way_is_raised_and_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.txt"
    target.write_text("previous")
    real_fdopen = os.fdopen

    class FailingFile:
        def __init__(self, inner: Any) -> None:
            self.inner, self.writes = inner, 0

        def write(self, data: bytes) -> int:
            self.writes += 1
            if self.writes == 2:
                raise DiskFull(28, "No space left on device")
            return int(self.inner.write(data))

        def __enter__(self) -> FailingFile:
            return self

        def __exit__(self, *exc: Any) -> None:
            self.inner.close()

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: FailingFile(real_fdopen(fd, mode)))
    with pytest.raises(DiskFull, match="No space left"):
        write_chunks(target, many_chunks(8))
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_render_error_stops_the_writer_and_leaves_no_debris(tmp_path: Path) -> None:
    def broken() -> Iterator[str]:
        yield from many_chunks(2)
        raise ValueError("template blew up")

    with pytest.raises(ValueError, match="template blew up"):
        write_chunks(tmp_path / "out.txt", broken())
    assert list(tmp_path.iterdir()) == []


def test_byte_sink_writes_blocks_atomically_and_leaves_nothing_on_error(tmp_path: Path) -> None:
    target = tmp_path / "out.xml"
    block = b"x" * (600 * 1024)  # two writes cross the 1 MiB block size
    with byte_sink(target) as sink:
        sink.write(block)
        sink.write(block)
        sink.write(b"end")
    assert target.read_bytes() == block + block + b"end"

    with pytest.raises(ValueError, match="writer blew up"), byte_sink(target) as sink:
        sink.write(b"partial")
        raise ValueError("writer blew up")
    assert target.read_bytes() == block + block + b"end"  # the previous file, untouched
    assert [p.name for p in tmp_path.iterdir()] == ["out.xml"]
