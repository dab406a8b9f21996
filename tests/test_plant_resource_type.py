"""A new resource type is one declaration: planted here, it is collected, graphed,
evaluated, asked for by `permissions`, reported and documented, with no other edit.

The planted type is the VPC network ACL (ec2 DescribeNetworkAcls, which moto
serves): it is declared at test time with ``TYPES.planted`` - the same
``ResourceType`` a maintainer would add to ``scanner/resource_types.py`` -
with two relations (to its VPC, to the subnets it guards).  Everything then
runs through the real pipeline: the CLI's ``collect`` against a moto server
(boto3 doing real HTTP requests), the snapshot file read back, the graph
export, ``evaluate`` with a policy on the new type from an extra policy
directory, ``permissions`` and ``report``, and the docs page generator.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.cli import main
from scanner.policy.loader import load_policies
from scanner.resource_types import TYPES
from scanner.result_file import read_result
from scanner.shapecheck import check_collectors, check_graph_reads, check_policy
from scanner.snapshot_file import read_snapshot
from scanner.typeinfo import Rel, ResourceType, render_markdown
from scanner.vocabulary import RELATIONS, RESOURCE_TYPES

NACL = "aws.ec2.network_acl"

NETWORK_ACL = ResourceType(
    name=NACL,
    description="VPC network ACL (DescribeNetworkAcls)",
    service="ec2",
    operation="DescribeNetworkAcls",
    items_key="NetworkAcls",
    keys=("NetworkAclId",),
    name_fields=("NetworkAclId",),
    arn_format="arn:{partition}:ec2:{region}:{account}:network-acl/{NetworkAclId}",
    account_field="OwnerId",
    tag_field="Tags",
    shared_ids=True,
    word="network ACL",
    relations=(
        Rel("acl_in_vpc", "aws.ec2.vpc", "VpcId", "network ACL -> its VPC"),
        Rel(
            "guards_subnet",
            "aws.ec2.subnet",
            "Associations[].SubnetId",
            "network ACL -> the subnets associated with it",
        ),
    ),
)

# A policy on the new type that walks its new relation.
POLICY = """\
id: custom.network_acl.not_in_default_vpc
title: Network ACL is not in the default VPC
description: A network ACL of the default VPC guards subnets nobody designed.
severity: low
resource: aws.ec2.network_acl
require:
  not:
    path:
      via: [acl_in_vpc]
      to: aws.ec2.vpc
      where: {attr: IsDefault, op: eq, value: true}
message: "Network ACL {NetworkAclId} of VPC {VpcId}"
tests:
  - name: an ACL of a custom VPC passes
    resources:
      - {type: aws.ec2.network_acl, id: acl-1, NetworkAclId: acl-1, VpcId: vpc-1}
      - {type: aws.ec2.vpc, id: vpc-1, VpcId: vpc-1, IsDefault: false}
    expect: {acl-1: pass}
  - name: an ACL of the default VPC fails
    resources:
      - {type: aws.ec2.network_acl, id: acl-1, NetworkAclId: acl-1, VpcId: vpc-d}
      - {type: aws.ec2.vpc, id: vpc-d, VpcId: vpc-d, IsDefault: true}
    expect: {acl-1: fail}
"""


@pytest.fixture
def seeded_vpcs(moto_server: Any) -> dict[str, str]:
    """A custom VPC with a subnet, beside moto's default VPC; each has its default ACL."""
    moto_server.reset()
    ec2 = moto_server.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    acls = ec2.describe_network_acls()["NetworkAcls"]
    by_vpc = {a["VpcId"]: a["NetworkAclId"] for a in acls if a.get("IsDefault")}
    default_vpc = next(v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if v["IsDefault"])
    return {
        "vpc": vpc,
        "subnet": subnet,
        "custom_acl": by_vpc[vpc],
        "default_acl": by_vpc[default_vpc],
    }


def _run(argv: list[str], capsys: Any) -> tuple[int, str]:
    capsys.readouterr()
    code = main(argv)
    return code, capsys.readouterr().out


def test_a_planted_type_goes_through_the_whole_pipeline(
    moto_server: Any,
    aws_env: None,
    seeded_vpcs: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "custom.network_acl.not_in_default_vpc.yaml").write_text(POLICY)
    snapshot_path = tmp_path / "snapshot.json"
    out = tmp_path / "out"
    custom_acl, default_acl = seeded_vpcs["custom_acl"], seeded_vpcs["default_acl"]
    assert NACL not in RESOURCE_TYPES

    with TYPES.planted(NETWORK_ACL):
        # Policies may name it and its relations (the loader validates both) ...
        assert RELATIONS["acl_in_vpc"].sources == (NACL,)
        code, _ = _run(["policies", "validate", "--policies", str(policies)], capsys)
        assert code == 0
        code, _ = _run(["policies", "test", "--policies", str(policies)], capsys)
        assert code == 0
        # ... and the shape checker reads it from botocore's NetworkAcl: its listing,
        # id fields and relation paths exist, and so does every field the policy reads.
        assert check_collectors() == []
        assert check_graph_reads() == []
        (policy,) = load_policies([policies], include_builtin=False).policies
        assert check_policy(policy) == []

        # ... collection lists it (with only the types the policy needs) ...
        code = main(
            [
                "collect",
                "--region",
                "us-east-1",
                "--resource-types",
                f"{NACL},aws.ec2.vpc,aws.ec2.subnet",
                "--output",
                str(snapshot_path),
            ]
        )
        assert code == 0
        snapshot = read_snapshot(snapshot_path)  # the file's schema accepts the new type
        acls = {r.attrs["NetworkAclId"]: r for r in snapshot.resources if r.type == NACL}
        assert {custom_acl, default_acl} <= set(acls)
        assert acls[custom_acl].id == (
            f"arn:aws:ec2:us-east-1:123456789012:network-acl/{custom_acl}"
        )
        assert snapshot.errors == ()

        # ... the graph relates it by its declared relations ...
        graph_file = tmp_path / "graph.json"
        code = main(["graph", str(snapshot_path), "--format", "json", "--output", str(graph_file)])
        assert code == 0
        graph = json.loads(graph_file.read_text())
        names = {n["id"]: n["name"] for n in graph["nodes"]}
        assert names[acls[custom_acl].id] == custom_acl
        related = {
            (e["relation"], names[e["target"]])
            for e in graph["edges"]
            if e["source"] == acls[custom_acl].id
        }
        assert ("acl_in_vpc", seeded_vpcs["vpc"]) in related
        assert ("guards_subnet", seeded_vpcs["subnet"]) in related

        # ... a policy on it is evaluated, and the findings are reported ...
        code = main(
            [
                "evaluate",
                str(snapshot_path),
                "--policies",
                str(policies),
                "--output-dir",
                str(out),
                "--format",
                "json,md,html,junit",
            ]
        )
        results = read_result(out / "results.json").to_dict()
        mine = {
            f["resource_name"]: f
            for f in results["findings"]
            if f["policy_id"] == "custom.network_acl.not_in_default_vpc"
        }
        assert mine[custom_acl]["status"] == "PASS"
        assert mine[default_acl]["status"] == "FAIL"
        assert mine[default_acl]["resource_type"] == NACL
        assert code == 1  # a non-waived FAIL at the default --fail-on
        assert "Network ACL is not in the default VPC" in (out / "summary.md").read_text()
        assert default_acl in (out / "report.html").read_text()
        assert f"{default_acl} [123456789012/us-east-1]" in (out / "junit.xml").read_text()

        # ... permissions ask for its API call, for the policy that needs it ...
        code, text = _run(["permissions", "--policies", str(policies), "--format", "json"], capsys)
        assert code == 0
        perms = json.loads(text)
        assert "ec2:DescribeNetworkAcls" in perms["target_policy"]["Statement"][0]["Action"]
        assert {"action": "ec2:DescribeNetworkAcls", "resource_types": [NACL]} in perms["actions"]
        assert perms["resource_types"][NACL] == ["custom.network_acl.not_in_default_vpc"]

        # ... and the docs page lists the type and its relations.
        page = render_markdown(TYPES.all())
        assert f"| `{NACL}` | network ACL | VPC network ACL (DescribeNetworkAcls) |" in page
        assert f"| `guards_subnet` | `{NACL}` | `aws.ec2.subnet` | `Associations[].SubnetId` |" in (
            page
        )

    # Unplanted, it is gone from every view again.
    assert NACL not in RESOURCE_TYPES and "acl_in_vpc" not in RELATIONS
    assert NACL not in render_markdown(TYPES.all())
