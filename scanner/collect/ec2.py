"""EC2 networking around the clusters: VPCs, subnets, route tables, gateways, SGs.

EC2 returns every item in one response when no MaxResults is given, so these
listings are one call per region unless AWS itself paginates.  Most EC2
objects carry no ARN field; their ids are built from the documented format.
"""

from __future__ import annotations

from scanner.collect.spec import ResourceSpec

_ARN = "arn:{partition}:ec2:{region}:{account}:"

SPECS = (
    ResourceSpec(
        type="aws.ec2.security_group",
        service="ec2",
        operation="DescribeSecurityGroups",
        items_key="SecurityGroups",
        arn_field="SecurityGroupArn",
        arn_format=_ARN + "security-group/{GroupId}",
        account_field="OwnerId",
    ),
    ResourceSpec(
        type="aws.ec2.subnet",
        service="ec2",
        operation="DescribeSubnets",
        items_key="Subnets",
        arn_field="SubnetArn",
        arn_format=_ARN + "subnet/{SubnetId}",
        account_field="OwnerId",
    ),
    ResourceSpec(
        type="aws.ec2.route_table",
        service="ec2",
        operation="DescribeRouteTables",
        items_key="RouteTables",
        arn_format=_ARN + "route-table/{RouteTableId}",
        account_field="OwnerId",
    ),
    ResourceSpec(
        type="aws.ec2.internet_gateway",
        service="ec2",
        operation="DescribeInternetGateways",
        items_key="InternetGateways",
        arn_format=_ARN + "internet-gateway/{InternetGatewayId}",
        account_field="OwnerId",
    ),
    ResourceSpec(
        type="aws.ec2.nat_gateway",
        service="ec2",
        operation="DescribeNatGateways",
        items_key="NatGateways",
        arn_format=_ARN + "natgateway/{NatGatewayId}",
    ),
    ResourceSpec(
        type="aws.ec2.vpc",
        service="ec2",
        operation="DescribeVpcs",
        items_key="Vpcs",
        arn_format=_ARN + "vpc/{VpcId}",
        account_field="OwnerId",
    ),
)
