"""Run every collector over (account, region) with a bounded thread pool.

First the accounts (``accounts.py``): resolve the targets (own account,
``accounts`` or ``org``), assume the role in each, and list its regions when
``all_regions``.

Then one task per (account, region, resource type) runs the paginated list,
and every call that depends on a listing is submitted to the same pool as soon
as the page naming it arrives, not after the other listings (a slow listing,
such as DescribeDBInstances paging through hundreds of instances, would
otherwise hold back every dependent call behind it):

* augments of the listed records (snapshot attributes), in batches spread
  over the pool;
* augments of only the records that another type's records use (the
  parameters of cluster parameter groups that collected clusters name);
* dependents: each distinct KMS key and master-user secret the records
  reference, described once per account and region, in batches.

The scheduling state (what was submitted, what was seen) lives on the calling
thread, which receives every page and finished task through one queue; the
workers only make calls, through the clients the run shares
(``context.py``: one per credentials, region and service).  Every
failed call becomes a CollectionError naming what it leaves incomplete, and
collection goes on.

Time is bounded by ``CollectOptions.deadline``: the calling thread never waits
past it, for any phase (caller identity, accounts, listings and the calls they
lead to).  When it passes, every unfinished task is recorded as a
``DeadlineExceeded`` error naming its operation, account and region, the run
is closed (a worker still stuck in a socket can no longer change what was
collected) and the snapshot is built from what arrived.  The workers are
daemon threads (``pool.py``), so neither the deadline nor Ctrl-C waits for a
call that never returns.  Paginated calls are capped (``_calls.pages``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import queue
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass
from typing import Any, TypeVar

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from scanner.collect import accounts
from scanner.collect._calls import error_code_and_message, jsonable, mask_sensitive
from scanner.collect.context import AccountTarget, Ctx, Run, is_unreachable
from scanner.collect.options import CollectOptions, ProgressEvent
from scanner.collect.pool import DaemonPool
from scanner.collect.registry import DEPENDENT, LISTED
from scanner.collect.spec import CallFailed, DependentSpec, Record, ResourceSpec
from scanner.errors import UserInputError
from scanner.model import CollectionError, Resource, Snapshot
from scanner.vocabulary import RESOURCE_TYPES

__all__ = ["CollectOptions", "ProgressEvent", "collect"]

T = TypeVar("T")

# tests/reliability/test_rel_readonly.py builds clients the way a run does.
_Run = Run


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# ----- the calls each task makes --------------------------------------------------


# Most records per augment or dependent task: small enough to spread one
# region's snapshots or secrets over the pool, large enough that task overhead
# stays negligible.  Fewer records are split into one batch per worker.
AUGMENT_BATCH = 25


@dataclass
class _Listing:
    ctx: Ctx
    spec: ResourceSpec
    records: list[dict[str, Any]]
    failed: bool = False


PageFn = Callable[[list[Record]], None]


def list_records(ctx: Ctx, spec: ResourceSpec, on_page: PageFn | None = None) -> _Listing:
    """Paginate ``spec``'s operation; on failure keep the pages already read.

    ``on_page`` gets each page's kept records as soon as it arrives, so that
    the calls they lead to can start while later pages are read.  Once a
    service endpoint of (account, region) could not be reached, the remaining
    listings from it are recorded as skipped instead of each waiting through
    its own connect timeouts and retries.
    """
    listing = _Listing(ctx, spec, [])
    where = (ctx.account, ctx.region, spec.service)
    with ctx.run.lock:
        dead = ctx.run.unreachable.get(where)
    if dead is not None:
        ctx.record(
            "RegionUnreachable",
            f"skipped: an earlier {spec.service} call in this region got no answer ({dead})",
            spec.service,
            spec.operation,
            (spec.type, *spec.feeds),
        )
        listing.failed = True
        return listing
    try:
        client = ctx.client(spec.service)
        config: dict[str, Any] = {}
        if ctx.page_size and spec.accepts_page_size:
            config["PageSize"] = ctx.page_size
        for page in ctx.paginate(client, spec.method, **spec.params, PaginationConfig=config):
            # JSON data now, on the worker, while other calls are in flight:
            # converting ~1k records after the last call delayed the snapshot.
            records = [
                mask_sensitive(spec.type, jsonable(r)) for r in page.get(spec.items_key) or []
            ]
            if spec.keep is not None:
                records = [r for r in records if spec.keep(r)]
            listing.records.extend(records)
            if on_page is not None and records:
                on_page(records)
    except Exception as exc:
        # The type (and what its records reference) is marked incomplete.
        ctx.record_error(exc, spec.service, spec.operation, (spec.type, *spec.feeds))
        listing.failed = True
        if is_unreachable(exc):
            with ctx.run.lock:
                if not ctx.run.closed:
                    ctx.run.unreachable.setdefault(where, error_code_and_message(exc)[1])
    return listing


def augment_batch(ctx: Ctx, spec: ResourceSpec, batch: list[Record]) -> None:
    """Run the spec's augment on one batch; the first failure per type is recorded once."""
    if spec.augment is None:
        return
    key = (ctx.account, ctx.region, spec.type)
    with ctx.run.lock:
        if key in ctx.run.failed_augments:
            return
    # The augment works on copies: the listed records change only under the
    # run's lock, and not at all once the deadline closed the run (the calling
    # thread is then reading them).
    copies = [dict(record) for record in batch]
    try:
        spec.augment(ctx, copies)
    except CallFailed as failed:
        with ctx.run.lock:
            if key in ctx.run.failed_augments:
                return
            ctx.run.failed_augments.add(key)
        ctx.record_error(failed.cause, failed.service, failed.operation, (spec.type,))
    except Exception as exc:  # an augment bug must not lose the listing
        ctx.record_error(exc, spec.service, spec.augment.__name__, (spec.type,))
    _merge(ctx, batch, copies)


def _merge(ctx: Ctx, batch: list[Record], copies: list[Record]) -> None:
    """The fields an augment added (those it reached before any failure), as JSON data."""
    with ctx.run.lock:
        if ctx.run.closed:
            return
        for record, copy in zip(batch, copies, strict=True):
            for name, value in copy.items():
                if name not in record or record[name] is not value:
                    record[name] = jsonable(value)


def to_resources(listing: _Listing) -> list[Resource]:
    ctx, spec = listing.ctx, listing.spec
    out = []
    for record in listing.records:
        try:
            rid = spec.resource_id(record, ctx)
        except (KeyError, ValueError) as exc:
            ctx.record_error(exc, spec.service, spec.operation, (spec.type,))
            continue
        # Already JSON data: converted as each page arrived (list_records).
        out.append(Resource(rid, spec.type, spec.owner(record, ctx), ctx.region, record))
    return out


def fetch_dependents(ctx: Ctx, spec: DependentSpec, values: Sequence[str]) -> list[Resource]:
    """One describe per distinct referenced value, in the value's own region."""
    out: list[Resource] = []
    client = ctx.client(spec.service)
    for value in values:
        try:
            rid, owner, record = spec.fetch(client, value)
        except Exception as exc:
            code, message = error_code_and_message(exc)
            if isinstance(exc, ClientError) and code in spec.not_found_codes:
                # The reference names nothing (e.g. a deleted key): a fact, not a gap.
                with ctx.run.lock:
                    if not ctx.run.closed:
                        ctx.run.missing.append(
                            {"type": spec.type, "reference": value, "region": ctx.region}
                        )
                continue
            ctx.record(code, f"{value}: {message}", spec.service, spec.operation, (spec.type,))
            continue
        out.append(Resource(rid, spec.type, owner or ctx.account, ctx.region, jsonable(record)))
    return out


# ----- scheduling -----------------------------------------------------------------


Label = tuple[str, str, str]  # account, region, resource type


@dataclass(frozen=True)
class _Work:
    """What a submitted task calls: named in its error if the deadline abandons it."""

    account: str
    region: str
    service: str
    operation: str
    types: tuple[str, ...]
    # A listing's context and spec: the pages it delivered are kept.
    listing: tuple[Ctx, ResourceSpec] | None = None


def _augment_call(spec: ResourceSpec) -> tuple[str, str]:
    """(service, operation) an augment makes: provenance maps its fields by operation."""
    if spec.augment_actions:
        service, operation = spec.augment_actions[0].split(":", 1)
        return service, operation
    return spec.service, spec.augment.__name__ if spec.augment else "augment"


def _deadline_error(
    run: Run, account: str, region: str, service: str, operation: str, types: Iterable[str], n: int
) -> CollectionError:
    seconds = run.options.deadline or 0
    return CollectionError(
        account=account,
        region=region,
        service=service,
        operation=operation,
        error_code="DeadlineExceeded",
        message=f"{service}:{operation} had not finished when the collection deadline "
        f"(--deadline {seconds:g}s) passed: {n} call(s) abandoned, what they would have "
        "read is missing",
        resource_types=tuple(sorted(set(types) & run.types)),
    )


class _Scheduler:
    """Tasks on the pool; pages and finished tasks come back to the calling thread.

    Only the calling thread (``drain``) reads or writes the scheduling state
    below, so it needs no lock; workers only put events on ``events``.
    """

    def __init__(
        self,
        pool: DaemonPool,
        run: Run,
        listed: Sequence[ResourceSpec],
        dependents: Sequence[DependentSpec],
    ) -> None:
        self.pool = pool
        self.run = run
        self.workers = max(1, run.options.max_workers)
        self.listed = {s.type: s for s in listed}
        self.dependents = dependents
        self.events: queue.SimpleQueue[tuple[str, Any, Any]] = queue.SimpleQueue()
        self.outstanding = 0
        self.done = 0
        self.total = 0
        self.listings: list[_Listing] = []
        self.resources: list[Resource] = []
        # Tasks submitted and not finished, and the records each listing has
        # delivered so far: what the deadline abandons, and what it keeps.
        self.pending: dict[Future[Any], _Work] = {}
        self.received: dict[Label, list[Record]] = defaultdict(list)
        # (account, region, type) -> values already submitted (keys, secrets, groups)
        self.seen: dict[Label, set[str]] = defaultdict(set)
        # In-use augments, per (account, region, augmented type): the names
        # the using type's records gave so far, and the listed records by
        # name.  A record is augmented once both have arrived, so a name no
        # listed record has (moto's clusters name default.* groups it does not
        # list) is never described.
        self.wanted: dict[Label, set[str]] = defaultdict(set)
        self.by_name: dict[Label, dict[str, Record]] = defaultdict(dict)
        # Where the using type's listing failed, which records are in use is
        # unknown: every listed record of the type is augmented instead.
        self.augment_all: set[Label] = set()
        # Types whose records decide which records of another type are augmented.
        self.users: dict[str, list[ResourceSpec]] = defaultdict(list)
        for spec in listed:
            if spec.augment_in_use is not None and spec.augment_in_use.by in self.listed:
                self.users[spec.augment_in_use.by].append(spec)

    # -- submitting --

    def submit(self, label: Label, fn: Callable[[], Any], kind: str, work: _Work) -> None:
        self.outstanding += 1
        self.total += 1
        future = self.pool.submit(fn)
        self.pending[future] = work
        future.add_done_callback(lambda f: self.events.put((kind, label, f)))

    def start_listing(self, target: AccountTarget, region: str, spec: ResourceSpec) -> None:
        ctx = Ctx(self.run, target, region)

        def on_page(records: list[Record]) -> None:
            self.events.put(("page", ctx, (spec, records)))

        self.submit(
            (target.account, region, spec.type),
            _bind(list_records, ctx, spec, on_page),
            "listing",
            _Work(
                target.account,
                region,
                spec.service,
                spec.operation,
                (spec.type, *spec.feeds),
                (ctx, spec),
            ),
        )

    def _batches(self, items: Sequence[T]) -> Iterator[Sequence[T]]:
        size = min(AUGMENT_BATCH, max(1, -(-len(items) // self.workers)))
        for i in range(0, len(items), size):
            yield items[i : i + size]

    def _augment(self, ctx: Ctx, spec: ResourceSpec, records: list[Record]) -> None:
        label = (ctx.account, ctx.region, spec.type)
        work = _Work(ctx.account, ctx.region, *_augment_call(spec), (spec.type,))
        for batch in self._batches(records):
            self.submit(label, _bind(augment_batch, ctx, spec, list(batch)), "augment", work)

    def _augment_in_use(self, ctx: Ctx, spec: ResourceSpec) -> None:
        """Augment the listed records now known to be in use (each once)."""
        label = (ctx.account, ctx.region, spec.type)
        by_name, seen = self.by_name[label], self.seen[label]
        every = label in self.augment_all or (
            spec.augment_in_use is not None and spec.augment_in_use.by not in self.listed
        )
        names = by_name.keys() if every else self.wanted[label] & by_name.keys()
        fresh = sorted(names - seen)
        seen.update(fresh)
        self._augment(ctx, spec, [by_name[n] for n in fresh])

    def _dependents(self, ctx: Ctx, spec: ResourceSpec, records: list[Record]) -> None:
        found = [Resource("", spec.type, ctx.account, ctx.region, r) for r in records]
        for dep in self.dependents:
            by_region: dict[str, list[str]] = defaultdict(list)
            for ref in dep.references(found):
                seen = self.seen[(ctx.account, ref.region, dep.type)]
                if ref.value not in seen:
                    seen.add(ref.value)
                    by_region[ref.region].append(ref.value)
            for region, values in sorted(by_region.items()):
                dep_ctx = ctx if region == ctx.region else Ctx(self.run, ctx.target, region)
                work = _Work(ctx.account, region, dep.service, dep.operation, (dep.type,))
                for batch in self._batches(sorted(values)):
                    self.submit(
                        (ctx.account, region, dep.type),
                        _bind(fetch_dependents, dep_ctx, dep, list(batch)),
                        "dependent",
                        work,
                    )

    # -- reacting --

    def _page(self, ctx: Ctx, spec: ResourceSpec, records: list[Record]) -> None:
        """A page of ``spec`` arrived: start every call it names."""
        self.received[(ctx.account, ctx.region, spec.type)].extend(records)
        # References first: an augment running on these records adds fields.
        self._dependents(ctx, spec, records)
        for user in self.users.get(spec.type, ()):
            assert user.augment_in_use is not None
            wanted = self.wanted[(ctx.account, ctx.region, user.type)]
            wanted.update(n for r in records for n in user.augment_in_use.names(r))
            self._augment_in_use(ctx, user)
        if spec.augment is None:
            return
        in_use = spec.augment_in_use
        if in_use is None:
            self._augment(ctx, spec, records)
            return
        by_name = self.by_name[(ctx.account, ctx.region, spec.type)]
        by_name.update((str(r[in_use.key]), r) for r in records if r.get(in_use.key))
        self._augment_in_use(ctx, spec)

    def _listed(self, listing: _Listing) -> None:
        self.listings.append(listing)
        if not listing.failed:
            return
        ctx = listing.ctx
        for user in self.users.get(listing.spec.type, ()):
            self.augment_all.add((ctx.account, ctx.region, user.type))
            self._augment_in_use(ctx, user)

    def drain(self, progress: Callable[[ProgressEvent], None] | None) -> None:
        """Handle pages and finished tasks until none is left or the deadline passes."""
        while self.outstanding:
            if self.run.expired():
                self.abandon()
                return
            try:
                # Never past the deadline, however long a worker's call takes.
                kind, label, payload = self.events.get(timeout=self.run.remaining())
            except queue.Empty:
                continue
            if kind == "page":
                spec, records = payload
                self._page(label, spec, records)
                continue
            self.pending.pop(payload, None)
            self.outstanding -= 1
            self.done += 1
            result = payload.result()  # a bug in a task is raised here
            count = 0
            if kind == "listing":
                self._listed(result)
                count = len(result.records)
            elif kind == "dependent":
                self.resources.extend(result)
                count = len(result)
            if progress is not None:
                account, region, rtype = label
                progress(ProgressEvent(account, region, rtype, count, self.done, self.total))

    def abandon(self) -> None:
        """The deadline passed: record every unfinished task, keep what listings delivered."""
        grouped: dict[tuple[str, str, str, str], tuple[set[str], int]] = {}
        for work in self.pending.values():
            key = (work.account, work.region, work.service, work.operation)
            types, n = grouped.get(key, (set(), 0))
            grouped[key] = (types | set(work.types), n + 1)
            if work.listing is not None:
                ctx, spec = work.listing
                kept = self.received.get((ctx.account, ctx.region, spec.type), [])
                self.listings.append(_Listing(ctx, spec, list(kept), failed=True))
        self.run.close(
            _deadline_error(self.run, *key, types, n) for key, (types, n) in sorted(grouped.items())
        )
        self.pending.clear()
        self.outstanding = 0

    def collected(self) -> list[Resource]:
        """Every listed and dependent resource."""
        return [r for listing in self.listings for r in to_resources(listing)] + self.resources

    def unused(self) -> list[dict[str, str]]:
        """Listed records an in-use augment skipped: no collected user names them."""
        out = []
        for listing in self.listings:
            spec, ctx = listing.spec, listing.ctx
            if spec.augment_in_use is None:
                continue
            done = self.seen.get((ctx.account, ctx.region, spec.type), set())
            for record in listing.records:
                name = str(record.get(spec.augment_in_use.key) or "")
                if name not in done:
                    out.append(
                        {
                            "type": spec.type,
                            "name": name,
                            "account": ctx.account,
                            "region": ctx.region,
                            "reason": f"no collected {spec.augment_in_use.by} uses it",
                        }
                    )
        return sorted(out, key=lambda u: (u["type"], u["account"], u["region"], u["name"]))


# ----- orchestration --------------------------------------------------------------


def _finished(run: Run, futures: Sequence[Future[Any]]) -> set[Future[Any]]:
    """The futures done by the deadline (all of them when there is none)."""
    done, _ = wait(futures, timeout=run.remaining())
    return set(done)


def _identify(
    run: Run, pool: DaemonPool, home: str, meanwhile: Callable[[], None]
) -> dict[str, str]:
    """GetCallerIdentity on a worker: the calling thread waits no longer than the deadline."""
    future = pool.submit(_bind(accounts.caller_identity, run, home, meanwhile))
    if future not in _finished(run, [future]):
        # Without the caller's account there is nothing to attribute a
        # snapshot to: the same user error as an endpoint that never answers.
        raise UserInputError(
            "cannot identify the AWS caller: sts:GetCallerIdentity had no answer within "
            f"{run.options.deadline or 0:g}s",
            location="--deadline",
            hint="check that the endpoint answers, or allow more time, e.g. --deadline 1h",
        )
    return future.result()


def _targets(run: Run, pool: DaemonPool, caller: dict[str, str], home: str) -> list[AccountTarget]:
    """The accounts to scan (ListAccounts for --org), by the deadline."""
    future = pool.submit(_bind(accounts.targets, run, caller, home))
    if future in _finished(run, [future]):
        return future.result()
    run.close(
        [
            _deadline_error(
                run, caller["Account"], "*", "organizations", "ListAccounts", run.types, 1
            )
        ]
    )
    return []


def _prepare(
    run: Run,
    pool: DaemonPool,
    found: Sequence[AccountTarget],
    home: str,
    regions: tuple[str, ...],
) -> list[AccountTarget | None]:
    """Assume the role and list the regions of each account; None for those that failed."""
    futures = [pool.submit(_bind(accounts.prepare_account, run, t, home, regions)) for t in found]
    done = _finished(run, futures)
    late = [t for t, f in zip(found, futures, strict=True) if f not in done]
    if late:
        run.close(
            _deadline_error(run, t.account, "*", *_preparing(t, run), run.types, 1) for t in late
        )
    return [f.result() if f in done else None for f in futures]


def _preparing(target: AccountTarget, run: Run) -> tuple[str, str]:
    """The call an unfinished account preparation was waiting for."""
    if target.credentials is None and target.via != "own credentials":
        return "sts", "AssumeRole"
    return "ec2", "DescribeRegions"


def _dedupe(resources: Iterable[Resource]) -> list[Resource]:
    """One resource per id; the first in (type, id, account, region) order wins."""
    out: dict[str, Resource] = {}
    for r in sorted(resources, key=lambda r: (r.type, r.id, r.account, r.region)):
        out.setdefault(r.id, r)
    return list(out.values())


def _selected_types(options: CollectOptions) -> frozenset[str]:
    if not options.resource_types:
        return frozenset(RESOURCE_TYPES)
    unknown = sorted(set(options.resource_types) - set(RESOURCE_TYPES))
    if unknown:
        raise UserInputError(
            f"unknown resource type {unknown[0]!r}",
            expected="one of " + ", ".join(sorted(RESOURCE_TYPES)),
        )
    return frozenset(options.resource_types)


def _home_region(options: CollectOptions) -> str:
    if options.regions:
        return options.regions[0]
    try:
        session = boto3.session.Session(profile_name=options.profile)
    except BotoCoreError as exc:  # e.g. ProfileNotFound
        raise UserInputError(str(exc), location="--profile") from None
    if session.region_name:
        return str(session.region_name)
    if options.all_regions:
        return "us-east-1"
    raise UserInputError(
        "no region given", hint="pass --region us-east-1 (repeatable) or --all-regions"
    )


def collect(options: CollectOptions) -> Snapshot:
    """Collect every selected resource type in every account and region."""
    started = _now()
    types = _selected_types(options)
    home = _home_region(options)
    run = Run(options=options, partition="aws", types=types)
    regions = tuple(dict.fromkeys(options.regions)) or (home,)
    listed = [s for s in LISTED if s.type in types]
    dependents = [s for s in DEPENDENT if s.type in types]

    # Not a ThreadPoolExecutor: it would join a worker stuck in a socket.
    with DaemonPool(options.max_workers) as pool:

        def build_clients() -> None:
            # While GetCallerIdentity is in flight, the workers build the
            # clients the listings need (tens of ms of CPU each, e.g. ec2);
            # other accounts' clients need their role's credentials first.
            if options.org or options.accounts:
                return
            services = sorted({s.service for s in listed} | {d.service for d in dependents})
            for region in regions:
                for service in services:
                    pool.submit(_bind(_prebuild, run, region, service))

        caller = _identify(run, pool, home, build_clients)
        if caller.get("Arn", "").startswith("arn:"):
            run.partition = caller["Arn"].split(":")[1]
        prepared = _prepare(run, pool, _targets(run, pool, caller, home), home, regions)
        targets = sorted((t for t in prepared if t is not None), key=lambda t: t.account)
        scheduler = _Scheduler(pool, run, listed, dependents)
        if not run.closed:
            for t in targets:
                for region in t.regions:
                    for spec in listed:
                        scheduler.start_listing(t, region, spec)
            scheduler.drain(options.progress)
    resources = scheduler.collected()

    all_targets = accounts.targets_for_snapshot(prepared, run)
    scanned_regions = sorted({r for t in targets for r in t.regions} or set(regions))
    return Snapshot(
        collected_at=started,
        accounts=tuple(all_targets),
        regions=tuple(scanned_regions),
        resources=tuple(_dedupe(resources)),
        errors=tuple(sorted(run.errors, key=lambda e: (e.account, e.region, e.operation))),
        context={
            "caller_identity": caller,
            "regions_skipped": _regions_skipped(run),
            "started_at": started,
            "finished_at": _now(),
            "regions_requested": "all" if options.all_regions else list(regions),
            "accounts": {t.account: {"via": t.via, "regions": list(t.regions)} for t in targets},
            "resource_types": sorted(types),
            "missing_references": sorted(
                run.missing, key=lambda m: (m["type"], m["reference"], m["region"])
            ),
            # e.g. cluster parameter groups no collected cluster uses: listed,
            # their parameters not read (no policy can reach them).
            "not_augmented_unused": scheduler.unused(),
            "deadline_seconds": options.deadline,
            # True when the deadline cut the collection short (DeadlineExceeded errors say where).
            "deadline_exceeded": run.closed,
        },
    )


def _regions_skipped(run: Run) -> list[dict[str, str]]:
    """Regions (per account and service) whose endpoint never answered."""
    return [
        {"account": account, "region": region, "service": service, "reason": reason}
        for (account, region, service), reason in sorted(run.unreachable.items())
    ]


def _prebuild(run: Run, region: str, service: str) -> None:
    # A failure here is not recorded: the listing that needs the client
    # builds it again and records why it could not.
    with contextlib.suppress(Exception):
        run.client(None, region, service)


def _bind(fn: Callable[..., T], *args: Any) -> Callable[[], T]:
    def call() -> T:
        return fn(*args)

    return call
