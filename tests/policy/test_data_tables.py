"""Data tables: ``{data: NAME}`` and, for a mapping file, ``{data: NAME.KEY}``."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from policy_helpers import BASE_POLICY, write_policy

from scanner.errors import UserInputErrors
from scanner.policy.loader import load_roots
from scanner.policy.testing import run_case


def _policy() -> dict[str, Any]:
    doc = copy.deepcopy(BASE_POLICY)
    doc["scope"] = {
        "all": [
            doc["scope"],
            {"not": {"attr": "EngineMode", "op": "in", "value": {"param": "modes"}}},
        ]
    }
    doc["params"] = {"modes": {"default": {"data": "feature.unsupported_modes"}, "type": "list"}}
    doc["tests"].append(
        {
            "name": "a listed engine mode is out of scope",
            "resources": [
                {
                    "type": "aws.rds.db_cluster",
                    "id": "c2",
                    "Engine": "aurora-mysql",
                    "EngineMode": "serverless",
                }
            ],
            "expect": {"c2": "not_applicable"},
        }
    )
    return doc


def _data(root: Path, name: str, table: Any) -> None:
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "data" / f"{name}.yaml").write_text(yaml.safe_dump(table), encoding="utf-8")


def test_a_mapping_file_exposes_each_key_as_a_table(tmp_path: Path) -> None:
    write_policy(tmp_path, _policy())
    _data(tmp_path, "feature", {"unsupported_modes": ["serverless"], "other": [1]})
    policy_set = load_roots([tmp_path])
    assert policy_set.data["feature"] == {"unsupported_modes": ["serverless"], "other": [1]}
    assert policy_set.data["feature.unsupported_modes"] == ["serverless"]
    policy = policy_set.get("test.cluster.deletion_protection")
    assert all(not run_case(policy, case) for case in policy.tests)


def test_a_later_directory_replaces_the_whole_file(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    write_policy(first, _policy())
    _data(first, "feature", {"unsupported_modes": ["serverless"], "other": [1]})
    _data(second, "feature", {"unsupported_modes": ["parallelquery"]})
    data = load_roots([first, second]).data
    assert data["feature.unsupported_modes"] == ["parallelquery"]
    assert "feature.other" not in data


def test_an_unknown_sub_table_is_a_load_error(tmp_path: Path) -> None:
    doc = _policy()
    doc["params"]["modes"]["default"] = {"data": "feature.unsupported_mode"}
    write_policy(tmp_path, doc)
    _data(tmp_path, "feature", {"unsupported_modes": ["serverless"]})
    with pytest.raises(UserInputErrors, match=r"no data file 'feature\.unsupported_mode'"):
        load_roots([tmp_path])
