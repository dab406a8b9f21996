"""Edges and derived facts from hand-written raw resources (no ARNs, like policy tests)."""

from __future__ import annotations

from typing import Any

from graph_paths import witness_paths

from scanner.edges import build_graph, derived_relations
from scanner.model import Resource
from scanner.vocabulary import RELATIONS

ACCT = "123456789012"
REGION = "us-east-1"
IGW = "aws.ec2.internet_gateway"


def res(rid: str, rtype: str, account: str = ACCT, region: str = REGION, **attrs: Any) -> Resource:
    return Resource(id=rid, type=f"aws.{rtype}", account=account, region=region, attrs=attrs)


def network() -> list[Resource]:
    """A VPC with a public, a private (NAT), a main-table and an IPv6-public subnet."""
    return [
        res("vpc-1", "ec2.vpc", VpcId="vpc-1"),
        res("igw-1", "ec2.internet_gateway", InternetGatewayId="igw-1"),
        res("nat-1", "ec2.nat_gateway", NatGatewayId="nat-1", SubnetId="subnet-pub"),
        res("subnet-pub", "ec2.subnet", SubnetId="subnet-pub", VpcId="vpc-1"),
        res("subnet-priv", "ec2.subnet", SubnetId="subnet-priv", VpcId="vpc-1"),
        res("subnet-main", "ec2.subnet", SubnetId="subnet-main", VpcId="vpc-1"),
        res("subnet-v6", "ec2.subnet", SubnetId="subnet-v6", VpcId="vpc-1"),
        res(
            "rtb-main",
            "ec2.route_table",
            RouteTableId="rtb-main",
            VpcId="vpc-1",
            Associations=[{"Main": True, "RouteTableId": "rtb-main"}],
            Routes=[{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"}],
        ),
        res(
            "rtb-pub",
            "ec2.route_table",
            RouteTableId="rtb-pub",
            VpcId="vpc-1",
            Associations=[{"Main": False, "SubnetId": "subnet-pub"}],
            Routes=[
                {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"},
                {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1", "State": "active"},
            ],
        ),
        res(
            "rtb-priv",
            "ec2.route_table",
            RouteTableId="rtb-priv",
            VpcId="vpc-1",
            Associations=[{"SubnetId": "subnet-priv"}],
            Routes=[{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1"}],
        ),
        res(
            "rtb-v6",
            "ec2.route_table",
            RouteTableId="rtb-v6",
            VpcId="vpc-1",
            Associations=[{"SubnetId": "subnet-v6"}],
            Routes=[
                {"DestinationIpv6CidrBlock": "::/0", "GatewayId": "igw-1"},
                {
                    "DestinationCidrBlock": "192.0.2.0/24",
                    "GatewayId": "igw-1",
                    "State": "blackhole",
                },
            ],
        ),
    ]


def test_every_vocabulary_relation_has_a_derivation() -> None:
    assert derived_relations() == set(RELATIONS)


def test_public_private_main_and_ipv6_routing() -> None:
    g = build_graph(network())
    assert [t for t, _ in g.neighbours("subnet-pub", "routed_by")] == ["rtb-pub"]
    assert [t for t, _ in g.neighbours("subnet-priv", "routed_by")] == ["rtb-priv"]
    # no explicit association -> the VPC's main route table
    assert [t for t, _ in g.neighbours("subnet-main", "routed_by")] == ["rtb-main"]
    assert list(g.neighbours("rtb-pub", "routes_to")) == [
        ("igw-1", {"DestinationCidrBlock": "0.0.0.0/0"})
    ]
    assert list(g.neighbours("rtb-priv", "routes_to")) == []
    assert list(g.neighbours("rtb-priv", "routes_via_nat")) == [
        ("nat-1", {"DestinationCidrBlock": "0.0.0.0/0"})
    ]
    # IPv6 ::/0 to the igw; the blackhole route is not a route
    assert list(g.neighbours("rtb-v6", "routes_to")) == [
        ("igw-1", {"DestinationIpv6CidrBlock": "::/0"})
    ]
    assert list(g.neighbours("rtb-main", "routes_to")) == []  # "local" is not a gateway
    assert g.resource("rtb-main").attrs["x_is_main"] is True
    assert g.resource("rtb-pub").attrs["x_is_main"] is False
    assert all(t == "vpc-1" for t, _ in g.neighbours("rtb-v6", "in_vpc"))


def test_cluster_reaches_igw_through_subnet_group_and_not_through_nat() -> None:
    resources = [
        *network(),
        res("c1", "rds.db_cluster", DBSubnetGroup="sng1"),
        res("c2", "rds.db_cluster", DBSubnetGroup="sng2"),
        res("sng1", "rds.db_subnet_group", VpcId="vpc-1",
            Subnets=[{"SubnetIdentifier": "subnet-pub"}, {"SubnetIdentifier": "subnet-priv"}]),
        res("sng2", "rds.db_subnet_group", DBSubnetGroupName="sng2",
            Subnets=[{"SubnetIdentifier": "subnet-priv"}, {"SubnetIdentifier": "subnet-main"}]),
    ]  # fmt: skip
    g = build_graph(resources)
    steps = ["in_subnet_group", "in_subnet", "routed_by", "routes_to"]
    paths = witness_paths(g, "c1", steps, IGW)
    assert [p["nodes"] for p in paths] == [["c1", "sng1", "subnet-pub", "rtb-pub", "igw-1"]]
    assert paths[0]["edges"][-1] == {"DestinationCidrBlock": "0.0.0.0/0"}
    assert witness_paths(g, "c2", steps, IGW) == []
    assert [t for t, _ in g.neighbours("sng1", "in_vpc")] == ["vpc-1"]


def sg(gid: str, *perms: dict[str, Any]) -> Resource:
    return res(gid, "ec2.security_group", GroupId=gid, VpcId="vpc-1", IpPermissions=list(perms))


def test_security_group_rules_are_flattened() -> None:
    group = sg(
        "sg-1",
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
        {
            "IpProtocol": "tcp",
            "FromPort": 3300,
            "ToPort": 3310,
            "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "x"}],
            "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            "UserIdGroupPairs": [{"GroupId": "sg-2", "UserId": ACCT}],
        },
        {"IpProtocol": "50"},  # ESP: no ports -> all ports
    )
    g = build_graph([group, sg("sg-2")])
    attrs = g.resource("sg-1").attrs
    assert attrs["x_ingress"] == [
        {"protocol": "-1", "from_port": 0, "to_port": 65535, "cidr": "10.0.0.0/8", "ip_version": 4},
        {
            "protocol": "tcp",
            "from_port": 3300,
            "to_port": 3310,
            "cidr": "0.0.0.0/0",
            "ip_version": 4,
        },
        {"protocol": "tcp", "from_port": 3300, "to_port": 3310, "cidr": "::/0", "ip_version": 6},
    ]
    assert attrs["x_ingress_groups"] == [
        {"protocol": "tcp", "from_port": 3300, "to_port": 3310, "group_id": "sg-2", "user_id": ACCT}
    ]
    assert g.resource("sg-2").attrs["x_ingress"] == []
    assert attrs["IpPermissions"][0]["IpProtocol"] == "-1"  # raw kept


def test_cluster_references_resolve_by_aws_field_values() -> None:
    key_arn = f"arn:aws:kms:{REGION}:{ACCT}:key/k-uuid"
    resources = [
        res("c1", "rds.db_cluster", DBClusterIdentifier="c1", Engine="aurora-mysql",
            DBSubnetGroup="sng1", DBClusterParameterGroup="pg1", KmsKeyId=key_arn,
            VpcSecurityGroups=[{"VpcSecurityGroupId": "sg-1", "Status": "active"}],
            DBClusterMembers=[
                {"DBInstanceIdentifier": "i1", "IsClusterWriter": True},
                {"DBInstanceIdentifier": "i2", "IsClusterWriter": False},
            ],
            MasterUserSecret={"SecretArn": "s1"},
            ActivityStreamKmsKeyId="k-uuid",
            TagList=[{"Key": "env", "Value": "prod"}]),
        res("i1", "rds.db_instance", DBClusterIdentifier="c1", AvailabilityZone="us-east-1a",
            DBInstanceClass="db.r6g.large", PerformanceInsightsKMSKeyId="k2",
            CACertificateIdentifier="rds-ca-rsa2048-g1"),
        res("i2", "rds.db_instance", AvailabilityZone="us-east-1b"),
        res("i3", "rds.db_instance", DBInstanceIdentifier="i3"),
        res("sng1", "rds.db_subnet_group"),
        res("pg1", "rds.db_cluster_parameter_group",
            Parameters=[{"ParameterName": "require_secure_transport", "ParameterValue": "ON"},
                        {"ParameterName": "tls_version"}]),
        res(key_arn, "kms.key", KeyId="k-uuid", Arn=key_arn, KeyManager="CUSTOMER"),
        res("k2", "kms.key"),
        res("s1", "secretsmanager.secret"),
        res("rds-ca-rsa2048-g1", "rds.certificate"),
        sg("sg-1"),
        res("snap1", "rds.db_cluster_snapshot", DBClusterIdentifier="c1", KmsKeyId="k-uuid",
            DBClusterSnapshotAttributes=[{"AttributeName": "restore", "AttributeValues": ["all"]}]),
        res("g1", "rds.global_cluster", GlobalClusterMembers=[{"DBClusterArn": "c1"}]),
        res("bk1", "backup.protected_resource", ResourceArn="c1"),
    ]  # fmt: skip
    g = build_graph(resources)

    def targets(src: str, rel: str) -> list[str]:
        return [t for t, _ in g.neighbours(src, rel)]

    assert targets("c1", "member") == ["i1", "i2"]
    assert targets("i1", "member_of") == ["c1"]
    assert targets("i2", "member_of") == ["c1"]  # completed from the cluster's side
    assert targets("c1", "in_subnet_group") == ["sng1"]
    assert targets("c1", "protected_by") == ["sg-1"]
    assert targets("c1", "encrypted_with") == [key_arn]
    assert targets("c1", "activity_stream_key") == [key_arn]
    assert targets("i1", "performance_insights_key") == ["k2"]
    assert targets("i1", "uses_certificate") == ["rds-ca-rsa2048-g1"]
    assert targets("c1", "uses_parameter_group") == ["pg1"]
    assert targets("c1", "master_secret") == ["s1"]
    assert targets("snap1", "snapshot_of") == ["c1"]
    assert targets("snap1", "encrypted_with") == [key_arn]
    assert targets("g1", "global_member") == ["c1"]
    assert targets("c1", "backed_up_by") == []  # no DBClusterArn on a hand-written cluster

    c1 = g.resource("c1").attrs
    assert c1["x_writer"] == {
        "DBInstanceIdentifier": "i1",
        "AvailabilityZone": "us-east-1a",
        "DBInstanceClass": "db.r6g.large",
    }
    assert c1["x_tags"] == {"env": "prod"}
    assert g.resource("i1").attrs["x_is_cluster_writer"] is True
    assert g.resource("i2").attrs["x_is_cluster_writer"] is False
    assert g.resource("i3").attrs["x_is_cluster_writer"] is False
    assert g.resource("i3").attrs["x_tags"] == {}
    assert g.resource("pg1").attrs["x_parameters"] == {"require_secure_transport": "ON"}
    assert g.resource("snap1").attrs["x_restore"] == ["all"]


def test_references_stay_in_account_and_region_unless_arn() -> None:
    other = "210987654321"
    resources = [
        res("c1", "rds.db_cluster", DBSubnetGroup="default", KmsKeyId="k1",
            DBClusterArn=f"arn:aws:rds:{REGION}:{ACCT}:cluster:c1"),
        res("sng-a", "rds.db_subnet_group", DBSubnetGroupName="default"),
        res("sng-b", "rds.db_subnet_group", account=other, DBSubnetGroupName="default"),
        res("sng-c", "rds.db_subnet_group", region="eu-west-1", DBSubnetGroupName="default"),
        res("k1", "kms.key", account=other),
        res("g1", "rds.global_cluster", region="eu-west-1",
            GlobalClusterMembers=[{"DBClusterArn": f"arn:aws:rds:{REGION}:{ACCT}:cluster:c1"}]),
        res("bk", "backup.protected_resource",
            ResourceArn=f"arn:aws:rds:{REGION}:{ACCT}:cluster:c1"),
    ]  # fmt: skip
    g = build_graph(resources)
    assert [t for t, _ in g.neighbours("c1", "in_subnet_group")] == ["sng-a"]
    assert list(g.neighbours("c1", "encrypted_with")) == []
    assert [t for t, _ in g.neighbours("g1", "global_member")] == ["c1"]  # ARN: cross-region
    assert [t for t, _ in g.neighbours("c1", "backed_up_by")] == ["bk"]


def test_arn_falls_back_to_key_id_in_its_own_account() -> None:
    other = "210987654321"
    resources = [
        res("c1", "rds.db_cluster", KmsKeyId=f"arn:aws:kms:{REGION}:{other}:key/abc"),
        res("key-x", "kms.key", account=other, KeyId="abc"),
        res("key-y", "kms.key", KeyId="abc"),
    ]
    g = build_graph(resources)
    assert [t for t, _ in g.neighbours("c1", "encrypted_with")] == ["key-x"]


def test_event_subscriptions_cover_all_or_listed_clusters() -> None:
    resources = [
        res("c1", "rds.db_cluster", DBClusterIdentifier="c1"),
        res("c2", "rds.db_cluster", DBClusterIdentifier="c2"),
        res("c3", "rds.db_cluster", region="eu-west-1"),
        res("all", "rds.event_subscription", SourceType="db-cluster", Enabled=True),
        res("only-c2", "rds.event_subscription", SourceType="db-cluster", SourceIdsList=["c2"]),
        res("inst", "rds.event_subscription", SourceType="db-instance"),
    ]
    g = build_graph(resources)
    assert [t for t, _ in g.neighbours("c1", "notified_by")] == ["all"]
    assert [t for t, _ in g.neighbours("c2", "notified_by")] == ["all", "only-c2"]
    assert list(g.neighbours("c3", "notified_by")) == []


def test_event_subscriptions_without_source_type_cover_every_cluster() -> None:
    """CreateEventSubscription: no SourceType means events from every source of the account."""
    resources = [
        res("c1", "rds.db_cluster", DBClusterIdentifier="c1"),
        res("c2", "rds.db_cluster", DBClusterIdentifier="c2"),
        res("c3", "rds.db_cluster", region="eu-west-1"),
        res("c4", "rds.db_cluster", account="210987654321"),
        res("absent", "rds.event_subscription", Enabled=True),
        res("null", "rds.event_subscription", SourceType=None, Enabled=True),
        res("empty", "rds.event_subscription", SourceType="", Enabled=False),
        # SourceIds need a SourceType (API constraint): a list here narrows nothing.
        res("ids", "rds.event_subscription", SourceIdsList=["c2"]),
    ]
    g = build_graph(resources)
    every = ["absent", "empty", "ids", "null"]
    assert sorted(t for t, _ in g.neighbours("c1", "notified_by")) == every
    assert sorted(t for t, _ in g.neighbours("c2", "notified_by")) == every
    assert list(g.neighbours("c3", "notified_by")) == []
    assert list(g.neighbours("c4", "notified_by")) == []


def test_derived_facts_given_directly_are_kept_and_duplicates_ignored() -> None:
    snap = res("s", "rds.db_cluster_snapshot", x_restore=["111122223333"])
    g = build_graph([snap, res("s", "rds.db_cluster_snapshot")])
    assert g.resource("s").attrs["x_restore"] == ["111122223333"]
    assert len(g) == 1


def test_build_at_scale_links_every_member_and_group() -> None:
    """2,000 clusters sharing subnet groups and security groups.

    Build time is measured by benchmarks/evaluate.py, never asserted here.
    """
    resources = []
    for n in range(2000):
        resources += [
            res(f"c{n}", "rds.db_cluster", DBSubnetGroup=f"sng{n % 50}",
                VpcSecurityGroups=[{"VpcSecurityGroupId": f"sg-{n % 100}"}],
                DBClusterMembers=[{"DBInstanceIdentifier": f"i{n}", "IsClusterWriter": True}]),
            res(f"i{n}", "rds.db_instance", DBClusterIdentifier=f"c{n}"),
        ]  # fmt: skip
    resources += [res(f"sng{n}", "rds.db_subnet_group") for n in range(50)]
    resources += [sg(f"sg-{n}") for n in range(100)]
    g = build_graph(resources)
    assert g.edge_count("member") == 2000
    assert g.edge_count("member_of") == 2000
    assert g.edge_count("in_subnet_group") == 2000
    assert g.edge_count("protected_by") == 2000


def test_shared_vpc_subnets_and_groups_resolve_across_accounts_in_the_region() -> None:
    owner = "210987654321"
    resources = [
        res("c1", "rds.db_cluster", DBSubnetGroup="sng1",
            VpcSecurityGroups=[{"VpcSecurityGroupId": "sg-shared"}]),
        res("sng1", "rds.db_subnet_group", Subnets=[{"SubnetIdentifier": "subnet-shared"}]),
        res("subnet-shared", "ec2.subnet", account=owner, SubnetId="subnet-shared"),
        res("sg-shared", "ec2.security_group", account=owner, GroupId="sg-shared"),
        res("sg-elsewhere", "ec2.security_group", account=owner, region="eu-west-1",
            GroupId="sg-elsewhere"),
        res("sng-other", "rds.db_subnet_group", account=owner, DBSubnetGroupName="sng2"),
        res("c2", "rds.db_cluster", DBSubnetGroup="sng2",
            VpcSecurityGroups=[{"VpcSecurityGroupId": "sg-elsewhere"}]),
    ]  # fmt: skip
    g = build_graph(resources)
    assert [t for t, _ in g.neighbours("sng1", "in_subnet")] == ["subnet-shared"]
    assert [t for t, _ in g.neighbours("c1", "protected_by")] == ["sg-shared"]
    # names are never shared across accounts, and ids never across regions
    assert list(g.neighbours("c2", "in_subnet_group")) == []
    assert list(g.neighbours("c2", "protected_by")) == []
