"""EC2 networking around the clusters: VPCs, subnets, route tables, gateways, SGs.

EC2 returns every item in one response when no MaxResults is given, so these
listings are one call per region unless AWS itself paginates.  Most EC2
objects carry no ARN field; their ids are built from the documented format.
"""

from __future__ import annotations

from scanner.collect.spec import ResourceSpec


def _ec2(
    name: str,
    operation: str,
    items_key: str,
    arn_resource: str,
    *,
    arn_field: str | None = None,
    owned: bool = True,
) -> ResourceSpec:
    """One EC2 listing: ``arn_resource`` is the ARN's resource part over record fields."""
    return ResourceSpec(
        type=f"aws.ec2.{name}",
        service="ec2",
        operation=operation,
        items_key=items_key,
        arn_field=arn_field,
        arn_format="arn:{partition}:ec2:{region}:{account}:" + arn_resource,
        # OwnerId puts a shared subnet or VPC in its owner's account, not the viewer's.
        account_field="OwnerId" if owned else None,
    )


SPECS = (
    _ec2(
        "security_group",
        "DescribeSecurityGroups",
        "SecurityGroups",
        "security-group/{GroupId}",
        arn_field="SecurityGroupArn",
    ),
    _ec2("subnet", "DescribeSubnets", "Subnets", "subnet/{SubnetId}", arn_field="SubnetArn"),
    _ec2("route_table", "DescribeRouteTables", "RouteTables", "route-table/{RouteTableId}"),
    _ec2(
        "internet_gateway",
        "DescribeInternetGateways",
        "InternetGateways",
        "internet-gateway/{InternetGatewayId}",
    ),
    # NAT gateways carry no OwnerId: they belong to the account that lists them.
    _ec2(
        "nat_gateway",
        "DescribeNatGateways",
        "NatGateways",
        "natgateway/{NatGatewayId}",
        owned=False,
    ),
    _ec2("vpc", "DescribeVpcs", "Vpcs", "vpc/{VpcId}"),
)
