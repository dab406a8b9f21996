"""The declarative shape of a collector, built from a resource type declaration.

``scanner/collect/registry.py`` makes one spec per ``ResourceType``
(``scanner/resource_types.py``) joined with its ``Hooks``, if any.

A ``ResourceSpec`` says how to list one resource type: the boto3 service,
the paginated API operation, the key holding the items, how to get each
item's id (its ARN field, or an ARN format for EC2 objects that have none),
and the IAM actions it needs.  Anything an API list does not return is added
by a small ``augment`` function that runs as soon as each page is listed; with
``augment_in_use`` it runs only on the records that another type's records
name (the parameters of the cluster parameter groups clusters use).

A ``DependentSpec`` collects a type that is only fetched because another
resource references it (KMS keys, master-user secrets): one call per distinct
reference, started as soon as the page naming it is listed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from botocore import xform_name

from scanner.model import Resource
from scanner.resource_types import TYPES
from scanner.typeinfo import Rel, reference_values, resolve

Record = dict[str, Any]


class CallContext(Protocol):
    """What a collector sees: one (account, region) and ways to call and fail."""

    account: str
    region: str
    partition: str
    page_size: int | None

    def client(self, service: str) -> Any: ...

    # The client's paginator for ``method``, ended with an error on an endless
    # or looping marker and at the run's deadline.
    def paginate(self, client: Any, method: str, **kwargs: Any) -> Iterator[Record]: ...


# Adds fields to a batch of records in place; raises CallFailed on the first
# failed call (the runner records it once and skips the type's later batches).
Augment = Callable[[CallContext, list[Record]], None]


class CallFailed(Exception):
    """An augment call failed; carries what to record."""

    def __init__(self, service: str, operation: str, cause: BaseException) -> None:
        self.service = service
        self.operation = operation
        self.cause = cause
        super().__init__(f"{service}:{operation}: {cause}")


@dataclass(frozen=True)
class InUse:
    """Augment only the records that records of type ``by`` name.

    E.g. a real account lists a ``default.*`` cluster parameter group per
    engine family, each with hundreds of parameters over several pages, that
    no cluster may use: only the groups clusters name are read.  ``names``
    gives the names one ``by`` record uses; ``key`` is the field of this
    type's records they match.  Where ``by`` is not collected, or its
    listing failed, every listed record is augmented.
    """

    by: str
    names: Callable[[Record], Iterable[str]]
    key: str


@dataclass(frozen=True)
class ResourceSpec:
    type: str
    service: str
    operation: str  # API name, e.g. DescribeDBClusters
    items_key: str
    arn_field: str | None = None
    # For EC2 objects without an ARN field: str.format over the record plus
    # partition/region/account, e.g. "arn:{partition}:ec2:{region}:{account}:vpc/{VpcId}".
    arn_format: str | None = None
    account_field: str | None = None  # owner account field (EC2 OwnerId)
    params: Mapping[str, Any] = field(default_factory=dict)
    accepts_page_size: bool = False  # RDS MaxRecords 20..100; EC2 returns all by default
    augment: Augment | None = None
    augment_actions: tuple[str, ...] = ()
    augment_in_use: InUse | None = None
    keep: Callable[[Record], bool] | None = None
    # Types fetched from references in this type's records: incomplete if this fails.
    feeds: tuple[str, ...] = ()

    @property
    def method(self) -> str:
        return str(xform_name(self.operation))

    @property
    def iam_actions(self) -> tuple[str, ...]:
        return (f"{self.service}:{self.operation}", *self.augment_actions)

    def resource_id(self, record: Mapping[str, Any], ctx: CallContext) -> str:
        if self.arn_field and record.get(self.arn_field):
            return str(record[self.arn_field])
        if self.arn_format:
            # format_map, not format(**record): a record field named like one of
            # ours must not clash, and ours win.
            return self.arn_format.format_map(
                {
                    **record,
                    "partition": ctx.partition,
                    "region": ctx.region,
                    "account": self.owner(record, ctx),
                }
            )
        raise ValueError(f"{self.type}: record has no id ({self.arn_field})")

    def owner(self, record: Mapping[str, Any], ctx: CallContext) -> str:
        if self.account_field and record.get(self.account_field):
            return str(record[self.account_field])
        return ctx.account


@dataclass(frozen=True)
class Reference:
    """A value some record points at, and the region to resolve it in."""

    region: str
    value: str


@dataclass(frozen=True)
class DependentSpec:
    type: str
    service: str
    operation: str
    references: Callable[[Iterable[Resource]], Iterable[Reference]]
    # client, reference value -> (resource id, owner account, attrs)
    fetch: Callable[[Any, str], tuple[str, str, Record]]
    # Error codes meaning "the referenced object does not exist": not a gap in
    # the collection (a deleted key is a fact), recorded in context instead.
    not_found_codes: frozenset[str] = frozenset()
    extra_actions: tuple[str, ...] = ()
    # The member of the call's output that is the stored record (KeyMetadata
    # of DescribeKey); None when the whole output is (DescribeSecret).  Names
    # the record's botocore shape for scanner.shapes.
    output_member: str | None = None

    @property
    def method(self) -> str:
        return str(xform_name(self.operation))

    @property
    def iam_actions(self) -> tuple[str, ...]:
        return (f"{self.service}:{self.operation}", *self.extra_actions)


@dataclass(frozen=True)
class Hooks:
    """The behaviour a resource type declaration cannot state as data.

    A listed type with ``augments`` needs the ``augment`` function that makes
    those calls (optionally only on the records ``augment_in_use`` names); a
    fetched type (``items_key`` None) needs ``fetch``, one call per value
    other records name it by (``references``, by default the values of the
    declared relations to it: ``references_to``).  Service modules
    give them by type name (``HOOKS``); ``registry.py`` joins them to the
    declarations.
    """

    augment: Augment | None = None
    augment_in_use: InUse | None = None
    # Default: every value of a declared relation that targets the type
    # (``references_to``).
    references: Callable[[Iterable[Resource]], Iterable[Reference]] | None = None
    fetch: Callable[[Any, str], tuple[str, str, Record]] | None = None


RelationFilter = Callable[[Rel, Resource], bool]


def references_to(
    target: str, resources: Iterable[Resource], accept: RelationFilter | None = None
) -> Iterator[Reference]:
    """The values by which ``resources`` name records of ``target``: the source
    fields of their types' declared relations to it (``Rel.refs``), each
    relation kept where ``accept`` says so."""
    for r in resources:
        declared = TYPES.get(r.type)
        if declared is None:
            continue
        for rel in declared.relations:
            if rel.target != target or rel.refs is None:
                continue
            if accept is not None and not accept(rel, r):
                continue
            for value in reference_values(resolve(r.attrs, tuple(rel.refs.split(".")))):
                yield Reference(arn_region(value, r.region), value)


def arn_region(value: str, default: str) -> str:
    """The region of an ARN (``arn:partition:service:region:account:...``), else ``default``."""
    if value.startswith("arn:"):
        parts = value.split(":", 5)
        if len(parts) == 6 and parts[3]:
            return parts[3]
    return default
