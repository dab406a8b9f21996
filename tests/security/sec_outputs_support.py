"""Helpers for the `outputs` hardening tests (credentials, terminal text, writes).

Kept out of conftest.py on purpose: each helper group of issue 14 owns its
own support module, so their test files never collide.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sec_support import Run

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
# Appended, never first: the scanner under test is the installed one (or
# PYTHONPATH's), and benchmarks/ and the other suites' helpers only fill in.
for extra in (HERE.parent / "product", HERE.parent / "reliability", HERE.parent / "report", REPO):
    if str(extra) not in sys.path:
        sys.path.append(str(extra))

# Terminal control and bidi characters a hostile name may carry.
ESC = "\x1b"
RLO = "\u202e"
UNSAFE_CHARS = (ESC, "\r", "\x07", "\x9b", RLO, "\u2066", "\u202a")
HOSTILE_NAME = f"db{ESC}[2J{ESC}[31m\nFAIL forged-line\r{RLO}gnp.exe\x07\x9b1m\u2066x\u2069"


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "LC_", "LANG", "TZ")) and k != "PYTHONWARNINGS"
    }
    env.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "PYTHONIOENCODING": "utf-8",
        }
    )
    env.update(extra or {})
    return env


def cli_argv(args: list[str]) -> list[str]:
    return [sys.executable, "-c", "from scanner.cli import entry; entry()", *args]


def run_cli(
    args: list[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 240,
) -> Run:
    """``aurora-scan ARGS`` in a fresh process; the outer ``timeout`` bounds it."""
    proc = subprocess.run(
        cli_argv(args),
        capture_output=True,
        env=clean_env(env),
        # Not the repository root: ``-c`` puts the working directory first on
        # sys.path, which would shadow the scanner under test.
        cwd=cwd or HERE,
        timeout=timeout,
    )
    # Decoded leniently: the test looks for raw bytes, not for valid UTF-8.
    return Run(
        proc.returncode,
        proc.stdout.decode("utf-8", "surrogateescape"),
        proc.stderr.decode("utf-8", "surrogateescape"),
    )


def write_result(path: Path, res: Any) -> Path:
    from product_fixtures import file_form

    path.write_text(json.dumps(file_form(res)), encoding="utf-8")
    return path


def hidden_leftovers(directory: Path) -> list[str]:
    """Temporaries a writer left: hidden files or ``*.tmp``."""
    return sorted(
        p.name for p in directory.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"
    )
