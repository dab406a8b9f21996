"""Terraform plans: an omitted Optional+Computed argument takes the AWS default.

A real plan (`terraform show -json`) shows an argument the configuration
leaves out but the provider computes (``port``, ``engine_lifecycle_support``,
``db_cluster_parameter_group_name``...) as "known after apply", with no
expression in ``configuration``: AWS then applies its default, as for a
template omitting the property.  An argument written as an expression the
plan cannot resolve, or any unknown value of a plan without ``configuration``,
stays UNKNOWN.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.cli import main
from scanner.iac.build import Computed, Unresolved
from scanner.iac.terraform import declared
from scanner.result_file import read_result

CORPUS = Path(__file__).parent / "corpus"
PLAN = "terraform/omitted.plan.json"
PLAN_CLUSTERS = (
    "aws_rds_cluster.omitted",
    "aws_rds_cluster.counted[0]",  # count: one configuration block
    'module.fleet["a"].aws_rds_cluster.this',  # for_each on a registry module
)
# Policies reading a field AWS computes and whose default follows from what
# the plan says (engine, encryption): they are judged, not UNKNOWN.
JUDGED = {
    "aurora.cluster.non_default_port": "FAIL",  # 3306 for aurora-mysql
    "aurora.cluster.no_extended_support": "FAIL",  # open-source-rds-extended-support
    "aurora.cluster.custom_parameter_group": "FAIL",  # default.aurora-mysql
    "aurora.cluster.storage_encrypted": "FAIL",  # provisioned: not encrypted
}


def _scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *files: str) -> dict[str, Any]:
    monkeypatch.chdir(CORPUS)
    out = tmp_path / "out"
    config = ["--config", "aurora-scan.yml"]
    main(["iac", *files, *config, "--output-dir", str(out), "--format", "json", "--quiet"])
    verdicts: dict[str, Any] = {}
    for f in read_result(out / "results.json").findings:
        verdicts.setdefault(f.resource_id, {})[f.policy_id] = (f.status.value, f.reason or "")
    return verdicts


def test_the_corpus_plan_looks_like_a_real_one() -> None:
    """Omitted Optional+Computed arguments: after_unknown true, no planned value, no expression."""
    plan = json.loads((CORPUS / PLAN).read_text(encoding="utf-8"))
    change = next(c for c in plan["resource_changes"] if c["address"] == PLAN_CLUSTERS[0])
    assert change["change"]["after_unknown"]["port"] is True
    assert "port" not in change["change"]["after"]
    config = plan["configuration"]["root_module"]
    block = next(r for r in config["resources"] if r["address"] == "aws_rds_cluster.omitted")
    assert "port" not in block["expressions"] and "engine" in block["expressions"]
    counted = [r for r in config["resources"] if r["address"] == "aws_rds_cluster.counted"]
    assert len(counted) == 1
    assert "fleet" in config["module_calls"]


def test_omitted_optional_computed_arguments_are_judged_as_on_the_template(
    tmp_path, monkeypatch
) -> None:
    verdicts = _scan(tmp_path, monkeypatch, "cloudformation/omitted.yaml", PLAN)
    template = verdicts["cloudformation/omitted.yaml#Cluster"]
    for cluster in PLAN_CLUSTERS:
        planned = verdicts[f"{PLAN}#{cluster}"]
        assert set(planned) == set(template), cluster
        for policy, status in JUDGED.items():
            assert template[policy][0] == status, policy
            assert planned[policy][0] == status, (cluster, policy, planned[policy])
        differ = {p for p in template if template[p][0] != planned[p][0]}
        # AWS has no default master user name (CreateDBCluster requires one):
        # an omitted, computed master_username is unknown, the reason naming it.
        assert differ == {"aurora.cluster.custom_admin_username"}, (cluster, differ)
        status, reason = planned["aurora.cluster.custom_admin_username"]
        assert status == "UNKNOWN" and "master_username is not set" in reason


def test_an_argument_set_by_an_unresolvable_expression_stays_unknown(tmp_path, monkeypatch) -> None:
    verdicts = _scan(tmp_path, monkeypatch, "terraform/unknown.plan.json")
    cluster = verdicts["terraform/unknown.plan.json#aws_rds_cluster.db"]
    # storage_encrypted from a module output, port from an expression without
    # references: both written, neither known.
    assert cluster["aurora.cluster.storage_encrypted"][0] == "UNKNOWN"
    assert "module.kms.encrypted" in cluster["aurora.cluster.storage_encrypted"][1]
    assert cluster["aurora.cluster.non_default_port"][0] == "UNKNOWN"
    # engine_lifecycle_support is omitted in the same plan: the AWS default.
    assert cluster["aurora.cluster.no_extended_support"][0] == "FAIL"
    assert cluster["aurora.cluster.deletion_protection"][0] == "PASS"


def _variant(tmp_path: Path, change: Any) -> str:
    plan = json.loads((CORPUS / PLAN).read_text(encoding="utf-8"))
    change(plan)
    path = tmp_path / "variant.plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda plan: plan.pop("configuration"), id="no configuration"),
        pytest.param(
            lambda plan: plan["configuration"]["root_module"].update(resources=[], module_calls={}),
            id="resources not in the configuration",
        ),
    ],
)
def test_without_the_configuration_computed_values_stay_unknown(
    tmp_path, monkeypatch, change
) -> None:
    verdicts = _scan(tmp_path, monkeypatch, _variant(tmp_path, change))
    by_address = {rid.rpartition("variant.plan.json#")[2]: v for rid, v in verdicts.items()}
    for cluster in PLAN_CLUSTERS:
        found = by_address[cluster]
        for policy in JUDGED:
            assert found[policy][0] == "UNKNOWN", (cluster, policy, found[policy])


def _nested_plan(configuration: bool = True) -> dict[str, Any]:
    """A cluster two modules deep, both called with count/for_each."""
    address = 'module.outer["x"].module.inner[0].aws_rds_cluster.c'
    values = {"cluster_identifier": "c", "engine": "aurora-postgresql"}
    plan: dict[str, Any] = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "child_modules": [
                    {
                        "address": 'module.outer["x"]',
                        "child_modules": [
                            {
                                "address": 'module.outer["x"].module.inner[0]',
                                "resources": [
                                    {
                                        "address": address,
                                        "mode": "managed",
                                        "type": "aws_rds_cluster",
                                        "name": "c",
                                        "values": values,
                                    }
                                ],
                            }
                        ],
                    }
                ]
            }
        },
        "resource_changes": [
            {
                "address": address,
                "type": "aws_rds_cluster",
                "change": {
                    "after": values,
                    "after_unknown": {
                        "port": True,
                        "engine_version": True,
                        "vpc_security_group_ids": [True],
                        "tags": {"team": True},
                    },
                },
            }
        ],
    }
    if configuration:
        inner = {
            "resources": [
                {
                    "address": "aws_rds_cluster.c",
                    "expressions": {
                        "cluster_identifier": {"constant_value": "c"},
                        "engine": {"constant_value": "aurora-postgresql"},
                        "engine_version": {"references": ["var.version"]},
                        "vpc_security_group_ids": {},
                        "tags": {"references": ["var.team"]},
                    },
                }
            ]
        }
        plan["configuration"] = {
            "root_module": {
                "module_calls": {
                    "outer": {"module": {"module_calls": {"inner": {"module": inner}}}}
                }
            }
        }
    return plan


def test_nested_modules_with_instance_keys_find_their_configuration_block() -> None:
    (cluster,) = declared(_nested_plan(), "plan.json")
    properties = cluster.properties
    assert isinstance(properties["port"], Computed)  # omitted: the AWS default applies
    assert isinstance(properties["engine_version"], Unresolved)  # var.version
    assert isinstance(properties["vpc_security_group_ids"], Unresolved)  # written, unknown
    assert isinstance(properties["tags"], Unresolved)  # a map partly unknown
    (cluster,) = declared(_nested_plan(configuration=False), "plan.json")
    assert isinstance(cluster.properties["port"], Unresolved)


def _unknown_ingress_plan() -> dict[str, Any]:
    """secure.plan.json as a real plan shows a group without inline rules: ingress unknown."""
    plan = json.loads((CORPUS / "terraform/secure.plan.json").read_text(encoding="utf-8"))
    for change in plan["resource_changes"]:
        if change["address"] == "aws_security_group.db":
            change["change"]["after_unknown"]["ingress"] = True
            del change["change"]["after"]["ingress"]
    for resource in plan["planned_values"]["root_module"]["resources"]:
        if resource["address"] == "aws_security_group.db":
            del resource["values"]["ingress"]
    for resource in plan["configuration"]["root_module"]["resources"]:
        if resource["address"] == "aws_security_group.db":
            del resource["expressions"]["ingress"]
    return plan


def test_an_unknown_block_without_its_source_stays_unknown() -> None:
    """A `dynamic` block is absent from `expressions` as well: not known to be omitted."""
    group = next(
        d
        for d in declared(_unknown_ingress_plan(), "p.json")
        if d.address == "aws_security_group.db"
    )
    assert isinstance(group.properties["ingress"], Unresolved)


@pytest.mark.parametrize(
    "dynamic, expected",
    [
        pytest.param(False, "PASS", id="no ingress block in the source: omitted"),
        pytest.param(True, "UNKNOWN", id="a dynamic ingress block"),
    ],
)
def test_the_tf_source_tells_an_omitted_block_from_a_dynamic_one(
    tmp_path, monkeypatch, dynamic, expected
) -> None:
    work = tmp_path / "infra"
    work.mkdir()
    (work / "plan.json").write_text(json.dumps(_unknown_ingress_plan()), encoding="utf-8")
    source = (CORPUS / "terraform/main.tf").read_text(encoding="utf-8")
    header = 'resource "aws_security_group" "db" {\n'
    assert header in source
    if dynamic:
        source = source.replace(
            header,
            header + '  dynamic "ingress" {\n    for_each = var.rules\n    content {}\n  }\n',
        )
    (work / "main.tf").write_text(source, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    main(["iac", "infra", "--output-dir", str(out), "--format", "json", "--quiet"])
    verdicts = {
        (f.policy_id, f.resource_id): f.status.value
        for f in read_result(out / "results.json").findings
    }
    cluster = "infra/plan.json#aws_rds_cluster.db"
    assert verdicts[("aurora.cluster.sg_no_world_ingress", cluster)] == expected
