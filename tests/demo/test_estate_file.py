"""The demo estate file (scanner/demo/estate.yaml): its schema, names and annotations.

The file is the estate: a mistake in it gets one message naming the file, the
JSON location and what was expected, never a traceback from boto3 halfway
through seeding.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from scanner.demo import moto_gaps
from scanner.demo.estate_file import (
    ESTATE_PATH,
    SCHEMA_PATH,
    build_estate,
    demo_estate,
    load_estate,
    read_estate_file,
)
from scanner.errors import UserInputError


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "estate.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    text = ESTATE_PATH.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    return _write(tmp_path, text.replace(old, new))


def _line_of(path: Path, text: str) -> int:
    """The 1-based line of the first line of ``path`` containing ``text`` (outside comments)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line.split("#")[0])


def test_shipped_estate_loads() -> None:
    estate = demo_estate()
    assert len(estate.clusters) == 13
    assert sum(len(c.instances) for c in estate.clusters) == 23
    assert [c.name for c in estate.other_engine_clusters] == ["knowledge-graph"]
    assert estate.regions == ("us-east-1", "eu-west-1")
    orders = next(c for c in estate.clusters if c.name == "orders-prod")
    # Schema defaults apply to what the file leaves out.
    assert (orders.deletion_protection, orders.backup_retention, orders.key) == (True, 14, "cmk")
    assert orders.activity_stream_key == "cmk" and orders.backup_protected
    assert {e.status for e in estate.expectations} == {"PASS", "FAIL", "NOT_APPLICABLE"}


def test_unquoted_parameter_value_is_refused_with_its_location(tmp_path: Path) -> None:
    # YAML reads ON as a boolean: parameter values must be quoted strings.
    path = _edited(tmp_path, 'require_secure_transport: "OFF"', "require_secure_transport: OFF")
    with pytest.raises(UserInputError) as caught:
        load_estate(path)
    error = caught.value
    assert error.file == str(path)
    where = "$.cluster_parameter_groups[3].parameters.require_secure_transport"
    assert error.location == f"{where} (line {_line_of(path, 'require_secure_transport: OFF')})"
    assert "is not of type 'string'" in error.problem


def test_misspelt_field_is_refused(tmp_path: Path) -> None:
    path = _edited(tmp_path, "    copy_tags: false\n", "    copy_tag: false\n")
    with pytest.raises(UserInputError) as caught:
        load_estate(path)
    # The mapping with the stray key, and its line in the file.
    assert caught.value.location.startswith("$.clusters['legacy-reporting'] (line ")
    assert "'copy_tag' was unexpected" in caught.value.problem


def test_unknown_verdict_is_refused(tmp_path: Path) -> None:
    path = _edited(
        tmp_path,
        "aurora.cluster.copy_tags_to_snapshot: fail",
        "aurora.cluster.copy_tags_to_snapshot: failed",
    )
    with pytest.raises(UserInputError, match="'failed' is not one of"):
        load_estate(path)


def test_duplicate_key_is_refused(tmp_path: Path) -> None:
    # PyYAML would silently keep the second one.
    path = _edited(
        tmp_path, "    backup_retention: 6\n", "    backup_retention: 6\n    backup_retention: 7\n"
    )
    with pytest.raises(UserInputError, match="duplicate key 'backup_retention'"):
        read_estate_file(path)


@pytest.mark.parametrize(
    ("old", "new", "location", "problem"),
    [
        (
            'subnet_group: "legacy-public"',
            'subnet_group: "legacy-publik"',
            "$.clusters['legacy-reporting'].subnet_group",
            "unknown subnet group 'legacy-publik'",
        ),
        (
            'source: "sg:app-tier"}\n      - {protocol: tcp, ports: [3307',
            'source: "sg:app-teir"}\n      - {protocol: tcp, ports: [3307',
            "$.security_groups['orders-db'].ingress[0].source",
            "unknown security group 'app-teir'",
        ),
        (
            'set_activity_stream: "aws"',
            'set_activity_stream: "awz"',
            "$.clusters['inventory-prod'].moto_gaps.set_activity_stream",
            "unknown key 'awz'",
        ),
        (
            "    cluster: inventory-prod\n",
            "    cluster: inventory-prd\n",
            "$.snapshots['inventory-prod-pre-upgrade'].cluster",
            "unknown cluster 'inventory-prd'",
        ),
    ],
)
def test_dangling_name_is_refused(
    tmp_path: Path, old: str, new: str, location: str, problem: str
) -> None:
    path = _edited(tmp_path, old, new)
    with pytest.raises(UserInputError) as caught:
        load_estate(path)
    line = _line_of(path, new.split("\n")[0].strip())
    assert (caught.value.location, caught.value.problem) == (f"{location} (line {line})", problem)


def test_every_gap_helper_the_schema_allows_exists() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    defs = schema["$defs"]
    helpers = set(defs["cluster"]["properties"]["moto_gaps"]["properties"]) | set(
        defs["instance"]["properties"]["moto_gaps"]["properties"]
    )
    assert helpers
    for helper in helpers:
        assert callable(getattr(moto_gaps, helper, None)), helper


def test_schema_defaults_are_the_spec_defaults() -> None:
    # The schema documents the defaults; the specs apply them: keep them one.
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    empty = build_estate(
        {
            **yaml.safe_load(ESTATE_PATH.read_text(encoding="utf-8")),
            "clusters": {
                "c": {
                    "engine": "aurora-mysql",
                    "version": "8.0.mysql_aurora.3.05.2",
                    "subnet_group": "prod-private",
                    "security_groups": [],
                    "port": 3306,
                    "instances": {"i": {"az": "us-east-1a"}},
                }
            },
        }
    )
    (cluster,) = empty.clusters
    (instance,) = cluster.instances
    gap_fields = {
        "set_activity_stream": "activity_stream_key",
        "set_engine_lifecycle_support": "lifecycle_support",
        "make_global_secondary_readers_only": "global_secondary",
        "protect_resource": "backup_protected",
        "set_performance_insights": "performance_insights",
        "set_member_parameter_group_status": "parameter_group_status",
    }
    for kind, spec in (("cluster", cluster), ("instance", instance)):
        props = schema["$defs"][kind]["properties"]
        for name, prop in {**props, **props["moto_gaps"]["properties"]}.items():
            if "default" in prop:
                value = getattr(spec, gap_fields.get(name, name))
                expected = prop["default"]
                assert (list(value) if isinstance(value, tuple) else value) == expected, name
