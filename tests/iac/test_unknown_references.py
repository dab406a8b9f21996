"""A reference a template cannot determine leaves what it reaches unknown.

A cluster whose parameter group name is an unresolved parameter: the policies
that walk to the parameter group must be UNKNOWN, never judged on "no group"
(FAIL) - the group the stack deploys with is simply not known."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.cli import main
from scanner.model import Status
from scanner.result_file import read_result

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  ParamGroup:
    Type: String
Resources:
  Cluster:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: aurora-mysql
      StorageEncrypted: true
      DeletionProtection: true
      DBClusterParameterGroupName: {name}
  Group:
    Type: AWS::RDS::DBClusterParameterGroup
    Properties:
      Family: aurora-mysql8.0
      Description: TLS only
      Parameters: {{require_secure_transport: "ON", tls_version: "TLSv1.2"}}
"""
WALKS_TO_THE_GROUP = ("aurora.cluster.tls_enforced", "aurora.mysql.tls_min_version")


def _verdicts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> dict[str, Status]:
    (tmp_path / "stack.yaml").write_text(TEMPLATE.format(name=name))
    monkeypatch.chdir(tmp_path)
    main(["iac", "stack.yaml", "--output-dir", "out", "--format", "json", "--quiet"])
    return {
        f.policy_id: f.status
        for f in read_result(tmp_path / "out" / "results.json").findings
        if f.resource_id == "stack.yaml#Cluster"
    }


def test_an_unresolved_parameter_group_is_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    verdicts = _verdicts(tmp_path, monkeypatch, "!Ref ParamGroup")
    for policy in WALKS_TO_THE_GROUP:
        assert verdicts[policy] is Status.UNKNOWN, policy


def test_control_the_referenced_group_is_judged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    verdicts = _verdicts(tmp_path, monkeypatch, "!Ref Group")
    for policy in WALKS_TO_THE_GROUP:
        assert verdicts[policy] is Status.PASS, policy
