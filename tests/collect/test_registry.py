"""The declarative specs: coverage of the vocabulary and the IAM actions they need."""

from __future__ import annotations

import functools
from typing import Any

import boto3
import pytest

from scanner.collect.registry import DEPENDENT, LISTED, SPECS, all_operations, iam_actions_for
from scanner.errors import UserInputError
from scanner.vocabulary import RESOURCE_TYPES


@functools.cache
def client(service: str) -> Any:
    return boto3.session.Session(region_name="us-east-1").client(service)


def test_every_vocabulary_type_has_exactly_one_collector() -> None:
    types = [s.type for s in (*LISTED, *DEPENDENT)]
    assert sorted(types) == sorted(RESOURCE_TYPES)
    assert set(SPECS) == set(RESOURCE_TYPES)


def test_iam_actions() -> None:
    assert iam_actions_for(["aws.rds.db_cluster_snapshot"]) == [
        "rds:DescribeDBClusterSnapshotAttributes",
        "rds:DescribeDBClusterSnapshots",
    ]
    assert iam_actions_for(["aws.kms.key", "aws.secretsmanager.secret"]) == [
        "kms:DescribeKey",
        "secretsmanager:DescribeSecret",
    ]
    everything = iam_actions_for(RESOURCE_TYPES)
    assert everything == sorted(set(everything))
    assert not any("GetSecretValue" in a for a in everything)
    with pytest.raises(UserInputError, match="unknown resource type"):
        iam_actions_for(["aws.rds.nope"])


@pytest.mark.parametrize(("service", "operation"), all_operations())
def test_every_declared_operation_exists_in_botocore(service: str, operation: str) -> None:
    model = client(service).meta.service_model
    assert operation in model.operation_names


@pytest.mark.parametrize("spec", LISTED, ids=lambda s: s.type)
def test_listed_operations_paginate_and_name_their_items_key(spec: Any) -> None:
    c = client(spec.service)
    assert c.can_paginate(spec.method)
    output = c.meta.service_model.operation_model(spec.operation).output_shape
    assert spec.items_key in output.members


def test_iam_actions_of_the_lifecycle_and_instance_parameter_types() -> None:
    assert iam_actions_for(["aws.rds.db_parameter_group"]) == [
        "rds:DescribeDBParameterGroups",
        "rds:DescribeDBParameters",
    ]
    assert iam_actions_for(["aws.rds.major_engine_version"]) == [
        "rds:DescribeDBMajorEngineVersions"
    ]
