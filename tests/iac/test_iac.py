"""`aurora-scan iac` on the corpus: CloudFormation and Terraform plans through the real CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from scanner.cli import main
from scanner.model import Status
from scanner.result_file import read_result

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))
from github_rules import check_file
from sarif_schema import assert_sarif_file_valid

CORPUS = Path(__file__).parent / "corpus"
MAIN = {
    "aurora.cluster.storage_encrypted",
    "aurora.cluster.deletion_protection",
    "aurora.cluster.backup_retention",
    "aurora.cluster.iam_auth",
    "aurora.cluster.sg_no_world_ingress",
    "aurora.instance.not_publicly_accessible",
}


def _scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *files: str, fmt: str = "json") -> Any:
    monkeypatch.chdir(CORPUS)
    out = tmp_path / "out"
    code = main(["iac", *files, "--output-dir", str(out), "--format", fmt, "--quiet"])
    return code, out


def _verdicts(out: Path) -> dict[tuple[str, str], str]:
    result = read_result(out / "results.json")
    return {(f.policy_id, f.resource_id): f.status.value for f in result.findings}


@pytest.mark.parametrize(
    "file, cluster",
    [
        ("cloudformation/secure.yaml", "cloudformation/secure.yaml#Cluster"),
        ("terraform/secure.plan.json", "terraform/secure.plan.json#aws_rds_cluster.db"),
    ],
)
def test_secure_templates_pass_the_main_policies(tmp_path, monkeypatch, file, cluster) -> None:
    code, out = _scan(tmp_path, monkeypatch, file)
    verdicts = _verdicts(out)
    for policy in MAIN - {"aurora.instance.not_publicly_accessible"}:
        assert verdicts[(policy, cluster)] == "PASS", policy
    assert verdicts[("aurora.cluster.no_public_subnet", cluster)] == "PASS"
    assert verdicts[("aurora.cluster.kms_customer_managed_key", cluster)] == "PASS"
    assert code in (0, 1)  # other policies (log exports...) may fail


@pytest.mark.parametrize(
    "file, cluster, instance",
    [
        ("cloudformation/insecure.json", "Cluster", "Writer"),
        ("terraform/insecure.plan.json", "aws_rds_cluster.db", "aws_rds_cluster_instance.writer"),
    ],
)
def test_insecure_templates_fail_the_main_policies(
    tmp_path, monkeypatch, file, cluster, instance
) -> None:
    code, out = _scan(tmp_path, monkeypatch, file)
    verdicts = _verdicts(out)
    for policy in MAIN:
        subject = instance if policy.startswith("aurora.instance") else cluster
        assert verdicts[(policy, f"{file}#{subject}")] == "FAIL", policy
    assert code == 1


def test_split_default_route_to_an_internet_gateway_is_a_public_subnet(tmp_path, monkeypatch):
    _code, out = _scan(tmp_path, monkeypatch, "cloudformation/insecure.json")
    key = ("aurora.cluster.no_public_subnet", "cloudformation/insecure.json#Cluster")
    assert _verdicts(out)[key] == "FAIL"


def test_omitted_properties_take_the_aws_defaults(tmp_path, monkeypatch) -> None:
    _code, out = _scan(tmp_path, monkeypatch, "cloudformation/omitted.yaml")
    verdicts = _verdicts(out)
    cluster = "cloudformation/omitted.yaml#Cluster"
    for policy in ("storage_encrypted", "deletion_protection", "backup_retention", "iam_auth"):
        assert verdicts[(f"aurora.cluster.{policy}", cluster)] == "FAIL", policy
    # No subnet group or security groups: the default VPC's, not declared here.
    for policy in ("no_public_subnet", "sg_no_world_ingress", "not_default_security_group"):
        assert verdicts[(f"aurora.cluster.{policy}", cluster)] == "UNKNOWN", policy


@pytest.mark.parametrize(
    "file, cluster",
    [
        ("cloudformation/unresolved.yaml", "Cluster"),
        ("terraform/unknown.plan.json", "aws_rds_cluster.db"),
    ],
)
def test_unresolvable_values_are_unknown_never_pass(tmp_path, monkeypatch, file, cluster) -> None:
    _code, out = _scan(tmp_path, monkeypatch, file)
    verdicts = _verdicts(out)
    assert verdicts[("aurora.cluster.storage_encrypted", f"{file}#{cluster}")] == "UNKNOWN"
    assert verdicts[("aurora.cluster.deletion_protection", f"{file}#{cluster}")] == "PASS"


def test_runtime_only_policies_are_not_applicable(tmp_path, monkeypatch) -> None:
    _code, out = _scan(tmp_path, monkeypatch, "cloudformation/secure.yaml")
    backup = [
        f
        for f in read_result(out / "results.json").findings
        if f.policy_id == "aurora.cluster.backup_plan" and f.resource_id.endswith("#Cluster")
    ]
    assert backup and all(
        f.status is Status.NOT_APPLICABLE and f.reason == "runtime only" for f in backup
    )


def test_directories_are_walked_and_other_files_skipped(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(CORPUS)
    code = main(["iac", "cloudformation", "--output-dir", str(tmp_path), "--format", "json"])
    assert code == 1
    assert "README.txt: skipped" in capsys.readouterr().err
    ids = {rid for _p, rid in _verdicts(tmp_path)}
    assert (
        "cloudformation/secure.yaml#Cluster" in ids and "cloudformation/omitted.yaml#Cluster" in ids
    )


def test_missing_path_is_exit_2(tmp_path, monkeypatch) -> None:
    code, _out = _scan(tmp_path, monkeypatch, "nowhere.yaml")
    assert code == 2


def test_sarif_points_at_the_file_and_the_resource_line(tmp_path, monkeypatch) -> None:
    # The secure template passes everything: edge.yaml has failures to locate.
    _code, out = _scan(tmp_path, monkeypatch, "cloudformation/edge.yaml", fmt="sarif")
    doc = assert_sarif_file_valid(out / "results.sarif")
    check_file(out / "results.sarif")  # GitHub's ingestion rules
    lines = (CORPUS / "cloudformation/edge.yaml").read_text().splitlines()
    results = doc["runs"][0]["results"]
    assert results
    for result in results:
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "cloudformation/edge.yaml"
        name = result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].split("#")[1]
        start = location["region"]["startLine"]
        # The resource's line, or one of its properties' (below it, before the next resource).
        header = max(
            i
            for i, text in enumerate(lines[:start], 1)
            if text.startswith("  ") and not text.startswith("   ")
        )
        assert lines[header - 1] == f"  {name}:"


def test_sarif_points_at_the_offending_property(tmp_path, monkeypatch) -> None:
    _code, out = _scan(tmp_path, monkeypatch, "cloudformation/insecure.json", fmt="sarif")
    doc = assert_sarif_file_valid(out / "results.sarif")
    lines = (CORPUS / "cloudformation/insecure.json").read_text().splitlines()
    by_rule = {
        r["ruleId"]: lines[r["locations"][0]["physicalLocation"]["region"]["startLine"] - 1]
        for r in doc["runs"][0]["results"]
        if r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].endswith("#Cluster")
    }
    assert '"StorageEncrypted": false' in by_rule["aurora.cluster.storage_encrypted"]
    assert '"DeletionProtection": false' in by_rule["aurora.cluster.deletion_protection"]
    assert '"BackupRetentionPeriod": 1' in by_rule["aurora.cluster.backup_retention"]


def test_terraform_findings_point_at_the_tf_source_beside_the_plan(tmp_path, monkeypatch) -> None:
    # edge.plan.json fails policies in the root module and in a local child module.
    _code, out = _scan(tmp_path, monkeypatch, "terraform/edge.plan.json", fmt="sarif")
    doc = assert_sarif_file_valid(out / "results.sarif")
    check_file(out / "results.sarif")
    results = doc["runs"][0]["results"]
    assert results
    files = set()
    for result in results:
        location = result["locations"][0]["physicalLocation"]
        uri = location["artifactLocation"]["uri"]
        files.add(uri)
        lines = (CORPUS / uri).read_text().splitlines()
        address = result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
        kind, name = address.split("#")[1].split(".")[-2:]
        start = location["region"]["startLine"]
        # The block's line, or one of its arguments' (inside the block).
        header = max(i for i, text in enumerate(lines[:start], 1) if text.startswith("resource "))
        assert lines[header - 1] == f'resource "{kind}" "{name}" {{', address
        if address.endswith("#module.reporting.aws_rds_cluster.this"):
            assert uri == "terraform/modules/reporting/main.tf"
    assert files == {"terraform/edge.tf", "terraform/modules/reporting/main.tf"}


def test_resources_of_a_remote_module_stay_on_the_plan_file() -> None:
    from scanner.iac.terraform import TfSources

    sources = TfSources(CORPUS / "terraform", "terraform")
    plan = {
        "configuration": {
            "root_module": {
                "module_calls": {
                    "local": {"source": "./modules/reporting"},
                    "registry": {"source": "terraform-aws-modules/rds-aurora/aws"},
                    "missing": {"source": "./modules/nowhere"},
                }
            }
        }
    }
    local = sources.module(plan, ["local"])
    assert local is not None and local.relative == "terraform/modules/reporting"
    assert local.locate("aws_rds_cluster", "this") is not None
    assert sources.module(plan, ["registry"]) is None
    assert sources.module(plan, ["missing"]) is None


def test_a_broken_yaml_is_skipped_in_a_walk_and_exit_2_when_named(
    tmp_path, monkeypatch, capsys
) -> None:
    folder = tmp_path / "infra"
    folder.mkdir()
    (folder / "chart.yaml").write_text("a: {{ .Values.x }\n")
    (folder / "stack.yaml").write_text((CORPUS / "cloudformation/omitted.yaml").read_text())
    monkeypatch.chdir(tmp_path)
    assert main(["iac", "infra", "--output-dir", "out", "--format", "json"]) == 1
    assert "infra/chart.yaml: skipped" in capsys.readouterr().err
    assert main(["iac", "infra/chart.yaml", "--output-dir", "out", "--format", "json"]) == 2
    assert "infra/chart.yaml: cannot parse the template" in capsys.readouterr().err


def test_encryption_without_a_key_is_the_aws_managed_key_not_a_cmk(tmp_path, monkeypatch) -> None:
    _code, out = _scan(tmp_path, monkeypatch, "cloudformation/aws_managed_key.yaml")
    verdicts = _verdicts(out)
    cluster = "cloudformation/aws_managed_key.yaml#Cluster"
    assert verdicts[("aurora.cluster.storage_encrypted", cluster)] == "PASS"
    assert verdicts[("aurora.cluster.kms_customer_managed_key", cluster)] == "FAIL"


def test_policies_list_says_where_each_policy_applies(capsys) -> None:
    assert main(["policies", "list", "--json"]) == 0
    rows = {row["id"]: row["applies"] for row in json.loads(capsys.readouterr().out)}
    assert rows["aurora.cluster.backup_plan"] == ["live"]
    assert rows["aurora.cluster.storage_encrypted"] == ["live", "iac"]


def test_every_runtime_only_entry_names_a_built_in_policy(capsys) -> None:
    from scanner.iac.runtime import RUNTIME_ONLY

    assert main(["policies", "list", "--json"]) == 0
    ids = {row["id"] for row in json.loads(capsys.readouterr().out)}
    assert set(RUNTIME_ONLY) <= ids, set(RUNTIME_ONLY) - ids


def test_templates_sharing_logical_ids_stay_separate_stacks(tmp_path, monkeypatch) -> None:
    # Both declare Vpc, DbSg and Subnets: the insecure stack's world-open rule and
    # public route must not reach the secure stack's cluster.
    _code, out = _scan(
        tmp_path, monkeypatch, "cloudformation/secure.yaml", "cloudformation/insecure.json"
    )
    verdicts = _verdicts(out)
    for policy in ("sg_no_world_ingress", "no_public_subnet"):
        assert (
            verdicts[(f"aurora.cluster.{policy}", "cloudformation/secure.yaml#Cluster")] == "PASS"
        )
        assert (
            verdicts[(f"aurora.cluster.{policy}", "cloudformation/insecure.json#Cluster")] == "FAIL"
        )


def test_tf_sources_give_the_block_and_argument_lines() -> None:
    from scanner.iac.terraform import TfSources

    lines = (CORPUS / "terraform/main.tf").read_text().splitlines()
    found = TfSources(CORPUS / "terraform", "terraform").locate("aws_rds_cluster", "db")
    assert found is not None
    file, line, arguments = found
    assert file == "terraform/main.tf" and lines[line - 1] == 'resource "aws_rds_cluster" "db" {'
    assert lines[arguments["storage_encrypted"] - 1].strip().startswith("storage_encrypted")
    assert "identifier" not in arguments  # the next block's arguments are not this one's


@pytest.mark.parametrize(
    "file, cluster",
    [
        ("cloudformation/edge.yaml", "Weak"),
        ("terraform/edge.plan.json", "aws_rds_cluster.weak"),
    ],
)
def test_a_prefix_list_route_to_an_internet_gateway_is_a_public_subnet(
    tmp_path, monkeypatch, file, cluster
) -> None:
    _code, out = _scan(tmp_path, monkeypatch, file)
    assert _verdicts(out)[("aurora.cluster.no_public_subnet", f"{file}#{cluster}")] == "FAIL"


@pytest.mark.parametrize(
    "file, cluster, instances",
    [
        ("cloudformation/secure.yaml", "Cluster", ("Writer", "Reader")),
        (
            "terraform/secure.plan.json",
            "aws_rds_cluster.db",
            ("aws_rds_cluster_instance.writer", "aws_rds_cluster_instance.reader"),
        ),
    ],
)
def test_cluster_owned_settings_are_judged_on_the_cluster(
    tmp_path, monkeypatch, file, cluster, instances
) -> None:
    _code, out = _scan(tmp_path, monkeypatch, file)
    verdicts = _verdicts(out)
    for policy in (
        "aurora.cluster.storage_encrypted",
        "aurora.cluster.deletion_protection",
        "aurora.cluster.log_exports",
        "aurora.cluster.multi_az",
    ):
        assert verdicts[(policy, f"{file}#{cluster}")] == "PASS", policy
        for instance in instances:
            assert verdicts[(policy, f"{file}#{instance}")] == "NOT_APPLICABLE", policy


@pytest.mark.parametrize(
    "file, cluster",
    [
        ("cloudformation/edge.yaml", "Shared"),
        ("terraform/edge.plan.json", "aws_rds_cluster.shared"),
    ],
)
def test_a_vpc_default_security_group_is_the_default_group(
    tmp_path, monkeypatch, file, cluster
) -> None:
    # Fn::GetAtt Vpc.DefaultSecurityGroup / aws_default_vpc...default_security_group_id:
    # the group AWS makes with the VPC, named default, admitting its own members.
    _code, out = _scan(tmp_path, monkeypatch, file)
    verdicts = _verdicts(out)
    assert verdicts[("aurora.cluster.not_default_security_group", f"{file}#{cluster}")] == "FAIL"
    assert verdicts[("aurora.cluster.sg_no_world_ingress", f"{file}#{cluster}")] == "PASS"


def test_a_cluster_in_the_default_vpc_is_in_a_public_subnet(tmp_path, monkeypatch) -> None:
    # aws_default_vpc: AWS routes its main table's 0.0.0.0/0 to an internet gateway.
    _code, out = _scan(tmp_path, monkeypatch, "terraform/edge.plan.json")
    verdicts = _verdicts(out)
    cluster = "terraform/edge.plan.json#aws_rds_cluster.shared"
    assert verdicts[("aurora.cluster.not_in_default_vpc", cluster)] == "FAIL"
    assert verdicts[("aurora.cluster.no_public_subnet", cluster)] == "FAIL"


@pytest.mark.parametrize(
    "file, snapshot_or_global, policy, status",
    [
        # A snapshot takes its cluster's encryption and key.
        (
            "terraform/secure.plan.json",
            "aws_db_cluster_snapshot.before_upgrade",
            "aurora.cluster_snapshot.kms_customer_managed_key",
            "PASS",
        ),
        (
            "terraform/edge.plan.json",
            "aws_db_cluster_snapshot.shared",
            "aurora.cluster_snapshot.kms_customer_managed_key",
            "FAIL",
        ),
        (
            "terraform/insecure.plan.json",
            "aws_db_cluster_snapshot.before_upgrade",
            "aurora.cluster_snapshot.encrypted",
            "FAIL",
        ),
        # A global database created from a cluster takes the cluster's encryption.
        (
            "cloudformation/edge.yaml",
            "AuditedGlobal",
            "aurora.global_cluster.storage_encrypted",
            "FAIL",
        ),
        (
            "terraform/edge.plan.json",
            "aws_rds_global_cluster.from_audited",
            "aurora.global_cluster.storage_encrypted",
            "FAIL",
        ),
    ],
)
def test_what_aws_copies_from_the_cluster_is_judged(
    tmp_path, monkeypatch, file, snapshot_or_global, policy, status
) -> None:
    _code, out = _scan(tmp_path, monkeypatch, file)
    assert _verdicts(out)[(policy, f"{file}#{snapshot_or_global}")] == status


def test_an_omitted_cluster_parameter_group_is_the_default_group(tmp_path, monkeypatch) -> None:
    # RDS attaches default.<family>: not customisable (FAIL), its engine
    # defaults not in the template (the parameter policies are UNKNOWN).
    _code, out = _scan(tmp_path, monkeypatch, "cloudformation/insecure.json")
    verdicts = _verdicts(out)
    cluster = "cloudformation/insecure.json#Cluster"
    assert verdicts[("aurora.cluster.custom_parameter_group", cluster)] == "FAIL"
    assert verdicts[("aurora.cluster.tls_enforced", cluster)] == "FAIL"
    assert verdicts[("aurora.mysql.advanced_auditing", cluster)] == "UNKNOWN"


@pytest.mark.parametrize(
    "file, quiet, tuned",
    [
        ("cloudformation/edge.yaml", "Shared", "Tuned"),
        ("terraform/edge.plan.json", "aws_rds_cluster.shared", "aws_rds_cluster.tuned"),
    ],
)
def test_an_instance_db_parameter_group_overrides_the_cluster_group(
    tmp_path, monkeypatch, file, quiet, tuned
) -> None:
    # Both clusters use the group with log_statement none; tuned's instance sets ddl.
    _code, out = _scan(tmp_path, monkeypatch, file)
    verdicts = _verdicts(out)
    assert verdicts[("aurora.postgresql.query_logging", f"{file}#{quiet}")] == "FAIL"
    assert verdicts[("aurora.postgresql.query_logging", f"{file}#{tuned}")] == "PASS"
