"""Declarative mapping from CloudFormation and Terraform resources to snapshot records.

One table per source format, one entry per resource type: which graph type
it becomes, how its identifier is made when the template does not name it,
and where each property lands in the record the collectors would store (the
raw AWS API field names, e.g. ``VpcSecurityGroupIds`` ->
``VpcSecurityGroups[].VpcSecurityGroupId``).  ``scanner/iac/build.py`` is the
one interpreter of these tables; adding a type or a property is a data edit.

Target paths use the edge builder's subset of JMESPath: ``A.B`` nests
objects, ``A[].B`` makes a list of objects from a list (or a single value).
A transform name after ``|`` converts the value (``int``, ``bool``, ``str``;
``tags``: a Terraform tag map to ``[{Key, Value}]``; ``parameters``: a
CloudFormation parameter map to ``[{ParameterName, ParameterValue, Source}]``).

A *child* entry (``into``) is a resource that AWS stores inside another
record: a separate security-group ingress rule becomes one of its group's
``IpPermissions``, a route one of its table's ``Routes``, a member instance
one of its cluster's ``DBClusterMembers``.  ``parent`` names the property
holding the reference to the parent.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Child:
    """Copy of (part of) a resource appended to a list field of another resource."""

    parent: str  # the property naming the parent (a Ref / reference to it)
    parent_type: str  # graph type of the parent
    list_field: str  # the parent's list the entry goes to
    fields: dict[str, str]  # source property -> path inside the entry
    constant: dict[str, object] = field(default_factory=dict)
    # Only when this property has this value (e.g. a Terraform rule of type ingress).
    when: tuple[str, object] | None = None


@dataclass(frozen=True)
class Copy:
    """A field AWS copies from a referenced record into each entry of a list, or the record.

    ``Subnets[].SubnetAvailabilityZone.Name`` of a DB subnet group is its
    subnet's ``AvailabilityZone``: the template names the subnet only.  With
    ``list_field`` empty the record itself is the entry: a cluster snapshot's
    ``StorageEncrypted`` is its ``DBClusterIdentifier``'s.  A record-level copy
    never overrides a value the record states; when the other record is not
    in the scan, or cannot tell, the field is missing (UNKNOWN), not defaulted.
    """

    list_field: str  # the list in this record (Subnets), "" for the record itself
    key: str  # the entry field naming the other record (SubnetIdentifier)
    source_type: str  # the other record's graph type
    source_field: str  # the field read there (AvailabilityZone)
    target: str  # path inside the entry (SubnetAvailabilityZone.Name); /F: the record's F


@dataclass(frozen=True)
class Implied:
    """A record field AWS fills in when a boolean property is true.

    ``ManageMasterUserPassword: true`` makes RDS create the master user secret,
    reported as ``MasterUserSecret``; its ARN is AWS's, formatted like the other
    generated identifiers (``{region}``, ``{account}``, ``{id}``: the record's id).
    """

    target: str
    value: dict[str, str]


@dataclass(frozen=True)
class Mapping:
    type: str  # graph type (scanner/vocabulary.py), "" for a child-only entry
    id_field: str = ""  # the record field that identifies it (what Ref returns)
    id_prefix: str = ""  # AWS's id prefix for generated ids (sg-, subnet-, igw-...)
    name_property: str = ""  # the property that names it when set
    fields: dict[str, str] = field(default_factory=dict)  # property -> target path
    # Nested blocks: property -> (target list field, item field map).
    blocks: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    constant: dict[str, object] = field(default_factory=dict)  # fixed facts of the type
    children: tuple[Child, ...] = ()
    # GetAtt attribute -> record field whose value it returns.
    attributes: dict[str, str] = field(default_factory=dict)
    copies: tuple[Copy, ...] = ()
    # Attribute (GetAtt, or a Terraform reference's attribute) -> the id of a record
    # AWS creates with this one, formatted from this one's id (a VPC's default group).
    implicit_ids: dict[str, str] = field(default_factory=dict)
    implied: dict[str, Implied] = field(default_factory=dict)  # property -> field it fills


_CLUSTER = "aws.rds.db_cluster"
_INSTANCE = "aws.rds.db_instance"
_SUBNET_GROUP = "aws.rds.db_subnet_group"
_SG = "aws.ec2.security_group"
_RT = "aws.ec2.route_table"
_SNAPSHOT = "aws.rds.db_cluster_snapshot"
_GLOBAL = "aws.rds.global_cluster"
_SUBSCRIPTION = "aws.rds.event_subscription"
_DB_PARAMETER_GROUP = "aws.rds.db_parameter_group"
_CLUSTER_PARAMETER_GROUP = "aws.rds.db_cluster_parameter_group"

# The security group AWS creates with every VPC, named "default"
# (scanner/iac/build.py adds it); its id is derived from the VPC's.
DEFAULT_SECURITY_GROUP_ID = "sg-default-{id}"

# RDS-managed master password: RDS creates the secret (CreateDBCluster
# ManageMasterUserPassword) and reports it as MasterUserSecret.
_MANAGED_SECRET = Implied(
    "MasterUserSecret",
    {
        "SecretArn": "arn:aws:secretsmanager:{region}:{account}:secret:rds!cluster-{id}",
        "SecretStatus": "creating",
    },
)

# What a manual cluster snapshot takes from its cluster (CreateDBClusterSnapshot:
# the snapshot is of the cluster's storage, with the cluster's encryption and key).
_FROM_CLUSTER = tuple(
    Copy("", "DBClusterIdentifier", _CLUSTER, name, name)
    for name in ("Engine", "EngineVersion", "StorageEncrypted", "KmsKeyId", "Port")
)
# A global database created from an existing cluster takes its settings
# (CreateGlobalCluster SourceDBClusterIdentifier: "Amazon Aurora uses the values
# from the specified source DB cluster": Engine, EngineVersion, StorageEncrypted).
# The source, an ARN, is kept as x_iac_source_cluster: DescribeGlobalClusters
# has no such field (it lists GlobalClusterMembers instead).
_FROM_SOURCE = tuple(
    Copy("", "x_iac_source_cluster", _CLUSTER, name, name)
    for name in ("Engine", "EngineVersion", "StorageEncrypted")
)

# An Aurora instance listens on its cluster's port (DBInstance Endpoint.Port);
# its security groups and DB subnet group are the cluster's (CreateDBInstance
# VpcSecurityGroupIds, DBSubnetGroupName: for Aurora "managed by the DB cluster").
_INSTANCE_FROM_CLUSTER = (
    Copy("", "DBClusterIdentifier", _CLUSTER, "Port", "Endpoint.Port"),
    Copy("", "DBClusterIdentifier", _CLUSTER, "VpcSecurityGroups", "VpcSecurityGroups"),
    Copy("", "DBClusterIdentifier", _CLUSTER, "DBSubnetGroup", "DBSubnetGroup.DBSubnetGroupName"),
)

_SUBNET_ZONES = (
    Copy(
        "Subnets",
        "SubnetIdentifier",
        "aws.ec2.subnet",
        "AvailabilityZone",
        "SubnetAvailabilityZone.Name",
    ),
    Copy("Subnets", "SubnetIdentifier", "aws.ec2.subnet", "VpcId", "/VpcId"),
)

_CFN_RULE = {
    "IpProtocol": "IpProtocol|str",
    "FromPort": "FromPort|int",
    "ToPort": "ToPort|int",
    "CidrIp": "IpRanges[].CidrIp",
    "CidrIpv6": "Ipv6Ranges[].CidrIpv6",
    "SourceSecurityGroupId": "UserIdGroupPairs[].GroupId",
    "SourcePrefixListId": "PrefixListIds[].PrefixListId",
}
_CFN_ROUTE = {
    "DestinationCidrBlock": "DestinationCidrBlock",
    "DestinationIpv6CidrBlock": "DestinationIpv6CidrBlock",
    "DestinationPrefixListId": "DestinationPrefixListId",
    "GatewayId": "GatewayId",
    "NatGatewayId": "NatGatewayId",
    "TransitGatewayId": "TransitGatewayId",
    "EgressOnlyInternetGatewayId": "EgressOnlyInternetGatewayId",
}

CLOUDFORMATION: dict[str, Mapping] = {
    "AWS::RDS::DBCluster": Mapping(
        _CLUSTER,
        id_field="DBClusterIdentifier",
        name_property="DBClusterIdentifier",
        fields={
            "DBClusterIdentifier": "DBClusterIdentifier",
            "Engine": "Engine",
            "EngineMode": "EngineMode",
            "EngineVersion": "EngineVersion",
            "EngineLifecycleSupport": "EngineLifecycleSupport",
            "StorageEncrypted": "StorageEncrypted|bool",
            "KmsKeyId": "KmsKeyId",
            "DeletionProtection": "DeletionProtection|bool",
            "BackupRetentionPeriod": "BackupRetentionPeriod|int",
            "CopyTagsToSnapshot": "CopyTagsToSnapshot|bool",
            "EnableIAMDatabaseAuthentication": "IAMDatabaseAuthenticationEnabled|bool",
            "DBSubnetGroupName": "DBSubnetGroup",
            "VpcSecurityGroupIds": "VpcSecurityGroups[].VpcSecurityGroupId",
            "DBClusterParameterGroupName": "DBClusterParameterGroup",
            "MasterUsername": "MasterUsername",
            "Port": "Port|int",
            "EnableCloudwatchLogsExports": "EnabledCloudwatchLogsExports",
            "BacktrackWindow": "BacktrackWindow|int",
            "AutoMinorVersionUpgrade": "AutoMinorVersionUpgrade|bool",
            "GlobalClusterIdentifier": "GlobalClusterIdentifier",
            "PreferredBackupWindow": "PreferredBackupWindow",
            "Tags": "TagList",
        },
        constant={"Status": "available"},
        attributes={"Arn": "DBClusterArn", "Endpoint.Address": "Endpoint"},
        implied={"ManageMasterUserPassword": _MANAGED_SECRET},
    ),
    "AWS::RDS::DBInstance": Mapping(
        _INSTANCE,
        id_field="DBInstanceIdentifier",
        name_property="DBInstanceIdentifier",
        fields={
            "DBInstanceIdentifier": "DBInstanceIdentifier",
            "DBClusterIdentifier": "DBClusterIdentifier",
            "DBInstanceClass": "DBInstanceClass",
            "Engine": "Engine",
            "PubliclyAccessible": "PubliclyAccessible|bool",
            "DBSubnetGroupName": "DBSubnetGroup.DBSubnetGroupName",
            "AutoMinorVersionUpgrade": "AutoMinorVersionUpgrade|bool",
            "MonitoringInterval": "MonitoringInterval|int",
            "EnablePerformanceInsights": "PerformanceInsightsEnabled|bool",
            "PerformanceInsightsKMSKeyId": "PerformanceInsightsKMSKeyId",
            "CACertificateIdentifier": "CACertificateIdentifier",
            "DBParameterGroupName": "DBParameterGroups[].DBParameterGroupName",
            "AvailabilityZone": "AvailabilityZone",
            "PromotionTier": "PromotionTier|int",
            "Tags": "TagList",
        },
        constant={"DBInstanceStatus": "available"},
        copies=_INSTANCE_FROM_CLUSTER,
        children=(
            Child(
                "DBClusterIdentifier",
                _CLUSTER,
                "DBClusterMembers",
                {"DBInstanceIdentifier": "DBInstanceIdentifier"},
            ),
        ),
        attributes={"Endpoint.Address": "Endpoint.Address"},
    ),
    "AWS::RDS::DBSubnetGroup": Mapping(
        _SUBNET_GROUP,
        id_field="DBSubnetGroupName",
        name_property="DBSubnetGroupName",
        fields={
            "DBSubnetGroupName": "DBSubnetGroupName",
            "DBSubnetGroupDescription": "DBSubnetGroupDescription",
            "SubnetIds": "Subnets[].SubnetIdentifier",
        },
        constant={"SubnetGroupStatus": "Complete"},
        copies=_SUBNET_ZONES,
    ),
    "AWS::RDS::DBClusterParameterGroup": Mapping(
        _CLUSTER_PARAMETER_GROUP,
        id_field="DBClusterParameterGroupName",
        name_property="DBClusterParameterGroupName",
        fields={
            "DBClusterParameterGroupName": "DBClusterParameterGroupName",
            "Family": "DBParameterGroupFamily",
            "Description": "Description",
            "Parameters": "Parameters|parameters",
        },
    ),
    "AWS::EC2::SecurityGroup": Mapping(
        _SG,
        id_field="GroupId",
        id_prefix="sg-",
        fields={
            "GroupName": "GroupName",
            "GroupDescription": "Description",
            "VpcId": "VpcId",
            "Tags": "Tags",
        },
        blocks={
            "SecurityGroupIngress": ("IpPermissions", _CFN_RULE),
            "SecurityGroupEgress": ("IpPermissionsEgress", _CFN_RULE),
        },
        attributes={"GroupId": "GroupId", "VpcId": "VpcId"},
    ),
    "AWS::EC2::SecurityGroupIngress": Mapping(
        "",
        children=(Child("GroupId", _SG, "IpPermissions", _CFN_RULE),),
    ),
    "AWS::EC2::Subnet": Mapping(
        "aws.ec2.subnet",
        id_field="SubnetId",
        id_prefix="subnet-",
        fields={
            "VpcId": "VpcId",
            "CidrBlock": "CidrBlock",
            "AvailabilityZone": "AvailabilityZone",
            "MapPublicIpOnLaunch": "MapPublicIpOnLaunch|bool",
            "Tags": "Tags",
        },
        attributes={"AvailabilityZone": "AvailabilityZone", "VpcId": "VpcId"},
    ),
    "AWS::EC2::VPC": Mapping(
        "aws.ec2.vpc",
        id_field="VpcId",
        id_prefix="vpc-",
        fields={"CidrBlock": "CidrBlock", "Tags": "Tags"},
        constant={"IsDefault": False, "State": "available"},
        implicit_ids={"DefaultSecurityGroup": DEFAULT_SECURITY_GROUP_ID},
    ),
    "AWS::EC2::RouteTable": Mapping(
        _RT,
        id_field="RouteTableId",
        id_prefix="rtb-",
        fields={"VpcId": "VpcId", "Tags": "Tags"},
    ),
    "AWS::EC2::Route": Mapping(
        "", children=(Child("RouteTableId", _RT, "Routes", _CFN_ROUTE, {"State": "active"}),)
    ),
    "AWS::EC2::SubnetRouteTableAssociation": Mapping(
        "",
        children=(
            Child(
                "RouteTableId",
                _RT,
                "Associations",
                {"SubnetId": "SubnetId"},
                {"Main": False, "AssociationState": {"State": "associated"}},
            ),
        ),
    ),
    "AWS::EC2::InternetGateway": Mapping(
        "aws.ec2.internet_gateway",
        id_field="InternetGatewayId",
        id_prefix="igw-",
        fields={"Tags": "Tags"},
    ),
    # DescribeInternetGateways' Attachments[].VpcId: whether a VPC has an
    # internet gateway decides an instance's omitted PubliclyAccessible.
    "AWS::EC2::VPCGatewayAttachment": Mapping(
        "",
        children=(
            Child(
                "InternetGatewayId",
                "aws.ec2.internet_gateway",
                "Attachments",
                {"VpcId": "VpcId"},
                {"State": "available"},
            ),
        ),
    ),
    "AWS::EC2::NatGateway": Mapping(
        "aws.ec2.nat_gateway",
        id_field="NatGatewayId",
        id_prefix="nat-",
        fields={"SubnetId": "SubnetId", "ConnectivityType": "ConnectivityType"},
    ),
    "AWS::RDS::DBParameterGroup": Mapping(
        _DB_PARAMETER_GROUP,
        id_field="DBParameterGroupName",
        name_property="DBParameterGroupName",
        fields={
            "DBParameterGroupName": "DBParameterGroupName",
            "Family": "DBParameterGroupFamily",
            "Description": "Description",
            "Parameters": "Parameters|parameters",
        },
    ),
    "AWS::RDS::GlobalCluster": Mapping(
        _GLOBAL,
        id_field="GlobalClusterIdentifier",
        name_property="GlobalClusterIdentifier",
        fields={
            "GlobalClusterIdentifier": "GlobalClusterIdentifier",
            "Engine": "Engine",
            "EngineVersion": "EngineVersion",
            "EngineLifecycleSupport": "EngineLifecycleSupport",
            "StorageEncrypted": "StorageEncrypted|bool",
            "DeletionProtection": "DeletionProtection|bool",
            "SourceDBClusterIdentifier": "x_iac_source_cluster",
            "Tags": "TagList",
        },
        constant={"Status": "available"},
        copies=_FROM_SOURCE,
    ),
    "AWS::RDS::EventSubscription": Mapping(
        _SUBSCRIPTION,
        id_field="CustSubscriptionId",
        name_property="SubscriptionName",
        fields={
            "SubscriptionName": "CustSubscriptionId",
            "SnsTopicArn": "SnsTopicArn",
            "SourceType": "SourceType",
            "SourceIds": "SourceIdsList[]",
            "EventCategories": "EventCategoriesList",
            "Enabled": "Enabled|bool",
        },
        constant={"Status": "active"},
    ),
    "AWS::KMS::Key": Mapping(
        "aws.kms.key",
        id_field="KeyId",
        id_prefix="key-",
        fields={"Description": "Description", "Enabled": "Enabled|bool"},
        constant={"KeyManager": "CUSTOMER", "KeyState": "Enabled"},
        attributes={"Arn": "Arn", "KeyId": "KeyId"},
    ),
}

_TF_INGRESS = {
    "protocol": "IpProtocol|str",
    "from_port": "FromPort|int",
    "to_port": "ToPort|int",
    "cidr_blocks": "IpRanges[].CidrIp",
    "ipv6_cidr_blocks": "Ipv6Ranges[].CidrIpv6",
    "security_groups": "UserIdGroupPairs[].GroupId",
    "prefix_list_ids": "PrefixListIds[].PrefixListId",
}
_TF_ROUTE = {
    "cidr_block": "DestinationCidrBlock",
    "ipv6_cidr_block": "DestinationIpv6CidrBlock",
    "destination_prefix_list_id": "DestinationPrefixListId",
    "gateway_id": "GatewayId",
    "nat_gateway_id": "NatGatewayId",
    "transit_gateway_id": "TransitGatewayId",
    "egress_only_gateway_id": "EgressOnlyInternetGatewayId",
}
_TF_ROUTE_RESOURCE = {
    "destination_cidr_block": "DestinationCidrBlock",
    "destination_ipv6_cidr_block": "DestinationIpv6CidrBlock",
    "destination_prefix_list_id": "DestinationPrefixListId",
    "gateway_id": "GatewayId",
    "nat_gateway_id": "NatGatewayId",
    "transit_gateway_id": "TransitGatewayId",
    "egress_only_gateway_id": "EgressOnlyInternetGatewayId",
}

TERRAFORM: dict[str, Mapping] = {
    "aws_rds_cluster": Mapping(
        _CLUSTER,
        id_field="DBClusterIdentifier",
        name_property="cluster_identifier",
        fields={
            "cluster_identifier": "DBClusterIdentifier",
            "arn": "DBClusterArn",
            "engine": "Engine",
            "engine_mode": "EngineMode",
            "engine_version": "EngineVersion",
            "engine_lifecycle_support": "EngineLifecycleSupport",
            "storage_encrypted": "StorageEncrypted|bool",
            "kms_key_id": "KmsKeyId",
            "deletion_protection": "DeletionProtection|bool",
            "backup_retention_period": "BackupRetentionPeriod|int",
            "copy_tags_to_snapshot": "CopyTagsToSnapshot|bool",
            "iam_database_authentication_enabled": "IAMDatabaseAuthenticationEnabled|bool",
            "db_subnet_group_name": "DBSubnetGroup",
            "vpc_security_group_ids": "VpcSecurityGroups[].VpcSecurityGroupId",
            "db_cluster_parameter_group_name": "DBClusterParameterGroup",
            "master_username": "MasterUsername",
            "port": "Port|int",
            "enabled_cloudwatch_logs_exports": "EnabledCloudwatchLogsExports",
            "backtrack_window": "BacktrackWindow|int",
            "global_cluster_identifier": "GlobalClusterIdentifier",
            "preferred_backup_window": "PreferredBackupWindow",
            "tags": "TagList|tags",
        },
        constant={"Status": "available"},
        implied={"manage_master_user_password": _MANAGED_SECRET},
    ),
    "aws_rds_cluster_instance": Mapping(
        _INSTANCE,
        id_field="DBInstanceIdentifier",
        name_property="identifier",
        fields={
            "identifier": "DBInstanceIdentifier",
            "cluster_identifier": "DBClusterIdentifier",
            "instance_class": "DBInstanceClass",
            "engine": "Engine",
            "publicly_accessible": "PubliclyAccessible|bool",
            "db_subnet_group_name": "DBSubnetGroup.DBSubnetGroupName",
            "auto_minor_version_upgrade": "AutoMinorVersionUpgrade|bool",
            "monitoring_interval": "MonitoringInterval|int",
            "performance_insights_enabled": "PerformanceInsightsEnabled|bool",
            "performance_insights_kms_key_id": "PerformanceInsightsKMSKeyId",
            "ca_cert_identifier": "CACertificateIdentifier",
            "db_parameter_group_name": "DBParameterGroups[].DBParameterGroupName",
            "availability_zone": "AvailabilityZone",
            "promotion_tier": "PromotionTier|int",
            "tags": "TagList|tags",
        },
        constant={"DBInstanceStatus": "available"},
        copies=_INSTANCE_FROM_CLUSTER,
        children=(
            Child(
                "cluster_identifier",
                _CLUSTER,
                "DBClusterMembers",
                {"identifier": "DBInstanceIdentifier"},
            ),
        ),
    ),
    "aws_db_subnet_group": Mapping(
        _SUBNET_GROUP,
        id_field="DBSubnetGroupName",
        name_property="name",
        fields={
            "name": "DBSubnetGroupName",
            "description": "DBSubnetGroupDescription",
            "subnet_ids": "Subnets[].SubnetIdentifier",
        },
        constant={"SubnetGroupStatus": "Complete"},
        copies=_SUBNET_ZONES,
    ),
    "aws_rds_cluster_parameter_group": Mapping(
        _CLUSTER_PARAMETER_GROUP,
        id_field="DBClusterParameterGroupName",
        name_property="name",
        fields={
            "name": "DBClusterParameterGroupName",
            "family": "DBParameterGroupFamily",
            "description": "Description",
        },
        blocks={
            "parameter": (
                "Parameters",
                {"name": "ParameterName", "value": "ParameterValue", "apply_method": "ApplyMethod"},
            )
        },
        constant={},
    ),
    "aws_security_group": Mapping(
        _SG,
        id_field="GroupId",
        id_prefix="sg-",
        name_property="id",
        fields={
            "id": "GroupId",
            "name": "GroupName",
            "description": "Description",
            "vpc_id": "VpcId",
            "tags": "Tags|tags",
        },
        blocks={
            "ingress": ("IpPermissions", _TF_INGRESS),
            "egress": ("IpPermissionsEgress", _TF_INGRESS),
        },
    ),
    "aws_security_group_rule": Mapping(
        "",
        children=(
            Child(
                "security_group_id",
                _SG,
                "IpPermissions",
                {**_TF_INGRESS, "source_security_group_id": "UserIdGroupPairs[].GroupId"},
                when=("type", "ingress"),
            ),
        ),
    ),
    "aws_vpc_security_group_ingress_rule": Mapping(
        "",
        children=(
            Child(
                "security_group_id",
                _SG,
                "IpPermissions",
                {
                    "ip_protocol": "IpProtocol|str",
                    "from_port": "FromPort|int",
                    "to_port": "ToPort|int",
                    "cidr_ipv4": "IpRanges[].CidrIp",
                    "cidr_ipv6": "Ipv6Ranges[].CidrIpv6",
                    "referenced_security_group_id": "UserIdGroupPairs[].GroupId",
                    "prefix_list_id": "PrefixListIds[].PrefixListId",
                },
            ),
        ),
    ),
    "aws_subnet": Mapping(
        "aws.ec2.subnet",
        id_field="SubnetId",
        id_prefix="subnet-",
        name_property="id",
        fields={
            "id": "SubnetId",
            "vpc_id": "VpcId",
            "cidr_block": "CidrBlock",
            "availability_zone": "AvailabilityZone",
            "map_public_ip_on_launch": "MapPublicIpOnLaunch|bool",
        },
    ),
    "aws_vpc": Mapping(
        "aws.ec2.vpc",
        id_field="VpcId",
        id_prefix="vpc-",
        name_property="id",
        fields={"id": "VpcId", "cidr_block": "CidrBlock"},
        constant={"IsDefault": False, "State": "available"},
        implicit_ids={"default_security_group_id": DEFAULT_SECURITY_GROUP_ID},
    ),
    "aws_route_table": Mapping(
        _RT,
        id_field="RouteTableId",
        id_prefix="rtb-",
        name_property="id",
        fields={"id": "RouteTableId", "vpc_id": "VpcId"},
        blocks={"route": ("Routes", _TF_ROUTE)},
    ),
    "aws_route": Mapping(
        "",
        children=(Child("route_table_id", _RT, "Routes", _TF_ROUTE_RESOURCE, {"State": "active"}),),
    ),
    "aws_route_table_association": Mapping(
        "",
        children=(
            Child(
                "route_table_id",
                _RT,
                "Associations",
                {"subnet_id": "SubnetId"},
                {"Main": False, "AssociationState": {"State": "associated"}},
            ),
        ),
    ),
    "aws_internet_gateway": Mapping(
        "aws.ec2.internet_gateway",
        id_field="InternetGatewayId",
        id_prefix="igw-",
        name_property="id",
        fields={"id": "InternetGatewayId", "vpc_id": "Attachments[].VpcId"},
    ),
    "aws_internet_gateway_attachment": Mapping(
        "",
        children=(
            Child(
                "internet_gateway_id",
                "aws.ec2.internet_gateway",
                "Attachments",
                {"vpc_id": "VpcId"},
                {"State": "available"},
            ),
        ),
    ),
    "aws_nat_gateway": Mapping(
        "aws.ec2.nat_gateway",
        id_field="NatGatewayId",
        id_prefix="nat-",
        name_property="id",
        fields={"id": "NatGatewayId", "subnet_id": "SubnetId"},
    ),
    "aws_db_parameter_group": Mapping(
        _DB_PARAMETER_GROUP,
        id_field="DBParameterGroupName",
        name_property="name",
        fields={
            "name": "DBParameterGroupName",
            "family": "DBParameterGroupFamily",
            "description": "Description",
        },
        blocks={
            "parameter": (
                "Parameters",
                {"name": "ParameterName", "value": "ParameterValue", "apply_method": "ApplyMethod"},
            )
        },
    ),
    "aws_rds_global_cluster": Mapping(
        _GLOBAL,
        id_field="GlobalClusterIdentifier",
        name_property="global_cluster_identifier",
        fields={
            "global_cluster_identifier": "GlobalClusterIdentifier",
            "arn": "GlobalClusterArn",
            "engine": "Engine",
            "engine_version": "EngineVersion",
            "engine_lifecycle_support": "EngineLifecycleSupport",
            "storage_encrypted": "StorageEncrypted|bool",
            "deletion_protection": "DeletionProtection|bool",
            "database_name": "DatabaseName",
            "source_db_cluster_identifier": "x_iac_source_cluster",
            "tags": "TagList|tags",
        },
        constant={"Status": "available"},
        copies=_FROM_SOURCE,
    ),
    "aws_db_event_subscription": Mapping(
        _SUBSCRIPTION,
        id_field="CustSubscriptionId",
        name_property="name",
        fields={
            "name": "CustSubscriptionId",
            "arn": "EventSubscriptionArn",
            "sns_topic": "SnsTopicArn",
            "source_type": "SourceType",
            "source_ids": "SourceIdsList[]",
            "event_categories": "EventCategoriesList",
            "enabled": "Enabled|bool",
        },
        constant={"Status": "active"},
    ),
    # A manual snapshot (CloudFormation has no cluster snapshot resource).
    "aws_db_cluster_snapshot": Mapping(
        _SNAPSHOT,
        id_field="DBClusterSnapshotIdentifier",
        name_property="db_cluster_snapshot_identifier",
        fields={
            "db_cluster_snapshot_identifier": "DBClusterSnapshotIdentifier",
            "db_cluster_identifier": "DBClusterIdentifier",
            "tags": "TagList|tags",
        },
        constant={"SnapshotType": "manual", "Status": "available"},
        copies=_FROM_CLUSTER,
    ),
    # Terraform adopts what AWS created (the default VPC, its subnets, a VPC's
    # default security group) rather than creating it.
    "aws_default_vpc": Mapping(
        "aws.ec2.vpc",
        id_field="VpcId",
        id_prefix="vpc-",
        name_property="id",
        fields={"id": "VpcId", "cidr_block": "CidrBlock"},
        constant={"IsDefault": True, "State": "available"},
        implicit_ids={"default_security_group_id": DEFAULT_SECURITY_GROUP_ID},
    ),
    "aws_default_subnet": Mapping(
        "aws.ec2.subnet",
        id_field="SubnetId",
        id_prefix="subnet-",
        name_property="id",
        fields={
            "id": "SubnetId",
            "vpc_id": "VpcId",
            "cidr_block": "CidrBlock",
            "availability_zone": "AvailabilityZone",
            "map_public_ip_on_launch": "MapPublicIpOnLaunch|bool",
        },
        constant={"DefaultForAz": True},
    ),
    "aws_default_security_group": Mapping(
        _SG,
        id_field="GroupId",
        id_prefix="sg-",
        name_property="id",
        fields={"id": "GroupId", "vpc_id": "VpcId", "tags": "Tags|tags"},
        blocks={
            "ingress": ("IpPermissions", _TF_INGRESS),
            "egress": ("IpPermissionsEgress", _TF_INGRESS),
        },
        constant={"GroupName": "default", "Description": "default VPC security group"},
    ),
    "aws_kms_key": Mapping(
        "aws.kms.key",
        id_field="KeyId",
        id_prefix="key-",
        name_property="key_id",
        fields={
            "key_id": "KeyId",
            "arn": "Arn",
            "description": "Description",
            "is_enabled": "Enabled|bool",
        },
        constant={"KeyManager": "CUSTOMER", "KeyState": "Enabled"},
    ),
}
