"""`aurora-scan scan` option wiring that needs no AWS: regions, progress, snapshot path."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import pytest

from scanner.cli import build_parser
from scanner.cli.scan import check_inputs, collect_options, prepare_snapshot_out, write_snapshot_out
from scanner.collect.options import CollectOptions
from scanner.errors import UserInputError
from scanner.model import Snapshot
from scanner.policy.loader import load_policies
from scanner.progress import Progress

CATALOGUE = load_policies()


def _args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["scan", *argv])


def _options(args: argparse.Namespace, progress: Progress) -> CollectOptions:
    options, inputs = check_inputs(args)
    return collect_options(options, replace(inputs, policy_set=CATALOGUE), progress)


def test_config_regions_apply_when_no_region_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "scan.yml"
    config.write_text("regions: [eu-west-1, eu-central-1]\n")
    options = _options(_args("--config", str(config)), Progress(enabled=False))
    assert options.regions == ("eu-west-1", "eu-central-1")
    # --region wins over the config file.
    options = _options(
        _args("--config", str(config), "--region", "us-east-1"), Progress(enabled=False)
    )
    assert options.regions == ("us-east-1",)


def test_progress_callback_is_ours(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    progress = Progress(enabled=False)
    options = _options(_args("--region", "us-east-1"), progress)
    assert options.progress == progress.collected


def test_logging_flags_parse() -> None:
    args = _args("-v", "--log-format", "json")
    assert (args.verbose, args.log_format, args.quiet) == (1, "json", False)
    with pytest.raises(SystemExit):
        _args("--quiet", "--verbose")


def test_snapshot_out_creates_its_directory_and_refuses_a_directory(tmp_path: Path) -> None:
    snapshot = Snapshot(
        collected_at="2026-11-28T00:00:00Z",
        accounts=("123456789012",),
        regions=("us-east-1",),
        resources=(),
    )
    path = tmp_path / "deep" / "er" / "snapshot.json"
    prepare_snapshot_out(path)
    digest = write_snapshot_out(snapshot, path)
    assert path.is_file() and len(digest) == 64
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(UserInputError, match="cannot create the directory"):
        prepare_snapshot_out(blocker / "snapshot.json")
    with pytest.raises(UserInputError, match="is a directory"):
        prepare_snapshot_out(tmp_path)
