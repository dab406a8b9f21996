"""Item 6: a custom policy's regex cannot hang the scan (catastrophic backtracking).

The ``regex`` operator runs on RE2 (linear time in the input); a pattern RE2
cannot take (backreference, lookaround) is refused when the policies load,
with exit 2 and the policy file named.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sec_support import cluster_attrs, one_clear_error, snapshot_data, write_json

from scanner.policy.operators import OpContext, op_regex

# Python's backtracking engine takes ~2^34 steps on this: hours, not seconds.
EVIL_PATTERN = "(a+)+$"
EVIL_TAG = "a" * 34 + "!"


def _policy(pattern: str) -> dict[str, Any]:
    return {
        "id": "custom.redos",
        "title": "Cluster Name tag matches a pattern",
        "severity": "high",
        "resource": "aws.rds.db_cluster",
        "require": {"attr": "x_tags.Name", "op": "regex", "value": pattern},
        "message": "Cluster {DBClusterIdentifier} Name tag does not match",
    }


@pytest.fixture
def evil_policy_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "my-policies"
    folder.mkdir()
    (folder / "custom.redos.yaml").write_text(yaml.safe_dump(_policy(EVIL_PATTERN)))
    return folder


@pytest.fixture
def evil_snapshot(tmp_path: Path) -> Path:
    data = snapshot_data()
    cluster_attrs(data)["TagList"] = [{"Key": "Name", "Value": EVIL_TAG}]
    return write_json(tmp_path / "snapshot.json", data)


def test_backtracking_pattern_on_a_35_char_tag_finishes(
    run_cli: Any, evil_policy_dir: Path, evil_snapshot: Path, tmp_path: Path
) -> None:
    run = run_cli(
        [
            "evaluate",
            str(evil_snapshot),
            "--policies",
            str(evil_policy_dir),
            "--output-dir",
            str(tmp_path / "out"),
            "--format",
            "json",
        ],
        timeout=60,
    )
    assert run.code in (0, 1), run.stderr
    assert "Traceback" not in run.stderr
    assert (tmp_path / "out" / "results.json").is_file()


@pytest.mark.parametrize(
    "pattern",
    [r"(a)\1", r"(?=a)b", r"(?<!x)a", r"(?P<n>a)(?P=n)"],
    ids=["backreference", "lookahead", "lookbehind", "named-backreference"],
)
def test_pattern_the_linear_engine_cannot_take_is_refused_at_validation(
    cli: Any, tmp_path: Path, pattern: str
) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "custom.redos.yaml").write_text(yaml.safe_dump(_policy(pattern)))
    run = cli(["policies", "validate", "--policies", str(folder), "--no-builtin"])
    one_clear_error(run, "custom.redos.yaml", "$.require.value", "RE2")


def test_catalogue_regex_flags_still_work() -> None:
    ctx = OpContext(now=__import__("datetime").datetime(2026, 1, 1))
    pgaudit = r"(?i)(^|,)\s*pgaudit\s*(,|$)"
    assert op_regex("pg_stat_statements, PGAUDIT", pgaudit, ctx)
    assert not op_regex("pgauditx", pgaudit, ctx)
    tls = r"(?i)(^|,)\s*TLSv1(\.1)?\s*(,|$)"
    assert op_regex("TLSv1.1,TLSv1.2", tls, ctx)
    assert not op_regex("TLSv1.2,TLSv1.3", tls, ctx)
    # a lone surrogate in resource data is matched as U+FFFD, not a crash
    assert op_regex("a\ud800b", "a.b", ctx)
