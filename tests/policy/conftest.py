"""Fixtures for the policy engine tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
from policy_helpers import CliResult

from scanner.cli import main


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[[Sequence[str]], CliResult]:
    def run(argv: Sequence[str]) -> CliResult:
        capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse errors
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err

    return run
