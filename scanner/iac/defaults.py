"""What AWS does when a template leaves a property out, with the page that says so.

An omitted property is not "unknown": AWS applies its documented default, so
the record gets that value and the policies judge it (a template without
``DeletionProtection`` makes a cluster without deletion protection).  Each
default names the documentation it comes from; ``when`` restricts a default
to records where another field has a given value (``None``: the field is
absent too).  ``ABSENT`` is a default that leaves the field out of the record,
because the absence is what the policies read as AWS's choice (no
``KmsKeyId``: the AWS managed key); ``has_default`` tells a Terraform plan's
"known after apply" for an omitted argument that AWS's choice is known.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass

from scanner.derive import major_engine_version

# A default that leaves the field absent (see the module docstring).
ABSENT = "<absent>"


@dataclass(frozen=True)
class Default:
    field: str
    value: object  # or a function of the record giving it (None: no default)
    source: str
    when: tuple[str, object] | None = None


def _default_cluster_parameter_group(attrs: Mapping[str, object]) -> str | None:
    """``default.<family>``: the group RDS attaches when the template names none.

    The family is the engine and its major version (``aurora-postgresql16``,
    ``aurora-mysql8.0``); without an EngineVersion the engine's default
    version decides it at deployment, so only ``default.<engine>`` is known.
    The name matters for what it says: a default group, which cannot be
    changed (custom_parameter_group, tls_enforced fail) and whose engine
    defaults are not in the template (the parameter policies are UNKNOWN).
    """
    engine = attrs.get("Engine")
    if not isinstance(engine, str):
        return None
    return f"default.{engine}{major_engine_version(engine, attrs.get('EngineVersion')) or ''}"


_CREATE_CLUSTER = (
    "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html"
)
_CREATE_INSTANCE = (
    "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html"
)
_CREATE_KEY = "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html"
_CREATE_GLOBAL = (
    "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateGlobalCluster.html"
)
_CFN_SUBSCRIPTION = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/"
    "aws-resource-rds-eventsubscription.html"
)
_CREATE_SUBNET = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSubnet.html"

DEFAULTS: dict[str, tuple[Default, ...]] = {
    "aws.rds.db_cluster": (
        Default("BackupRetentionPeriod", 1, _CREATE_CLUSTER),
        Default("DeletionProtection", False, _CREATE_CLUSTER),
        Default("CopyTagsToSnapshot", False, _CREATE_CLUSTER),
        Default("IAMDatabaseAuthenticationEnabled", False, _CREATE_CLUSTER),
        Default("EngineMode", "provisioned", _CREATE_CLUSTER),
        # "StorageEncrypted ... Valid for Cluster Type: Aurora DB clusters": not
        # encrypted unless asked, for provisioned clusters (Serverless v1 is
        # always encrypted).
        Default("StorageEncrypted", False, _CREATE_CLUSTER, when=("EngineMode", "provisioned")),
        Default("StorageEncrypted", True, _CREATE_CLUSTER, when=("EngineMode", "serverless")),
        Default("AutoMinorVersionUpgrade", True, _CREATE_CLUSTER),
        Default("EnabledCloudwatchLogsExports", [], _CREATE_CLUSTER),
        # No VpcSecurityGroupIds: the VPC's default security group, which the
        # template does not declare (its rules are unknown here).
        Default("VpcSecurityGroups", [{"VpcSecurityGroupId": "default"}], _CREATE_CLUSTER),
        Default("TagList", [], _CREATE_CLUSTER),
        Default("DBClusterMembers", [], _CREATE_CLUSTER),
        Default("BacktrackWindow", 0, _CREATE_CLUSTER),
        # No DBSubnetGroupName: the default VPC's "default" DB subnet group,
        # which a template does not declare, so network policies are UNKNOWN
        # (naming it) rather than passing on an empty network.
        Default("DBSubnetGroup", "default", _CREATE_CLUSTER),
        # "By default, this value is set to open-source-rds-extended-support".
        Default("EngineLifecycleSupport", "open-source-rds-extended-support", _CREATE_CLUSTER),
        Default(
            "DBClusterParameterGroup",
            _default_cluster_parameter_group,
            "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_WorkingWithParamGroups.html",
        ),
        Default("Port", 3306, _CREATE_CLUSTER, when=("Engine", "aurora-mysql")),
        Default("Port", 5432, _CREATE_CLUSTER, when=("Engine", "aurora-postgresql")),
        # "If the StorageEncrypted parameter is enabled and you do not specify a
        # value for the KmsKeyId parameter, then Amazon RDS will use your default
        # KMS key" (the AWS managed aws/rds key): a template leaves KmsKeyId out,
        # which derive.encryption_key reads as "KMS key (not set)".
        Default("KmsKeyId", ABSENT, _CREATE_CLUSTER, when=("StorageEncrypted", True)),
    ),
    "aws.rds.db_instance": (
        # "If DBSubnetGroupName is specified, and PubliclyAccessible isn't
        # specified ... If the subnets are part of a VPC that has an internet
        # gateway attached to it, the DB instance is public" (otherwise private;
        # without a subnet group, the default VPC's gateway decides). Known only
        # with the other records: build.publicly_accessible fills it, or marks it
        # missing; the default itself is AWS's choice, so a plan's "known after
        # apply" for the omitted argument is not unknown.
        Default("PubliclyAccessible", ABSENT, _CREATE_INSTANCE),
        Default("AutoMinorVersionUpgrade", True, _CREATE_INSTANCE),
        Default("MonitoringInterval", 0, _CREATE_INSTANCE),
        Default("PerformanceInsightsEnabled", False, _CREATE_INSTANCE),
        # "If you don't specify a value for PerformanceInsightsKMSKeyId, then
        # Amazon RDS uses your default KMS key" (aws/rds), as a template leaving
        # it out says; without Performance Insights there is no key at all.
        Default("PerformanceInsightsKMSKeyId", ABSENT, _CREATE_INSTANCE),
        Default("TagList", [], _CREATE_INSTANCE),
    ),
    "aws.ec2.security_group": (
        Default(
            "IpPermissions",
            [],
            "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
        ),
        Default(
            "Tags",
            [],
            "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html",
        ),
    ),
    "aws.ec2.subnet": (Default("MapPublicIpOnLaunch", False, _CREATE_SUBNET),),
    "aws.ec2.route_table": (
        Default(
            "Routes", [], "https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html"
        ),
        Default(
            "Associations",
            [],
            "https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html",
        ),
    ),
    "aws.rds.db_cluster_parameter_group": (
        Default(
            "Parameters",
            [],
            "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_WorkingWithParamGroups.html",
        ),
    ),
    "aws.kms.key": (Default("Enabled", True, _CREATE_KEY),),
    "aws.rds.global_cluster": (
        # With SourceDBClusterIdentifier "Aurora uses the setting from the source
        # DB cluster" (build.py copies it); without one, not encrypted unless asked.
        Default("StorageEncrypted", False, _CREATE_GLOBAL, when=("x_iac_source_cluster", None)),
        Default("DeletionProtection", False, _CREATE_GLOBAL),
        Default("TagList", [], _CREATE_GLOBAL),
    ),
    "aws.rds.event_subscription": (
        # "If you don't specify this property, CloudFormation activates the
        # subscription" (Terraform's `enabled` defaults to true as well).
        Default("Enabled", True, _CFN_SUBSCRIPTION),
    ),
    "aws.rds.db_parameter_group": (
        Default(
            "Parameters",
            [],
            "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_WorkingWithParamGroups.html",
        ),
    ),
}


def apply_defaults(resource_type: str, attrs: dict[str, object]) -> None:
    """Fill the omitted fields of ``attrs`` (a record being built) with AWS's defaults.

    A field recorded as missing (``x_missing``: the template cannot tell) is
    left missing: a default never hides an unresolved value.
    """
    missing = attrs.get("x_missing") or {}
    for default in DEFAULTS.get(resource_type, ()):
        if default.field in attrs or default.field in missing:  # type: ignore[operator]
            continue
        if default.when is not None:
            name, value = default.when
            if attrs.get(name) != value:
                continue
        value = default.value(attrs) if callable(default.value) else _copy(default.value)
        if value is not None and value != ABSENT:
            attrs[default.field] = value


def has_default(resource_type: str, field: str, attrs: Mapping[str, object]) -> bool:
    """Whether AWS's default for ``field`` is known for ``attrs`` (after ``apply_defaults``).

    True when the field holds a value or an ``ABSENT`` default applies; false
    when no default fits (a computed identifier, a ``when`` not met, a
    callable default without what it needs): the value is then unknown.
    """
    if field in attrs:
        return True
    for default in DEFAULTS.get(resource_type, ()):
        if default.field != field:
            continue
        if default.when is not None and attrs.get(default.when[0]) != default.when[1]:
            continue
        if default.value == ABSENT:
            return True
    return False


def _copy(value: object) -> object:
    return copy.deepcopy(value)
