"""The resource type declarations (scanner/resource_types.py) are whole and agree with
the code that gives them behaviour, and docs/resource-types.md is generated from them."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from scanner import edges
from scanner.collect import registry
from scanner.collect.spec import DependentSpec, ResourceSpec
from scanner.resource_types import CLUSTER, TYPES, VPC, write_generated
from scanner.typeinfo import DOC_COMMAND, Rel, ResourceType, default_word, render_markdown
from scanner.vocabulary import NAME_FIELDS, RELATIONS, RESOURCE_TYPES, type_word

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "resource-types.md"


def test_the_docs_page_is_generated_from_the_declarations() -> None:
    assert DOC.read_text(encoding="utf-8") == render_markdown(TYPES.all()), (
        f"docs/resource-types.md is stale: run `{DOC_COMMAND}`"
    )


def test_every_type_has_identity_a_name_and_an_id() -> None:
    for t in TYPES.all():
        assert t.name.count(".") == 2 and t.name.startswith("aws."), t.name
        assert t.keys and t.name_fields, t.name
        assert t.arn_field or t.arn_format or t.fetched, f"{t.name}: no way to build its id"


def test_relations_name_declared_targets_and_a_way_to_compute_them() -> None:
    for t in TYPES.all():
        for rel in t.relations:
            assert rel.target in RESOURCE_TYPES, f"{t.name} {rel.name} -> {rel.target}"
    # A relation without a reference path needs its function in edges.SPECIAL, and
    # every function there computes a declared relation.
    assert edges.computed_relations() <= set(edges.SPECIAL)
    assert set(edges.SPECIAL) <= set(RELATIONS)
    assert edges.derived_relations() == set(RELATIONS)


def test_hooks_belong_to_declared_types_that_need_them() -> None:
    assert set(registry.HOOKS) <= set(RESOURCE_TYPES)
    for name, spec in registry.SPECS.items():
        declared = TYPES[name]
        assert isinstance(spec, DependentSpec) == declared.fetched
        if isinstance(spec, ResourceSpec):
            assert (spec.augment is not None) == bool(declared.augments), name
        assert spec.iam_actions == declared.iam_actions


def test_views_follow_the_declarations() -> None:
    assert list(RESOURCE_TYPES) == [t.name for t in TYPES.all()]
    assert NAME_FIELDS[CLUSTER] == ("DBClusterIdentifier",)
    assert RELATIONS["in_vpc"].sources[0] == "aws.rds.db_subnet_group"
    assert type_word(CLUSTER) == "cluster"
    assert type_word("aws.rds.db_subnet_group") == "subnet group"
    assert type_word("aws.x.not_declared") == default_word("aws.x.not_declared") == "not declared"


def test_a_relation_declared_twice_must_agree() -> None:
    other = replace(
        TYPES[VPC],
        name="aws.ec2.other",
        relations=(Rel("in_vpc", VPC, "VpcId", "a different meaning"),),
    )
    with (
        TYPES.planted(other),
        pytest.raises(ValueError, match=re.escape("in_vpc of aws.ec2.other differs")),
    ):
        RELATIONS["in_vpc"]


def test_a_type_is_declared_once() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        TYPES.register(TYPES[CLUSTER])


def test_a_fetched_type_without_its_reference_finder_is_refused() -> None:
    fetched = ResourceType(
        name="aws.kms.alias",
        description="x",
        service="kms",
        operation="ListAliases",
        items_key=None,
        keys=("AliasName",),
        name_fields=("AliasName",),
    )
    with pytest.raises(ValueError, match=re.escape("Hooks(fetch=...)")):
        registry.spec_for(fetched)
    augmented = replace(TYPES["aws.rds.db_cluster_snapshot"], name="aws.rds.other")
    with pytest.raises(ValueError, match=re.escape("Hooks(augment=...)")):
        registry.spec_for(augmented)


def test_the_generator_reproduces_the_checked_in_files(tmp_path: Path) -> None:
    schema = Path("scanner/collect/snapshot.schema.json")
    (tmp_path / schema.parent).mkdir(parents=True)
    (tmp_path / "docs").mkdir()
    original = (ROOT / schema).read_text(encoding="utf-8")
    stale = json.loads(original)
    stale["$defs"]["resource_type"]["enum"] = ["aws.rds.db_cluster"]
    (tmp_path / schema).write_text(json.dumps(stale), encoding="utf-8")
    written = write_generated(tmp_path)
    assert written == [tmp_path / "docs" / "resource-types.md", tmp_path / schema]
    assert (tmp_path / schema).read_text(encoding="utf-8") == original
    assert written[0].read_text(encoding="utf-8") == DOC.read_text(encoding="utf-8")
