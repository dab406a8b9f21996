"""A snapshot passed where a result is expected (or the reverse) says what to run instead."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.errors import UserInputError
from scanner.result_file import read_result
from scanner.snapshot_file import read_snapshot


def _hint(reader: object, path: Path) -> str:
    with pytest.raises(UserInputError) as caught:
        reader(path)  # type: ignore[operator]
    return caught.value.hint or ""


@pytest.mark.parametrize(
    ("doc", "snapshot_hint", "result_hint"),
    [
        ({"resources": []}, "pass the file written by", "use `aurora-scan evaluate "),
        # A result missing keys fails the result schema instead: no hint to check.
        ({"schema_version": "1.0", "findings": []}, "use `aurora-scan report ", None),
        ({"runs": []}, "this looks like a SARIF file", "this looks like a SARIF file"),
        ([1], "pass the file written by", "pass the results.json"),
    ],
)
def test_the_hint_names_the_file_it_looks_like(
    tmp_path: Path, doc: object, snapshot_hint: str, result_hint: str | None
) -> None:
    path = tmp_path / "in.json"
    path.write_text(json.dumps(doc))
    assert snapshot_hint in _hint(read_snapshot, path)
    if result_hint is not None:
        assert result_hint in _hint(read_result, path)
