"""The graph's vocabulary: resource types and the relations between them.

Collectors fill the graph with these types and the edge specs derive these
relations; policies are validated against them.  Both depend on this module
and never on each other.

Every table here is a view derived from the resource type declarations
(``scanner/resource_types.py``, one ``ResourceType`` per type): nothing
about a type is written twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from scanner.model import Resource
from scanner.resource_types import TYPES
from scanner.typeinfo import ResourceType, default_word

# type name -> what it is (shown by `aurora-scan policies` and in errors)
RESOURCE_TYPES = TYPES.view(lambda types: {t.name: t.description for t in types})


def _augmented(types: tuple[ResourceType, ...]) -> dict[str, dict[str, tuple[str, ...]]]:
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for t in types:
        for call in t.augments:
            by_operation = out.setdefault(t.name, {})
            by_operation[call.operation] = (*by_operation.get(call.operation, ()), call.field)
    return out


# Fields an extra call adds to a listed record (type -> operation -> fields).
# When that call fails the records it did not reach lack these fields, and a
# policy reading them is UNKNOWN for those records only: the listing itself
# answered everything else (a failed DescribeDBClusterSnapshotAttributes says
# nothing about a snapshot's StorageEncrypted).
AUGMENTED_FIELDS = TYPES.view(_augmented)


@dataclass(frozen=True)
class Relation:
    """A relation with every type that starts it (declared on each: ``typeinfo.Rel``)."""

    name: str
    sources: tuple[str, ...]
    target: str
    description: str
    lookup: bool = False  # see typeinfo.Rel
    optional: bool = False


def _relations(types: tuple[ResourceType, ...]) -> dict[str, Relation]:
    out: dict[str, Relation] = {}
    for t in types:
        for rel in t.relations:
            seen = out.get(rel.name)
            if seen is None:
                out[rel.name] = Relation(
                    rel.name, (t.name,), rel.target, rel.description, rel.lookup, rel.optional
                )
                continue
            if (seen.target, seen.description, seen.lookup, seen.optional) != (
                rel.target,
                rel.description,
                rel.lookup,
                rel.optional,
            ):
                raise ValueError(
                    f"relation {rel.name} of {t.name} differs from its declaration on "
                    f"{seen.sources[0]} (target, description, lookup and optional must agree)"
                )
            if t.name not in seen.sources:
                out[rel.name] = Relation(
                    rel.name,
                    (*seen.sources, t.name),
                    seen.target,
                    seen.description,
                    seen.lookup,
                    seen.optional,
                )
    return out


RELATIONS = TYPES.view(_relations)

# The field that names each resource for people (ids and ARNs are for machines).
NAME_FIELDS = TYPES.view(lambda types: {t.name: t.name_fields for t in types})


def resource_name(resource: Resource) -> str:
    """What people call the resource: its name field, else the tail of its id."""
    fields: Mapping[str, tuple[str, ...]] = NAME_FIELDS.snapshot()
    for key in fields.get(resource.type, ()):
        value = resource.attrs.get(key)
        if isinstance(value, str) and value:
            return value
    tail = resource.id.rsplit(":", 1)[-1]
    return tail.rsplit("/", 1)[-1] or resource.id


def type_word(resource_type: str) -> str:
    """What a message calls one resource of the type: 'cluster', 'subnet group'."""
    declared = TYPES.get(resource_type)
    return declared.display_word if declared is not None else default_word(resource_type)
