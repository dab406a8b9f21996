"""botocore is the oracle for shapes: every field the scanner reads must exist.

What is checked (offline: botocore's installed service models, no network):

* every built-in policy: each ``attr``, ``any_item`` list, ``{ref: subject.X}``,
  path ``where`` (on edges and end nodes) and message / remediation
  placeholder reaches a member of the record shape of the node it runs on,
  with a type the operator accepts and, where the member has an enum, a
  legal literal (``scanner.shapecheck.check_policy``);
* the graph builder: EDGE_SPECS reference paths, TARGET_KEYS, the fields the
  special relations and the derived ``x_`` facts read;
* the collectors: listing keys, ARN and owner fields, request parameters,
  augment outputs, and every field the collector modules read from answers.

Reads that are wrong today and fixed on another branch are listed in
``ALLOWED`` with the reason; an entry that no longer matches anything fails
the test, so it is removed when the fix lands.
"""

from __future__ import annotations

import ast
import copy
import textwrap
from pathlib import Path

import pytest

from scanner import edges, shapes
from scanner.policy.loader import PolicySet, load_policies
from scanner.shapecheck import (
    ShapeProblem,
    check_collectors,
    check_graph_reads,
    check_policies,
    check_policy,
    check_read,
)
from scanner.shapes import DERIVED, Read, record_shape, walk
from scanner.vocabulary import RESOURCE_TYPES

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE: PolicySet = load_policies()

# (policy id or code owner, JSON path or source, expression) -> why it is allowed for now.
ALLOWED: dict[tuple[str, str, str], str] = {
    # organizations Account.Status "will be retired on September 9, 2026" (botocore
    # documentation of Account.Status).  accounts.py reads State and falls back to
    # Status only for an answer without State (an older endpoint or a mock).
    (
        "scanner/collect/accounts.py",
        "organizations:ListAccounts",
        "Accounts[].Status",
    ): "retired Account.Status: read only as the fallback when State is absent",
}


def _key(problem: ShapeProblem) -> tuple[str, str, str]:
    return (problem.policy, problem.path, problem.expr)


def _assert_only_allowed(problems: list[ShapeProblem], owners: set[str]) -> None:
    unexpected = [p for p in problems if _key(p) not in ALLOWED]
    assert not unexpected, "reads botocore does not support:\n" + "\n".join(
        str(p) for p in unexpected
    )
    found = {_key(p) for p in problems}
    stale = [k for k in ALLOWED if k[0] in owners and k not in found]
    assert not stale, f"ALLOWED entries that no longer match (remove them): {stale}"


# ----- policies --------------------------------------------------------------------------


def test_every_policy_reads_fields_botocore_documents() -> None:
    problems = check_policies(CATALOGUE.policies)
    _assert_only_allowed(problems, {p.id for p in CATALOGUE.policies})


def test_the_checker_sees_every_kind_of_read() -> None:
    """The catalogue exercises templates, refs, any_item, edge and end-node wheres."""
    kinds = {"message", "cli", "ref", "any_item", "via", "where"}
    seen: set[str] = set()
    for policy in CATALOGUE.policies:
        text = repr(policy.doc)
        seen |= {k for k in kinds if k in text}
    assert seen == kinds


_BASE = """\
id: {id}
title: Planted
severity: low
resource: {resource}
require:
{require}
message: "{message}"
"""

PLANTED = [
    pytest.param(
        "aws.rds.db_cluster",
        "  attr: StorageEncryptd\n  op: eq\n  value: true",
        "{DBClusterIdentifier}",
        "$.require.attr",
        "has no member 'StorageEncryptd' (did you mean 'StorageEncrypted'?)",
        id="misspelled-member",
    ),
    pytest.param(
        "aws.rds.db_cluster",
        "  attr: ActivityStreamStatus\n  op: eq\n  value: startd",
        "{DBClusterIdentifier}",
        "$.require.op",
        "'startd' is not a value of rds DBCluster.ActivityStreamStatus",
        id="enum-literal",
    ),
    pytest.param(
        "aws.rds.db_cluster",
        "  attr: StorageEncryptionType\n  op: eq\n  value: true",
        "{DBClusterIdentifier}",
        "$.require.op",
        "True never equals rds DBCluster.StorageEncryptionType, which is a string",
        id="boolean-on-string",
    ),
    pytest.param(
        "aws.rds.db_cluster",
        "  attr: Engine\n  op: ge\n  value: 7",
        "{DBClusterIdentifier}",
        "$.require.op",
        "ge 7 compares numbers; rds DBCluster.Engine is a string",
        id="number-on-string",
    ),
    pytest.param(
        "aws.rds.db_instance",
        "  attr: PromotionTier\n  op: expires_within_days\n  value: 30",
        "{DBInstanceIdentifier}",
        "$.require.op",
        "expires_within_days needs a timestamp; rds DBInstance.PromotionTier is an integer",
        id="date-on-integer",
    ),
    pytest.param(
        "aws.rds.db_cluster",
        "  attr: DBClusterMembers.IsClusterWriter\n  op: contains\n  value: true",
        "{DBClusterIdentifier}",
        "$.require.attr",
        "project it with [].IsClusterWriter",
        id="field-of-a-list",
    ),
    pytest.param(
        "aws.rds.db_cluster",
        "  attr: x_encrypted\n  op: exists",
        "{DBClusterIdentifier}",
        "$.require.attr",
        "'x_encrypted' is not a declared derived fact",
        id="undeclared-derived-fact",
    ),
    pytest.param(
        "aws.rds.db_cluster",
        "  path:\n    via: [encrypted_with]\n    to: aws.kms.key\n"
        "    where: {attr: KeyManagr, op: eq, value: CUSTOMER}",
        "{DBClusterIdentifier}",
        "$.require.path.where.attr",
        "kms KeyMetadata (aws.kms.key) has no member 'KeyManagr' (did you mean 'KeyManager'?)",
        id="end-node-where",
    ),
    pytest.param(
        "aws.rds.db_cluster",
        "  path:\n    via:\n      - in_subnet_group\n      - in_subnet\n      - routed_by\n"
        "      - relation: routes_to\n"
        "        where: {attr: DestinationCidr, op: eq, value: 0.0.0.0/0}\n"
        "    to: aws.ec2.internet_gateway",
        "{DBClusterIdentifier}",
        "$.require.path.via[3].where.attr",
        "has no member 'DestinationCidr' (did you mean 'DestinationCidrBlock'?)",
        id="edge-where",
    ),
    pytest.param(
        "aws.rds.db_cluster",
        "  attr: DBInstanceClass\n  op: eq\n  value: {ref: subject.x_writer.DBInstanceClas}",
        "{DBClusterIdentifier}",
        "$.require.value.ref",
        "x_writer has no member 'DBInstanceClas'",
        id="subject-ref",
    ),
    pytest.param(
        "aws.rds.db_cluster",
        "  attr: DeletionProtection\n  op: eq\n  value: true",
        "{DBClusterIdentifer} {via.encrypted_with.KeyManger}",
        "$.message",
        "has no member 'DBClusterIdentifer'",
        id="message-placeholder",
    ),
]


@pytest.mark.parametrize(("resource", "require", "message", "path", "text"), PLANTED)
def test_a_planted_mistake_is_reported_with_policy_file_and_path(
    tmp_path: Path, resource: str, require: str, message: str, path: str, text: str
) -> None:
    file = tmp_path / "custom" / "custom.planted.yaml"
    file.parent.mkdir()
    file.write_text(
        _BASE.format(id="custom.planted", resource=resource, require=require, message=message)
    )
    # The loader accepts it: only the shape check can tell.
    (policy,) = load_policies([tmp_path], include_builtin=False).policies
    problems = check_policy(policy)
    assert problems, "the planted mistake went unnoticed"
    shown = "\n".join(str(p) for p in problems)
    assert any(p.path == path and text in p.message for p in problems), shown
    for p in problems:
        assert p.policy == "custom.planted"
        assert p.file.endswith("custom.planted.yaml")
        assert str(p).startswith(f"{p.file}: custom.planted at {p.path} (line ")


def test_a_misspelled_catalogue_policy_fails_the_suite() -> None:
    """The same check the catalogue test runs, on a copy of a shipped policy."""
    policy = copy.copy(CATALOGUE.get("aurora.cluster.storage_encrypted"))
    assert policy is not None
    policy.doc = copy.deepcopy(policy.doc)
    policy.doc["require"]["attr"] = "StorageEncryptd"
    (problem,) = check_policy(policy)
    assert problem.key == ("aurora.cluster.storage_encrypted", "$.require.attr")
    assert "policies/encryption/aurora.cluster.storage_encrypted.yaml" in problem.file


def test_a_template_message_names_the_line() -> None:
    policy = copy.copy(CATALOGUE.get("aurora.cluster.activity_stream"))
    assert policy is not None
    policy.doc = copy.deepcopy(policy.doc)
    policy.doc["message"] = "{ActivityStreamStatu}"
    (problem,) = check_policy(policy)
    assert problem.line.startswith("line ")
    assert "did you mean 'ActivityStreamStatus'" in problem.message


# ----- derived facts and the graph builder -------------------------------------------


def test_graph_reads_exist_in_botocore() -> None:
    problems = check_graph_reads()
    owners = {p.policy for p in problems} | {k[0] for k in ALLOWED if k[0].startswith("edge ")}
    _assert_only_allowed(problems, owners)


def test_derived_facts_are_declared_once_with_their_sources() -> None:
    names = [fact.name for fact in DERIVED]
    assert len(names) == len(set(names))
    for fact in DERIVED:
        assert fact.name.startswith("x_"), fact.name
        # x_tags reads a per-type field (TAG_FIELDS); x_missing records failed
        # calls (scanner.provenance), not any raw field.
        assert fact.sources or fact.name in ("x_tags", "x_missing"), (
            f"{fact.name} names no raw source"
        )
        assert set(fact.types) <= set(RESOURCE_TYPES)


def test_tag_fields_cover_every_type_and_exist() -> None:
    assert set(shapes.TAG_FIELDS) == set(RESOURCE_TYPES)
    for rtype, field in shapes.TAG_FIELDS.items():
        raw = shapes.raw_shape(rtype)
        if field is None:
            assert "TagList" not in raw.members and "Tags" not in raw.members, rtype
        else:
            assert field in raw.members, rtype


def test_edge_data_is_what_edges_puts_on_routes() -> None:
    # edges._routes copies exactly these Route members onto routes_to/routes_via_nat.
    assert tuple(edges._DESTINATIONS) == shapes.EDGE_DATA_FIELDS
    for relation in ("routes_to", "routes_via_nat"):
        assert set(shapes.edge_shape(relation).members) == set(shapes.EDGE_DATA_FIELDS)


def test_an_undeclared_source_of_a_derived_fact_fails() -> None:
    (problem,) = check_read("x_demo", "test", "aws.ec2.security_group", "IpPermissions[].CidrIp")
    assert "ec2 IpPermission has no member 'CidrIp'" in problem.message


# ----- the collectors ------------------------------------------------------------------


def test_collector_registry_names_botocore_members() -> None:
    problems = check_collectors()
    assert not problems, "\n".join(str(p) for p in problems)


def test_every_type_has_a_record_shape() -> None:
    for rtype in RESOURCE_TYPES:
        shape = record_shape(rtype)
        assert shape.kind == "structure" and len(shape.members) > 3, rtype
        assert "x_tags" in shape.members


# Raw fields the code reads outside EDGE_SPECS / DERIVED, per module: a
# JMESPath on a resource type's record or on a call's output
# ("service:Operation").  test_code_reads_are_declared keeps this list honest.
_RT, _SUB, _SUBS = "aws.ec2.route_table", "aws.ec2.subnet", "aws.rds.event_subscription"
CODE_READS: dict[str, tuple[Read, ...]] = {
    "scanner/derive.py": (
        *(read for fact in DERIVED for read in fact.sources),
        # derive.tags also reads KMS ListResourceTags' TagKey/TagValue form.
        Read("kms:ListResourceTags", "Tags[].TagKey"),
        Read("kms:ListResourceTags", "Tags[].TagValue"),
    ),
    "scanner/edges.py": (
        Read(_RT, "Associations[].AssociationState.State"),
        Read(_RT, "Associations[].Main"),
        Read(_RT, "Associations[].SubnetId"),
        Read(_RT, "VpcId"),
        Read(_SUB, "VpcId"),
        Read(_RT, "Routes[].State"),
        Read(_RT, "Routes[].GatewayId"),
        Read(_RT, "Routes[].NatGatewayId"),
        *(Read(_RT, f"Routes[].{d}") for d in shapes.EDGE_DATA_FIELDS),
        Read(_SUBS, "SourceType"),
        Read(_SUBS, "SourceIdsList"),
        Read("aws.rds.db_cluster", "DBClusterIdentifier"),
        Read("aws.rds.db_cluster", "DBClusterArn"),
        Read("aws.rds.db_instance", "DBInstanceIdentifier"),
        Read("aws.rds.db_instance", "DBClusterIdentifier"),
        Read("aws.rds.db_cluster", "x_writer.DBInstanceIdentifier"),
    ),
    "scanner/collect/rds.py": (
        Read("aws.rds.db_cluster_snapshot", "DBClusterSnapshotIdentifier"),
        Read(
            "rds:DescribeDBClusterSnapshotAttributes",
            "DBClusterSnapshotAttributesResult.DBClusterSnapshotAttributes",
        ),
        Read("rds:DescribeDBClusterParameters", "Parameters[].ParameterValue"),
        Read("aws.rds.db_cluster_parameter_group", "DBClusterParameterGroupName"),
        Read("aws.rds.db_cluster", "DBClusterParameterGroup"),
        Read("rds:DescribeDBParameters", "Parameters[].ParameterValue"),
        Read("rds:DescribeDBParameters", "Parameters[].Source"),
        Read("aws.rds.db_parameter_group", "DBParameterGroupName"),
        Read("aws.rds.db_instance", "DBParameterGroups[].DBParameterGroupName"),
    ),
    "scanner/collect/kms.py": (
        *(
            Read(t, f)
            for t in ("aws.rds.db_cluster", "aws.rds.db_instance", "aws.rds.db_cluster_snapshot")
            for f in ("StorageEncrypted", "KmsKeyId")
        ),
        Read("aws.rds.db_cluster", "ActivityStreamKmsKeyId"),
        Read("aws.rds.db_instance", "PerformanceInsightsKMSKeyId"),
        Read("kms:DescribeKey", "KeyMetadata.Arn"),
        Read("kms:DescribeKey", "KeyMetadata.AWSAccountId"),
    ),
    "scanner/collect/secretsmanager.py": (
        Read("aws.rds.db_cluster", "MasterUserSecret.SecretArn"),
        Read("secretsmanager:DescribeSecret", "ARN"),
    ),
    # The declarations' keep predicates (scanner/resource_types.py).
    "scanner/resource_types.py": (
        Read("aws.rds.major_engine_version", "Engine"),
        Read("backup:ListProtectedResources", "Results[].ResourceArn"),
    ),
    "scanner/collect/accounts.py": (
        Read("organizations:ListAccounts", "Accounts[].Id"),
        Read("organizations:ListAccounts", "Accounts[].State"),
        Read("organizations:ListAccounts", "Accounts[].Status"),
        Read("sts:GetCallerIdentity", "Account"),
        Read("sts:GetCallerIdentity", "Arn"),
        Read("sts:GetCallerIdentity", "UserId"),
        Read("sts:AssumeRole", "Credentials.AccessKeyId"),
        Read("sts:AssumeRole", "Credentials.SecretAccessKey"),
        Read("sts:AssumeRole", "Credentials.SessionToken"),
        Read("sts:AssumeRole", "Credentials.Expiration"),
        Read("ec2:DescribeRegions", "Regions[].RegionName"),
    ),
    "scanner/collect/runner.py": (
        Read("sts:GetCallerIdentity", "Arn"),
        Read("sts:GetCallerIdentity", "Account"),
    ),
}

# Literal keys the code reads that are not AWS record fields, with why.
NOT_AWS_FIELDS: dict[str, dict[str, str]] = {
    "scanner/collect/_calls.py": {
        "Error": "botocore ClientError.response envelope",
        "Code": "botocore ClientError.response envelope",
        "Message": "botocore ClientError.response envelope",
        "pagination": "botocore paginators-1.json (the marker a repeated page would carry)",
        "output_token": "botocore paginators-1.json (the marker a repeated page would carry)",
    },
    "scanner/collect/network.py": {
        "error": "botocore HTTPClientError.kwargs (the urllib3 exception it wraps)",
        "endpoint_url": "botocore EndpointConnectionError.kwargs",
        "proxy_url": "botocore ProxyConnectionError.kwargs",
    },
    "scanner/collect/guard.py": {
        "endpointPrefix": "botocore service model metadata",
        "signingName": "botocore service model metadata",
    },
    "scanner/collect/secretsmanager.py": {"ResponseMetadata": "boto3 response envelope"},
    "scanner/resource_types.py": {
        k: "the snapshot schema's type enum (write_generated)" for k in ("$defs", "resource_type")
    },
    "scanner/derive.py": {
        "pgaudit.log": "a parameter name (a key of x_parameters), not a record field",
        "same": "a value of x_failover_target.vs_writer (derive.compare_classes)",
    },
    "scanner/collect/runner.py": {
        k: "the runner's own unused-group report" for k in ("type", "account", "region", "name")
    }
    | {"reference": "the runner's own record"},
    "scanner/edges.py": {t: "a resource type (by_type key)" for t in RESOURCE_TYPES}
    | {"pgaudit.log": "a parameter name (a key of x_effective_parameters), not a record field"},
}


def _literal_reads(path: Path) -> set[str]:
    """String keys the module reads: x.get("K"), x["K"], "K" in x."""
    keys: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("get", "pop", "setdefault")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            keys.add(node.args[0].value)
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Load)
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            keys.add(node.slice.value)
        elif (
            isinstance(node, ast.Compare)
            and isinstance(node.left, ast.Constant)
            and isinstance(node.left.value, str)
            and any(isinstance(op, ast.In | ast.NotIn) for op in node.ops)
        ):
            keys.add(node.left.value)
    return {k for k in keys if not k.startswith("x_")}  # x_ facts: see DERIVED


def _segments(path: str) -> set[str]:
    return {part.strip('"').removesuffix("[]") for part in path.replace("[].", ".").split(".")}


CODE_MODULES = sorted(
    p.relative_to(ROOT).as_posix()
    for p in [
        ROOT / "scanner" / "derive.py",
        ROOT / "scanner" / "edges.py",
        ROOT / "scanner" / "resource_types.py",
        *(ROOT / "scanner" / "collect").glob("*.py"),
    ]
)


@pytest.mark.parametrize("module", CODE_MODULES)
def test_code_reads_are_declared(module: str) -> None:
    """Every literal field a module reads is declared above (and so checked)."""
    declared: set[str] = set()
    for read in CODE_READS.get(module, ()):
        declared |= _segments(read.path)
    if module == "scanner/edges.py":
        for spec in edges.EDGE_SPECS:
            declared |= _segments(spec.refs)
        declared |= {k for keys in edges.TARGET_KEYS.values() for k in keys}
    declared |= set(NOT_AWS_FIELDS.get(module, {}))
    undeclared = sorted(_literal_reads(ROOT / module) - declared)
    assert not undeclared, textwrap.dedent(
        f"""\
        {module} reads {undeclared}, which no declaration covers: add each as a
        Read(resource type or "service:Operation", JMESPath) to CODE_READS in
        tests/accuracy/test_accuracy_shapes.py (it is then checked against botocore)."""
    )


def test_declared_code_reads_exist_in_botocore() -> None:
    problems = [
        problem
        for module, reads in CODE_READS.items()
        for read in reads
        for problem in check_read(module, module, read.source, read.path)
    ]
    owners = {k[0] for k in ALLOWED if k[0].startswith("scanner/")}
    _assert_only_allowed(problems, owners)


def test_walk_handles_the_jmespath_the_catalogue_uses() -> None:
    cluster = record_shape("aws.rds.db_cluster")
    for expr, kind in [
        ("DBClusterMembers[?!IsClusterWriter].PromotionTier", "list"),
        ("length(DBClusterMembers || `[]`)", "integer"),
        (
            "Engine == 'aurora-postgresql' && 'rds.force_ssl' || 'require_secure_transport'",
            "string",
        ),
        ("keys(x_tags)", "list"),
        ("VpcSecurityGroups[].VpcSecurityGroupId", "list"),
        ("DBClusterMembers[0].DBInstanceIdentifier", "string"),
        ("CertificateDetails.ValidTill", "timestamp"),
    ]:
        reached = walk(expr, cluster)
        assert not reached.problems, (expr, reached.problems)
        assert reached.shape.kind == kind, (expr, reached.shape)
    groups = record_shape("aws.rds.db_cluster_parameter_group")
    value = walk('x_parameters."rds.force_ssl"', groups).shape
    assert value.kind == "string" and value.loose
    assert (
        walk(
            "length(unique(Subnets[].SubnetAvailabilityZone.Name))",
            record_shape("aws.rds.db_subnet_group"),
        ).shape.kind
        == "integer"
    )
    bad = walk("DBClusterMembers[?IsClusterWriter == 'yes'].DBInstanceIdentifier", cluster)
    assert any("'yes' never equals" in p for p in bad.problems)
