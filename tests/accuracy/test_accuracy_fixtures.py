"""The catalogue on records shaped like real AWS answers, judged as AWS documents.

``fixtures/real_shapes.json`` is written by ``build_fixtures.py`` from
botocore's output shapes (see that script).  These tests, all offline:

* keep the committed file equal to the generator's output, its records
  inside botocore's shapes, and its "full" records complete;
* run every built-in policy on it through ``evaluate`` and through the CLI:
  no error, one finding per resource of the policy's types;
* pin the verdicts the AWS documentation decides (``EXPECTED``, each row
  with the page or botocore member it rests on).
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import build_fixtures as bf
import pytest

from scanner.cli import main
from scanner.edges import build_graph
from scanner.model import ScanResult, Snapshot, Status
from scanner.policy.engine import evaluate
from scanner.policy.loader import PolicySet, load_policies
from scanner.result_file import read_result
from scanner.shapes import DERIVED
from scanner.snapshot_file import read_snapshot
from scanner.vocabulary import RESOURCE_TYPES

CATALOGUE: PolicySet = load_policies()


@functools.cache
def snapshot() -> Snapshot:
    return read_snapshot(bf.FIXTURE)


@functools.cache
def result() -> ScanResult:
    return evaluate(snapshot(), CATALOGUE)


@functools.cache
def verdicts() -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for f in result().findings:
        key = (f.policy_id, f.resource_name)
        assert key not in out, f"two resources named {f.resource_name} under {f.policy_id}"
        out[key] = f.status.value
    return out


# ----- the fixture itself -----------------------------------------------------------------


def test_the_committed_fixture_is_the_generators_output() -> None:
    assert bf.FIXTURE.read_text(encoding="utf-8") == bf.render(), (
        "tests/accuracy/fixtures/real_shapes.json is stale: run "
        ".venv/bin/python tests/accuracy/build_fixtures.py and commit the result"
    )


def test_every_record_fits_botocores_shape() -> None:
    estate = bf.build_estate()
    assert not estate.problems, "\n".join(estate.problems)
    assert bf.dangling_references(estate) == bf.DANGLING


def test_every_type_has_a_full_record_with_every_member() -> None:
    assert set(bf.FULL) == set(RESOURCE_TYPES)
    estate = bf.build_estate()
    records = {name: r for r in estate.resources for name in [_name(estate, r.id)]}
    for rtype, name in bf.FULL.items():
        record = records[name].attrs
        members = set(bf.stored_shape(rtype).members)
        excluded = bf.EXCLUDED.get(rtype, {})
        assert set(excluded) <= members, f"{rtype}: stale exclusions {set(excluded) - members}"
        missing = members - set(record) - set(excluded)
        assert not missing, f"{name} ({rtype}) leaves out {sorted(missing)} without a reason"
        assert not set(excluded) & set(record), f"{name} sets members it says it leaves out"


def _name(estate: bf.Estate, rid: str) -> str:
    return next(name for name, value in estate.names.items() if value == rid)


@dataclass(frozen=True)
class Shape_:
    """A field moto never emits (or a variant real accounts have), by fixture name."""

    name: str
    path: str
    value: Any


ABSENT = object()

REAL_SHAPES = [
    Shape_("c-mysql-full", "StorageEncryptionType", "sse-kms"),
    Shape_("c-pg-sserds", "StorageEncryptionType", "sse-rds"),
    Shape_("c-pg-sserds", "StorageEncrypted", False),
    Shape_("c-pg-sserds", "KmsKeyId", ABSENT),
    Shape_("s-old", "StorageEncryptionType", "none"),
    Shape_("c-mysql-full", "StorageType", "aurora-iopt1"),
    Shape_("c-mysql-full", "CertificateDetails.CAIdentifier", "rds-ca-rsa2048-g1"),
    Shape_("c-mysql-full", "LocalWriteForwardingStatus", "disabled"),
    Shape_("c-mysql-full", "ClusterScalabilityType", "standard"),
    Shape_("c-mysql-full", "DatabaseInsightsMode", "advanced"),
    Shape_("c-mysql-full", "ServerlessV2PlatformVersion", "3"),
    Shape_("i-mysql-1", "DBSubnetGroup.DBSubnetGroupName", "sng-priv"),
    Shape_("i-mysql-1", "DBSubnetGroup.Subnets[0].SubnetOutpost", {}),
    Shape_("i-mysql-1", "DbInstancePort", 0),
    Shape_("i-mysql-1", "Endpoint.Port", 3307),
    Shape_("s-mysql-full", "Port", 0),
    Shape_("s-mysql-full", "AllocatedStorage", 0),
    Shape_("s-mysql-full", "VpcId", bf.PROD_VPC),
    Shape_("pg-mysql-secure", "Parameters[0].ParameterValue", "{ServerId}"),
    Shape_("pg-mysql-secure", "Parameters[0].Source", "system"),
    Shape_("pg-mysql-secure", "Parameters[0].IsModifiable", False),
    Shape_(bf.ec2_id("subnet", "tgwa"), "SubnetArn", ABSENT),
    Shape_(bf.ec2_id("subnet", "tgwa"), "OwnerId", ABSENT),
    Shape_(bf.AWS_RDS_KEY, "KeyUsage", "ENCRYPT_DECRYPT"),
    Shape_(bf.B_KEY, "KeySpec", ABSENT),
    Shape_("es-prod", "SubscriptionCreationTime", "2020-07-16 04:08:23.406"),
    Shape_("es-all", "SourceType", ABSENT),
    Shape_("c-old", "DeletionProtection", ABSENT),
    Shape_("c-old", "CopyTagsToSnapshot", ABSENT),
    Shape_("c-old", "IAMDatabaseAuthenticationEnabled", ABSENT),
    Shape_("c-old", "EngineMode", ABSENT),
    Shape_("c-old", "EnabledCloudwatchLogsExports", ABSENT),
    Shape_("c-old", "KmsKeyId", ABSENT),
    Shape_(bf.SG_APP, "Tags", ABSENT),
    Shape_(bf.SG_APP, "IpPermissions[0].Ipv6Ranges", ABSENT),
    Shape_(bf.SG_APP, "IpPermissions[0].UserIdGroupPairs[1].UserId", bf.B),
    Shape_(bf.ec2_id("rtb", "split"), "Routes[1].DestinationCidrBlock", "0.0.0.0/1"),
    Shape_(bf.ec2_id("rtb", "pl"), "Routes[1].DestinationPrefixListId", bf.ec2_id("pl", "partner")),
    Shape_(
        bf.ec2_id("rtb", "eigw"), "Routes[2].EgressOnlyInternetGatewayId", bf.ec2_id("eigw", "prod")
    ),
    Shape_(bf.ec2_id("rtb", "tgw"), "Routes[1].TransitGatewayId", bf.ec2_id("tgw", "central")),
    Shape_("c-mysql-secondary", "DBClusterMembers[?IsClusterWriter] | length(@)", 0),
    Shape_("c-headless", "DBClusterMembers", []),
    Shape_("i-pg-1", "DBInstanceClass", "db.serverless"),
    Shape_("i-pg-2", "DBInstanceClass", "db.r6g.large"),
    Shape_("c-serverless-v1", "EngineMode", "serverless"),
]


@pytest.mark.parametrize("case", REAL_SHAPES, ids=[f"{c.name}:{c.path}" for c in REAL_SHAPES])
def test_the_fixture_has_the_shapes_real_accounts_return(case: Shape_) -> None:
    import jmespath

    estate = bf.build_estate()
    record = next(r.attrs for r in estate.resources if r.id == estate.names[case.name])
    if case.value is ABSENT:
        head, _, last = case.path.rpartition(".")
        parent = jmespath.search(head, record) if head else record
        assert isinstance(parent, dict) and last not in parent
    else:
        assert jmespath.search(case.path, record) == case.value


# ----- the catalogue runs on it ----------------------------------------------------------------


def test_every_policy_gives_one_finding_per_resource_of_its_types() -> None:
    findings = result().findings
    by_policy: dict[str, Counter[str]] = defaultdict(Counter)
    for f in findings:
        by_policy[f.policy_id][f.resource_id] += 1
    resources = snapshot().resources
    status = {(f.policy_id, f.resource_id): f.status for f in findings}
    for policy in CATALOGUE.policies:
        expected = {r.id for r in resources if r.type in policy.resources}
        got = by_policy[policy.id]
        assert expected <= set(got), policy.id
        assert all(n == 1 for n in got.values()), policy.id
        # inherited_by adds the members of in-scope clusters, as NOT_APPLICABLE.
        extra = set(got) - expected
        assert not extra or policy.inherited_by, policy.id
        assert all(status[(policy.id, rid)] is Status.NOT_APPLICABLE for rid in extra)
    assert not result().errors
    statuses = Counter(f.status for f in findings)
    assert statuses[Status.PASS] and statuses[Status.FAIL] and statuses[Status.NOT_APPLICABLE]


def test_the_cli_evaluates_the_fixture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["evaluate", str(bf.FIXTURE), "--output-dir", str(tmp_path), "--format", "json,sarif,md"]
    )
    out = capsys.readouterr()
    assert code == 1, out.err  # the fixture has FAILs at every severity
    assert "Traceback" not in out.err + out.out
    written = read_result(tmp_path / "results.json").to_dict()
    cli = {(f["policy_id"], f["resource_id"]): f["status"] for f in written["findings"]}
    api = {(f.policy_id, f.resource_id): f.status.value for f in result().findings}
    assert cli == api


def test_derived_facts_on_real_records_are_all_declared() -> None:
    graph = build_graph(snapshot().resources)
    declared = {(t, fact.name) for fact in DERIVED for t in fact.types}
    seen: set[tuple[str, str]] = set()
    for resource in graph.resources():
        for key in resource.attrs:
            if key.startswith("x_"):
                seen.add((resource.type, key))
    undeclared = seen - declared
    assert not undeclared, (
        f"derived facts not declared in scanner/shapes.py DERIVED: {sorted(undeclared)}"
    )
    # x_missing appears only after a failed augment call (scanner.provenance); the
    # fixture is a scan whose calls all answered.
    never = {f.name for f in DERIVED} - {name for _, name in seen} - {"x_missing"}
    assert not never, f"declared facts the graph never derives from real records: {never}"


# ----- verdicts the AWS documentation decides ------------------------------------------------

UG = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/"
VPC = "https://docs.aws.amazon.com/vpc/latest/userguide/"
ENC = "botocore rds DBCluster.StorageEncrypted / StorageEncryptionType documentation"
ENC_SNAP = (
    "botocore rds DBClusterSnapshot.StorageEncryptionType; " + UG + "Overview.Encryption.html"
)
KMS = "https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#kms_keys"
PUBLIC = VPC + "VPC_Route_Tables.html (a route to an internet gateway makes a subnet public)"
MAIN_RT = VPC + "RouteTables.html#RouteTables (unassociated subnets use the main route table)"
EIGW = VPC + "egress-only-internet-gateway.html (blocks inbound IPv6 from the internet)"
TGW = "https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html"
SG = VPC + "security-group-rules.html"
CREATE = "botocore rds CreateDBCluster input documentation (default when not set)"
HA = UG + "Concepts.AuroraHighAvailability.html#Aurora.Managing.FaultTolerance"
GLOBAL = UG + "aurora-global-database.html"
V1 = UG + "aurora-serverless.html (v1 limitations)"
V2 = UG + "aurora-serverless-v2.how-it-works.html"
TLS_MY = UG + "AuroraMySQL.Security.html#AuroraMySQL.Security.SSL.RequireSSL"
TLS_PG = UG + "AuroraPostgreSQL.Security.html#AuroraPostgreSQL.Security.SSL.Requiring"
TLS_VER = UG + "AuroraMySQL.Security.html#AuroraMySQL.Security.SSL.TLS"
CA = UG + "UsingWithRDS.SSL-certificate-rotation.html"
CA_AUTO = UG + "UsingWithRDS.SSL.html#UsingWithRDS.SSL.RegionCertificateAuthorities"
AUDIT_MY = UG + "AuroraMySQL.Auditing.html"
PGAUDIT = UG + "Appendix.PostgreSQL.CommonDBATasks.pgaudit.html"
LOGS = UG + "USER_LogAccess.Procedural.UploadtoCloudWatch.html"
DAS = UG + "DBActivityStreams.Overview.html"
EVENTS = (
    "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateEventSubscription.html"
)
BACKUP = "https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources.html"
SNAP_SHARE = "botocore rds DBClusterSnapshotAttribute.AttributeValues ('all' = public)"
LIFECYCLE = (
    "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraMySQLReleaseNotes/"
    "AuroraMySQL.release-calendars.html"
)
FILTER = "Engine neptune / docdb: not Aurora (DescribeDBClusters lists them too)"
INHERIT = UG + "Aurora.Overview.html (storage, backups and deletion protection are the cluster's)"


@dataclass(frozen=True)
class Expect:
    policy: str
    resource: str  # the finding's resource_name
    status: str
    source: str  # the documentation the verdict follows


P, F, U, NA = "PASS", "FAIL", "UNKNOWN", "NOT_APPLICABLE"

EXPECTED: list[Expect] = [
    # --- encryption at rest
    Expect("aurora.cluster.storage_encrypted", "c-mysql-full", P, ENC),
    Expect("aurora.cluster.storage_encrypted", "c-pg-sserds", P, ENC),
    Expect("aurora.cluster.storage_encrypted", "c-old", F, ENC),
    Expect("aurora.cluster.kms_customer_managed_key", "c-mysql-full", P, KMS),
    Expect("aurora.cluster.kms_customer_managed_key", "c-pg-sserds", F, KMS),
    Expect("aurora.cluster.kms_customer_managed_key", "c-xacct-key", P, KMS),
    Expect("aurora.cluster.kms_customer_managed_key", "c-xacct-key-missing", U, KMS),
    Expect("aurora.cluster_snapshot.encrypted", "s-mysql-full", P, ENC_SNAP),
    Expect("aurora.cluster_snapshot.encrypted", "s-pg-sserds", P, ENC_SNAP),
    Expect("aurora.cluster_snapshot.encrypted", "s-old", F, ENC_SNAP),
    Expect("aurora.cluster_snapshot.kms_customer_managed_key", "s-mysql-full", P, KMS),
    Expect("aurora.cluster_snapshot.kms_customer_managed_key", "s-pg-sserds", F, KMS),
    Expect("aurora.global_cluster.storage_encrypted", "g-mysql", P, ENC),
    Expect("aurora.instance.performance_insights_kms_cmk", "i-mysql-1", P, KMS),
    Expect("aurora.cluster.activity_stream_kms_cmk", "c-mysql-full", P, KMS),
    # --- encryption in transit
    Expect("aurora.cluster.tls_enforced", "c-mysql-full", P, TLS_MY),
    Expect("aurora.cluster.tls_enforced", "c-eigw", F, TLS_MY),
    Expect("aurora.cluster.tls_enforced", "c-old", F, TLS_MY),
    Expect("aurora.cluster.tls_enforced", "c-pl", P, TLS_PG),
    Expect("aurora.mysql.tls_min_version", "c-mysql-full", P, TLS_VER),
    Expect("aurora.mysql.tls_min_version", "c-eigw", F, TLS_VER),
    Expect("aurora.mysql.tls_min_version", "c-old", F, TLS_VER),
    # --- snapshots
    Expect("aurora.cluster_snapshot.not_public", "s-public", F, SNAP_SHARE),
    Expect("aurora.cluster_snapshot.not_public", "s-mysql-full", P, SNAP_SHARE),
    Expect("aurora.cluster_snapshot.no_untrusted_share", "s-shared", F, SNAP_SHARE),
    Expect("aurora.cluster_snapshot.no_untrusted_share", "s-mysql-full", P, SNAP_SHARE),
    # --- network
    Expect("aurora.cluster.no_public_subnet", "c-mysql-full", P, PUBLIC),
    Expect("aurora.cluster.no_public_subnet", "c-pg-sserds", F, PUBLIC),
    Expect("aurora.cluster.no_public_subnet", "c-pl", F, PUBLIC),
    Expect("aurora.cluster.no_public_subnet", "c-eigw", P, EIGW),
    Expect("aurora.cluster.no_public_subnet", "c-tgw", P, TGW),
    Expect("aurora.cluster.no_public_subnet", "c-old", F, MAIN_RT),
    Expect("aurora.cluster.no_public_subnet", "c-main-rt", P, MAIN_RT),
    Expect("aurora.cluster.no_public_subnet", "c-dangling-subnet", U, PUBLIC),
    Expect("aurora.cluster.sg_no_world_ingress", "c-old", F, SG),
    Expect("aurora.cluster.sg_no_world_ingress", "c-mysql-full", P, SG),
    Expect("aurora.cluster.sg_no_world_ingress", "c-shared-sg", U, SG),
    Expect("aurora.cluster.not_default_security_group", "c-main-rt", F, SG),
    Expect("aurora.cluster.not_default_security_group", "c-mysql-full", P, SG),
    Expect("aurora.cluster.not_default_security_group", "c-shared-sg", U, SG),
    Expect("aurora.cluster.not_in_default_vpc", "c-old", F, VPC + "default-vpc.html"),
    Expect("aurora.cluster.not_in_default_vpc", "c-mysql-full", P, VPC + "default-vpc.html"),
    Expect("aurora.instance.internet_reachable", "i-old-1", F, UG + "USER_VPC.Scenarios.html"),
    Expect("aurora.instance.internet_reachable", "i-mysql-1", P, UG + "USER_VPC.Scenarios.html"),
    Expect("aurora.instance.not_publicly_accessible", "i-old-1", F, UG + "USER_VPC.Scenarios.html"),
    Expect(
        "aurora.instance.not_publicly_accessible", "i-mysql-1", P, UG + "USER_VPC.Scenarios.html"
    ),
    Expect(
        "aurora.cluster.non_default_port", "c-mysql-full", P, UG + "Aurora.Overview.Endpoints.html"
    ),
    Expect("aurora.cluster.non_default_port", "c-old", F, UG + "Aurora.Overview.Endpoints.html"),
    # --- backup
    Expect("aurora.cluster.backup_plan", "c-mysql-full", P, BACKUP),
    Expect("aurora.cluster.backup_plan", "c-pg-sserds", F, BACKUP),
    Expect("aurora.cluster.backup_plan", "c-eigw", F, BACKUP),
    Expect("aurora.cluster.deletion_protection", "c-mysql-full", P, CREATE),
    Expect("aurora.cluster.deletion_protection", "c-old", F, CREATE),
    Expect("aurora.cluster.copy_tags_to_snapshot", "c-mysql-full", P, CREATE),
    Expect("aurora.cluster.copy_tags_to_snapshot", "c-old", F, CREATE),
    Expect(
        "aurora.cluster.backup_retention", "c-mysql-full", P, UG + "Aurora.Managing.Backups.html"
    ),
    Expect(
        "aurora.mysql.backtrack_enabled",
        "c-mysql-full",
        P,
        UG + "AuroraMySQL.Managing.Backtrack.html",
    ),
    Expect(
        "aurora.mysql.backtrack_enabled", "c-eigw", F, UG + "AuroraMySQL.Managing.Backtrack.html"
    ),
    # --- identity
    Expect("aurora.cluster.iam_auth", "c-mysql-full", P, CREATE),
    Expect("aurora.cluster.iam_auth", "c-old", F, CREATE),
    Expect("aurora.cluster.iam_auth", "c-serverless-v1", NA, V1),
    # c-mysql-full is a member of global database g-mysql (GlobalClusterIdentifier):
    # Secrets Manager cannot manage its master password ("Limitations" section).
    Expect(
        "aurora.cluster.master_password_managed",
        "c-mysql-full",
        NA,
        UG + "rds-secrets-manager.html#rds-secrets-manager-limitations",
    ),
    Expect("aurora.cluster.master_password_managed", "c-old", F, UG + "rds-secrets-manager.html"),
    Expect(
        "aurora.cluster.master_secret_rotation", "c-mysql-full", P, UG + "rds-secrets-manager.html"
    ),
    Expect(
        "aurora.cluster.custom_admin_username",
        "c-mysql-full",
        P,
        UG + "UsingWithRDS.MasterAccounts.html",
    ),
    # --- availability
    Expect("aurora.cluster.multi_az", "c-mysql-full", P, HA),
    Expect("aurora.cluster.multi_az", "c-pg-sserds", P, V2),
    Expect("aurora.cluster.multi_az", "c-old", F, HA),
    Expect("aurora.cluster.multi_az", "c-mysql-secondary", P, GLOBAL),
    Expect("aurora.cluster.multi_az", "c-serverless-v1", NA, V1),
    Expect("aurora.cluster.failover_capacity", "c-mysql-full", P, HA),
    Expect("aurora.cluster.failover_capacity", "c-failover-larger", P, HA),
    Expect("aurora.cluster.failover_capacity", "c-failover-smaller-first", F, HA),
    Expect("aurora.cluster.failover_capacity", "c-serverless-v1", NA, V1),
    Expect(
        "aurora.cluster.subnet_group_multi_az",
        "c-mysql-full",
        P,
        UG + "USER_VPC.WorkingWithRDSInstanceinaVPC.html",
    ),
    Expect(
        "aurora.serverless.v1_retired",
        "c-serverless-v1",
        F,
        UG + "aurora-serverless-v2.upgrade.html",
    ),
    Expect("aurora.serverless.v1_retired", "c-old", P, CREATE),
    Expect("aurora.serverless.v1_retired", "c-mysql-full", P, CREATE),
    # --- lifecycle
    Expect("aurora.cluster.engine_version_supported", "c-old", F, LIFECYCLE),
    Expect("aurora.cluster.engine_version_supported", "c-mysql-full", P, LIFECYCLE),
    Expect("aurora.instance.ca_certificate_current", "i-mysql-1", P, CA),
    Expect("aurora.instance.ca_certificate_current", "i-mysql-2", P, CA_AUTO),
    Expect("aurora.instance.ca_certificate_current", "i-old-1", F, CA),
    Expect("aurora.cluster.auto_minor_version_upgrade", "c-mysql-full", P, CREATE),
    Expect("aurora.cluster.auto_minor_version_upgrade", "c-serverless-v1", NA, V1),
    Expect(
        "aurora.instance.no_burstable_in_production",
        "i-old-1",
        F,
        UG + "Concepts.DBInstanceClass.Types.html",
    ),
    Expect(
        "aurora.instance.no_burstable_in_production",
        "i-mysql-1",
        P,
        UG + "Concepts.DBInstanceClass.Types.html",
    ),
    Expect(
        "aurora.cluster.parameter_group_in_sync",
        "c-mysql-full",
        P,
        UG + "USER_WorkingWithParamGroups.Modifying.html",
    ),
    Expect(
        "aurora.cluster.custom_parameter_group", "c-old", F, UG + "USER_WorkingWithParamGroups.html"
    ),
    # --- logging
    Expect("aurora.cluster.log_exports", "c-mysql-full", P, LOGS),
    Expect("aurora.cluster.log_exports", "c-old", F, LOGS),
    Expect("aurora.cluster.log_exports", "c-serverless-v1", NA, V1),
    Expect("aurora.mysql.audit_log_export", "c-mysql-full", P, LOGS),
    Expect("aurora.mysql.advanced_auditing", "c-mysql-full", P, AUDIT_MY),
    Expect("aurora.mysql.advanced_auditing", "c-old", F, AUDIT_MY),
    Expect("aurora.postgresql.query_logging", "c-pl", P, PGAUDIT),
    Expect("aurora.postgresql.query_logging", "c-pg-sserds", F, PGAUDIT),
    Expect("aurora.cluster.activity_stream", "c-mysql-full", P, DAS),
    Expect("aurora.cluster.activity_stream", "c-serverless-v1", NA, DAS),
    Expect("aurora.cluster.event_subscription", "c-mysql-full", P, EVENTS),
    Expect("aurora.cluster.event_subscription", "c-eigw", F, EVENTS),
    Expect("aurora.cluster.event_subscription", "c-west", P, EVENTS),
    Expect("aurora.instance.enhanced_monitoring", "i-mysql-1", P, UG + "USER_Monitoring.OS.html"),
    Expect("aurora.instance.enhanced_monitoring", "i-old-1", F, UG + "USER_Monitoring.OS.html"),
    Expect("aurora.instance.performance_insights", "i-mysql-1", P, UG + "USER_PerfInsights.html"),
    Expect("aurora.instance.performance_insights", "i-old-1", F, UG + "USER_PerfInsights.html"),
    # --- scope: Neptune and DocumentDB are not Aurora; members inherit cluster settings
    Expect("aurora.cluster.storage_encrypted", "c-neptune", NA, FILTER),
    Expect("aurora.cluster.backup_retention", "c-docdb", NA, FILTER),
    Expect("aurora.cluster.multi_az", "c-neptune", NA, FILTER),
    Expect("aurora.cluster.storage_encrypted", "i-mysql-1", NA, INHERIT),
    Expect("aurora.cluster.deletion_protection", "i-mysql-1", NA, INHERIT),
]


def _param(e: Expect) -> Any:
    return pytest.param(e, id=f"{e.policy.removeprefix('aurora.')}[{e.resource}]")


def test_expected_rows_name_real_policies_and_resources() -> None:
    ids = set(CATALOGUE.ids())
    names = {f.resource_name for f in result().findings}
    seen: set[tuple[str, str]] = set()
    for e in EXPECTED:
        assert e.policy in ids, e.policy
        assert e.resource in names, e.resource
        assert (e.policy, e.resource) not in seen, f"duplicate row {e}"
        seen.add((e.policy, e.resource))
        assert e.source, e


@pytest.mark.parametrize("expect", [_param(e) for e in EXPECTED])
def test_verdict_as_aws_documents_it(expect: Expect) -> None:
    got = verdicts()[(expect.policy, expect.resource)]
    assert got == expect.status, f"{expect.policy} on {expect.resource}: {got} ({expect.source})"
