"""One record per resource type: the shape of a declaration, and the registry of them.

The idea is Cloud Custodian's ``TypeInfo`` (``c7n/query.py``): every fact
about a resource type sits in one declaration - the API that lists it, the
fields that identify and name its records, its ARN, the relations it
starts and the key fields they match on the target, the IAM actions it
needs, the word people read for it.  Unlike Custodian's, a declaration is
data, not a class attribute of a manager subclass: ``ResourceType``
instances in ``scanner/resource_types.py``, read by the collectors
(``scanner/collect/registry.py`` builds their specs from them), the graph
(``scanner/edges.py``: relations and target keys), the policy validator and
engine (``scanner/vocabulary.py``), the shape checker (``scanner/shapes.py``),
``aurora-scan permissions`` and ``docs/resource-types.md``.

Every table those readers used to keep by hand is now a view derived from
the registry (``TypeRegistry.view``), recomputed when a declaration is
added, so a type planted at run time (``TypeRegistry.planted``, what
``tests/test_plant_resource_type.py`` does) is seen everywhere at once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, overload

Record = dict[str, Any]


@dataclass(frozen=True)
class Rel:
    """A relation that starts at the declaring type.

    ``refs`` is a path into the source record (a JMESPath subset: ``A[].B``)
    whose values are matched against the target type's ``keys`` (and id);
    ``None`` means ``scanner/edges.py`` computes the relation with a
    function of its own (``SPECIAL``: the main route table fallback, routes,
    event subscriptions).  A relation several types start (``in_vpc``) is
    declared on each of them with the same target, description and flags.
    """

    name: str
    target: str
    refs: str | None
    description: str
    # A lookup finds its targets by searching the target type (AWS Backup's
    # protected resources for a cluster's ARN), not by an id the source
    # names: finding none is an answer only when the target type was
    # collected completely in the source's account and region.
    lookup: bool = False
    # An optional enrichment: policies fall back to their own data when it
    # finds nothing (a major version's support dates, where DescribeDB-
    # MajorEngineVersions was denied or does not list a retired major), so
    # neither a missing target nor an incomplete type makes a path UNKNOWN.
    optional: bool = False


@dataclass(frozen=True)
class AugmentCall:
    """A second call that adds ``field`` to each listed record.

    ``path`` is where the value sits in the call's output; ``keep`` (for a
    list of structures) the members the collector keeps of each element.
    When the call fails, the records it did not reach lack ``field`` and a
    policy reading it is UNKNOWN for those records only.
    """

    operation: str
    field: str
    path: str
    keep: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ResourceType:
    """Everything the scanner knows about one resource type, in one place."""

    name: str  # dotted: aws.<service>.<type>, as policies, snapshots and findings write it
    description: str  # shown by `aurora-scan policies`, in errors and in the docs table
    service: str  # the boto3 client
    operation: str  # the API call that lists (or, with ``items_key`` None, fetches) records
    # The member of the listing's output holding the records; None for a type
    # fetched one call per reference other records make (KMS keys, secrets).
    items_key: str | None
    keys: tuple[str, ...]  # fields whose values identify a record (its id always does)
    name_fields: tuple[str, ...]  # the field that names a record for people, first found
    arn_field: str | None = None  # the record's own ARN field
    # For records without an ARN field: str.format over the record plus
    # partition/region/account, e.g. "arn:{partition}:ec2:{region}:{account}:vpc/{VpcId}".
    arn_format: str | None = None
    account_field: str | None = None  # owner account field (EC2 OwnerId)
    relations: tuple[Rel, ...] = ()
    word: str = ""  # what a message calls one ("cluster"); default from the name
    tag_field: str | None = None  # record field holding its tags (derive.tags)
    # Listing: fixed call parameters, whether MaxRecords pages it, which
    # records are kept (a predicate over the raw record).
    params: Mapping[str, Any] = field(default_factory=dict)
    page_size: bool = False
    keep: Callable[[Record], bool] | None = None
    augments: tuple[AugmentCall, ...] = ()
    # Fetched types: the output member that is the record (KeyMetadata of
    # DescribeKey; None: the whole output), and the error codes meaning "the
    # referenced object does not exist" (a fact, not a gap in the collection).
    output_member: str | None = None
    not_found_codes: frozenset[str] = frozenset()
    # Members botocore marks sensitive (a pending master password): masked
    # before a record is stored.
    sensitive: tuple[tuple[str, ...], ...] = ()
    # EC2-style ids unique in a region across accounts: a reference not found
    # in the source's account is looked up in every account of the region.
    shared_ids: bool = False

    @property
    def display_word(self) -> str:
        """aws.rds.db_cluster -> 'cluster'; aws.rds.db_subnet_group -> 'subnet group'."""
        return self.word or default_word(self.name)

    @property
    def fetched(self) -> bool:
        """Fetched per reference (a dependent type), not listed."""
        return self.items_key is None

    @property
    def iam_actions(self) -> tuple[str, ...]:
        """The IAM actions collecting this type needs: its call and its augment calls."""
        return (
            f"{self.service}:{self.operation}",
            *(f"{self.service}:{a.operation}" for a in self.augments),
        )


def default_word(type_name: str) -> str:
    short = type_name.rsplit(".", 1)[-1]
    return short.removeprefix("db_").replace("_", " ")


def resolve(value: Any, parts: tuple[str, ...]) -> Any:
    """Evaluate a dotted path (``Rel.refs`` split on dots) where ``name[]`` flattens a
    list, like JMESPath.

    Relation refs only need this subset; a hand-rolled walk is ~5x faster than
    jmespath.search, which dominated graph builds of 100k+ resources.
    """
    for i, part in enumerate(parts):
        flatten = part.endswith("[]")
        name = part[:-2] if flatten else part
        if not isinstance(value, Mapping):
            return None
        value = value.get(name)
        if flatten:
            if not isinstance(value, list):
                return None
            rest = parts[i + 1 :]
            return [resolve(item, rest) for item in value]
    return value


def reference_values(result: Any) -> Iterator[str]:
    """The non-empty strings (and numbers, as text) a resolved path holds."""
    if result is None:
        return
    if isinstance(result, list):
        for item in result:
            yield from reference_values(item)
    elif isinstance(result, str):
        if result:
            yield result
    elif isinstance(result, int | float):
        yield str(result)


T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")


class TypeRegistry:
    """The declared resource types, in declaration order, and tables derived from them."""

    def __init__(self, types: Sequence[ResourceType]) -> None:
        self._types: dict[str, ResourceType] = {}
        self.generation = 0
        for rtype in types:
            self.register(rtype)

    def __getitem__(self, name: str) -> ResourceType:
        return self._types[name]

    def __contains__(self, name: object) -> bool:
        return name in self._types

    def get(self, name: str) -> ResourceType | None:
        return self._types.get(name)

    def all(self) -> tuple[ResourceType, ...]:
        return tuple(self._types.values())

    def register(self, rtype: ResourceType) -> None:
        """Add a declaration; every derived view sees it from the next read on."""
        if rtype.name in self._types:
            raise ValueError(f"resource type {rtype.name} is declared twice")
        self._types[rtype.name] = rtype
        self.generation += 1

    def unregister(self, name: str) -> None:
        del self._types[name]
        self.generation += 1

    @contextlib.contextmanager
    def planted(self, *types: ResourceType) -> Iterator[None]:
        """Declare ``types`` for the duration of the block (tests, extensions)."""
        for rtype in types:
            self.register(rtype)
        try:
            yield
        finally:
            for rtype in types:
                self.unregister(rtype.name)

    def derived(self, build: Callable[[tuple[ResourceType, ...]], T]) -> Callable[[], T]:
        """``build`` over the declarations, computed again only after a change."""
        cache: list[Any] = [-1, None]

        def current() -> T:
            if cache[0] != self.generation:
                cache[1] = build(self.all())
                cache[0] = self.generation
            value: T = cache[1]
            return value

        return current

    def view(
        self, build: Callable[[tuple[ResourceType, ...]], Mapping[K, V]]
    ) -> DerivedMapping[K, V]:
        """A read-only mapping derived from the declarations, kept current."""
        return DerivedMapping(self.derived(build))

    def sequence(self, build: Callable[[tuple[ResourceType, ...]], Sequence[T]]) -> DerivedSeq[T]:
        """A read-only sequence derived from the declarations, kept current."""
        return DerivedSeq(self.derived(build))


class DerivedMapping(Mapping[K, V], Generic[K, V]):
    """A mapping that reads a table derived from the registry (see ``TypeRegistry.view``)."""

    __slots__ = ("_current",)

    def __init__(self, current: Callable[[], Mapping[K, V]]) -> None:
        self._current = current

    def __getitem__(self, key: K) -> V:
        return self._current()[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._current())

    def __len__(self) -> int:
        return len(self._current())

    def __contains__(self, key: object) -> bool:
        return key in self._current()

    def __repr__(self) -> str:
        return f"DerivedMapping({dict(self._current())!r})"

    def snapshot(self) -> Mapping[K, V]:
        """The table as it is now (a plain mapping, for hot loops)."""
        return self._current()


class DerivedSeq(Sequence[T], Generic[T]):
    """A sequence that reads a table derived from the registry (see ``TypeRegistry.sequence``)."""

    __slots__ = ("_current",)

    def __init__(self, current: Callable[[], Sequence[T]]) -> None:
        self._current = current

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        return self._current()[index]

    def __len__(self) -> int:
        return len(self._current())

    def __iter__(self) -> Iterator[T]:
        return iter(self._current())

    def __repr__(self) -> str:
        return f"DerivedSeq({list(self._current())!r})"


# ----- the docs table ---------------------------------------------------------------

# Rewrites docs/resource-types.md and the snapshot schema's type enum.
DOC_COMMAND = "python -m scanner.resource_types --write"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(items: Sequence[str]) -> str:
    return ", ".join(f"`{item}`" for item in items) or "-"


def _identity(rtype: ResourceType) -> str:
    if rtype.arn_field and rtype.arn_format:
        return f"`{rtype.arn_field}`, else `{rtype.arn_format}`"
    if rtype.arn_field:
        return f"`{rtype.arn_field}`"
    if rtype.arn_format:
        return f"`{rtype.arn_format}`"
    return "the ARN its fetch call returns" if rtype.fetched else "-"


def _listing(rtype: ResourceType) -> str:
    if rtype.fetched:
        what = f"`{rtype.output_member}` of " if rtype.output_member else ""
        return f"{what}{rtype.service} `{rtype.operation}`, once per referenced value"
    return f"{rtype.service} `{rtype.operation}` → `{rtype.items_key}`"


def render_markdown(types: Sequence[ResourceType]) -> str:
    """docs/resource-types.md: every declared type and relation, from the declarations."""
    lines = [
        "# Resource types",
        "",
        "Generated from the declarations in `scanner/resource_types.py` (one",
        "`ResourceType` each, defined in `scanner/typeinfo.py`); do not edit by hand.",
        f"Regenerate with `{DOC_COMMAND}`;",
        "`tests/test_resource_types.py` fails when this page and the declarations disagree.",
        "",
        "| type | word | what it is | collected by | IAM actions | id | identified by "
        "| named by | tags |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for t in types:
        cells = (
            f"`{t.name}`",
            t.display_word,
            _cell(t.description),
            _listing(t),
            _code(t.iam_actions),
            _identity(t),
            _code(t.keys),
            _code(t.name_fields),
            f"`{t.tag_field}`" if t.tag_field else "-",
        )
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Relations",
        "",
        "A path step in a policy follows one of these from a resource of the source",
        "type. *by field* is the source record's field whose values are matched",
        "against the target's id and identifying fields; *computed* relations are",
        "worked out by a function in `scanner/edges.py`.",
        "",
        "| relation | from | to | by field | kind | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for t in types:
        for rel in t.relations:
            kind = "lookup" if rel.lookup else "optional" if rel.optional else "reference"
            by = f"`{rel.refs}`" if rel.refs is not None else "computed"
            row = (
                f"`{rel.name}`",
                f"`{t.name}`",
                f"`{rel.target}`",
                by,
                kind,
                _cell(rel.description),
            )
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"
