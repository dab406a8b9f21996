"""Run every collector over (account, region) with a bounded thread pool.

First the accounts: resolve the targets (own account, ``accounts`` or
``org``), assume the role in each, and list its regions when ``all_regions``.

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
workers only make calls.  Clients are built once per (account, region,
service) and shared by the workers (botocore clients are thread-safe).  Every
failed call becomes a CollectionError naming what it leaves incomplete, and
collection goes on.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import queue
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import RefreshableCredentials
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from botocore.loaders import create_loader

from scanner.collect import guard
from scanner.collect._calls import error_code_and_message, jsonable
from scanner.collect.options import CollectOptions, ProgressEvent
from scanner.collect.registry import DEPENDENT, LISTED
from scanner.collect.spec import CallFailed, DependentSpec, Record, ResourceSpec
from scanner.errors import UserInputError
from scanner.model import CollectionError, Resource, Snapshot
from scanner.vocabulary import RESOURCE_TYPES

__all__ = ["CollectOptions", "ProgressEvent", "collect"]

T = TypeVar("T")


@dataclass
class AccountTarget:
    account: str
    # None: the caller's own credential chain.  Otherwise botocore
    # RefreshableCredentials from AssumeRole, shared by every client of the
    # account (they are thread-safe) and re-assumed before they expire, so an
    # organisation scan longer than the role session still succeeds.
    credentials: Any = None
    regions: tuple[str, ...] = ()
    via: str = "own credentials"


@dataclass
class _Run:
    """Shared state of one collection run (written under ``lock``)."""

    options: CollectOptions
    partition: str
    types: frozenset[str]
    lock: threading.Lock = field(default_factory=threading.Lock)
    errors: list[CollectionError] = field(default_factory=list)
    missing: list[dict[str, str]] = field(default_factory=list)
    failed_augments: set[tuple[str, str, str]] = field(default_factory=set)
    # (account, region, service) -> the first connection error seen there
    unreachable: dict[tuple[str, str, str], str] = field(default_factory=dict)
    # One client per (account, region, service), shared by every worker:
    # building one per thread cost ~8 ms of CPU per (thread, service).
    clients: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    sessions: dict[str, boto3.session.Session] = field(default_factory=dict)
    # boto3 sessions are not thread-safe: clients are built under this lock.
    client_lock: threading.Lock = field(default_factory=threading.Lock)
    # One botocore data loader for the run: every session shares the parsed
    # service models instead of re-reading them.
    loader: Any = field(default_factory=create_loader)

    def add_error(self, error: CollectionError) -> None:
        with self.lock:
            self.errors.append(error)

    def botocore_config(self) -> Config:
        o = self.options
        return Config(
            retries={"mode": "adaptive", "max_attempts": o.max_attempts},
            connect_timeout=o.connect_timeout,
            read_timeout=o.read_timeout,
            user_agent_extra="aurora-scan",
            # Every worker may share one client: keep a connection per worker.
            max_pool_connections=max(10, o.max_workers),
        )

    def client(self, target: AccountTarget | None, region: str, service: str) -> Any:
        """The run's client for (credentials, region, service), built once, guard installed.

        The caller's own credentials are keyed "" whichever account they
        belong to, so clients can be built before GetCallerIdentity answers.
        """
        key = (target.account if target and target.credentials else "", region, service)
        client = self.clients.get(key)
        if client is not None:
            return client
        with self.client_lock:
            client = self.clients.get(key)
            if client is None:
                client = guard.install(
                    self._session(target).client(
                        service,
                        region_name=region,
                        endpoint_url=self.options.endpoint_url,
                        config=self.botocore_config(),
                    )
                )
                self.clients[key] = client
        return client

    def _session(self, target: AccountTarget | None) -> boto3.session.Session:
        """One session per credential set (called under ``client_lock``)."""
        creds = target.credentials if target else None
        key = target.account if creds and target else ""
        session = self.sessions.get(key)
        if session is None:
            core = botocore.session.get_session()
            core.register_component("data_loader", self.loader)
            if creds is None:
                session = boto3.session.Session(
                    botocore_session=core, profile_name=self.options.profile
                )
            else:
                # botocore has no public setter for refreshable credentials.
                core._credentials = creds
                session = boto3.session.Session(botocore_session=core)
            self.sessions[key] = session
        return session


class _Ctx:
    """The CallContext handed to collectors and augment functions."""

    def __init__(self, run: _Run, target: AccountTarget, region: str) -> None:
        self.run = run
        self.target = target
        self.account = target.account
        self.region = region
        self.partition = run.partition
        self.page_size = run.options.page_size

    def client(self, service: str) -> Any:
        return self.run.client(self.target, self.region, service)

    def record_error(
        self, exc: BaseException, service: str, operation: str, resource_types: Iterable[str]
    ) -> None:
        code, message = error_code_and_message(exc)
        self.record(code, message, service, operation, resource_types)

    def record(
        self, code: str, message: str, service: str, operation: str, types: Iterable[str]
    ) -> None:
        self.run.add_error(
            CollectionError(
                account=self.account,
                region=self.region,
                service=service,
                operation=operation,
                error_code=code,
                message=message,
                resource_types=tuple(sorted(set(types) & self.run.types)),
            )
        )


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# ----- the calls each task makes --------------------------------------------------


# Most records per augment or dependent task: small enough to spread one
# region's snapshots or secrets over the pool, large enough that task overhead
# stays negligible.  Fewer records are split into one batch per worker.
AUGMENT_BATCH = 25


@dataclass
class _Listing:
    ctx: _Ctx
    spec: ResourceSpec
    records: list[dict[str, Any]]
    failed: bool = False


def _unreachable(exc: BaseException) -> bool:
    # A read timeout has already outlasted every retry: a hanging endpoint
    # would make each later listing wait max_attempts x read_timeout again.
    return isinstance(exc, EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError)


PageFn = Callable[[list[Record]], None]


def list_records(ctx: _Ctx, spec: ResourceSpec, on_page: PageFn | None = None) -> _Listing:
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
        paginator = client.get_paginator(spec.method)
        config: dict[str, Any] = {}
        if ctx.page_size and spec.accepts_page_size:
            config["PageSize"] = ctx.page_size
        for page in paginator.paginate(**spec.params, PaginationConfig=config):
            # JSON data now, on the worker, while other calls are in flight:
            # converting ~1k records after the last call delayed the snapshot.
            records = [jsonable(r) for r in page.get(spec.items_key) or []]
            if spec.keep is not None:
                records = [r for r in records if spec.keep(r)]
            listing.records.extend(records)
            if on_page is not None and records:
                on_page(records)
    except Exception as exc:
        # The type (and what its records reference) is marked incomplete.
        ctx.record_error(exc, spec.service, spec.operation, (spec.type, *spec.feeds))
        listing.failed = True
        if _unreachable(exc):
            with ctx.run.lock:
                ctx.run.unreachable.setdefault(where, error_code_and_message(exc)[1])
    return listing


def augment_batch(ctx: _Ctx, spec: ResourceSpec, batch: list[Record]) -> None:
    """Run the spec's augment on one batch; the first failure per type is recorded once."""
    if spec.augment is None:
        return
    key = (ctx.account, ctx.region, spec.type)
    with ctx.run.lock:
        if key in ctx.run.failed_augments:
            return
    before = [set(record) for record in batch]
    try:
        spec.augment(ctx, batch)
    except CallFailed as failed:
        with ctx.run.lock:
            if key in ctx.run.failed_augments:
                return
            ctx.run.failed_augments.add(key)
        ctx.record_error(failed.cause, failed.service, failed.operation, (spec.type,))
    except Exception as exc:  # an augment bug must not lose the listing
        ctx.record_error(exc, spec.service, spec.augment.__name__, (spec.type,))
    finally:
        # Records are JSON data from the listing on; so must the fields added be.
        for record, keys in zip(batch, before, strict=True):
            for name in record.keys() - keys:
                record[name] = jsonable(record[name])


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


def fetch_dependents(ctx: _Ctx, spec: DependentSpec, values: Sequence[str]) -> list[Resource]:
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


class _Scheduler:
    """Tasks on the pool; pages and finished tasks come back to the calling thread.

    Only the calling thread (``drain``) reads or writes the scheduling state
    below, so it needs no lock; workers only put events on ``events``.
    """

    def __init__(
        self,
        pool: ThreadPoolExecutor,
        run: _Run,
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

    def submit(self, label: Label, fn: Callable[[], Any], kind: str) -> None:
        self.outstanding += 1
        self.total += 1
        future = self.pool.submit(fn)
        future.add_done_callback(lambda f: self.events.put((kind, label, f)))

    def start_listing(self, target: AccountTarget, region: str, spec: ResourceSpec) -> None:
        ctx = _Ctx(self.run, target, region)

        def on_page(records: list[Record]) -> None:
            self.events.put(("page", ctx, (spec, records)))

        self.submit(
            (target.account, region, spec.type),
            _bind(list_records, ctx, spec, on_page),
            "listing",
        )

    def _batches(self, items: Sequence[T]) -> Iterator[Sequence[T]]:
        size = min(AUGMENT_BATCH, max(1, -(-len(items) // self.workers)))
        for i in range(0, len(items), size):
            yield items[i : i + size]

    def _augment(self, ctx: _Ctx, spec: ResourceSpec, records: list[Record]) -> None:
        label = (ctx.account, ctx.region, spec.type)
        for batch in self._batches(records):
            self.submit(label, _bind(augment_batch, ctx, spec, list(batch)), "augment")

    def _augment_in_use(self, ctx: _Ctx, spec: ResourceSpec) -> None:
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

    def _dependents(self, ctx: _Ctx, spec: ResourceSpec, records: list[Record]) -> None:
        found = [Resource("", spec.type, ctx.account, ctx.region, r) for r in records]
        for dep in self.dependents:
            by_region: dict[str, list[str]] = defaultdict(list)
            for ref in dep.references(found):
                seen = self.seen[(ctx.account, ref.region, dep.type)]
                if ref.value not in seen:
                    seen.add(ref.value)
                    by_region[ref.region].append(ref.value)
            for region, values in sorted(by_region.items()):
                dep_ctx = ctx if region == ctx.region else _Ctx(self.run, ctx.target, region)
                for batch in self._batches(sorted(values)):
                    self.submit(
                        (ctx.account, region, dep.type),
                        _bind(fetch_dependents, dep_ctx, dep, list(batch)),
                        "dependent",
                    )

    # -- reacting --

    def _page(self, ctx: _Ctx, spec: ResourceSpec, records: list[Record]) -> None:
        """A page of ``spec`` arrived: start every call it names."""
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
        while self.outstanding:
            kind, label, payload = self.events.get()
            if kind == "page":
                spec, records = payload
                self._page(label, spec, records)
                continue
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


# ----- accounts ------------------------------------------------------------------


def _caller_identity(
    run: _Run, region: str, meanwhile: Callable[[], None] = lambda: None
) -> dict[str, str]:
    """GetCallerIdentity; ``meanwhile`` runs once the client exists, before the call."""
    try:
        sts = run.client(None, region, "sts")
        meanwhile()
        ident = sts.get_caller_identity()
    except Exception as exc:  # no credentials, bad profile, bad endpoint URL, unreachable
        code, message = error_code_and_message(exc)
        hint = "configure AWS credentials (or --profile), or --endpoint-url for a test endpoint"
        endpoint = run.options.endpoint_url
        if endpoint and _unreachable(exc):
            # The credentials are not the problem when nothing answers.
            hint = f"check that {endpoint} (--endpoint-url or AWS_ENDPOINT_URL) is up"
        raise UserInputError(
            f"cannot identify the AWS caller ({code}: {message})", hint=hint
        ) from exc
    return {k: str(ident[k]) for k in ("Account", "Arn", "UserId") if k in ident}


def _org_accounts(run: _Run, region: str, own: str) -> list[str]:
    client = run.client(None, region, "organizations")
    accounts: list[str] = []
    try:
        for page in client.get_paginator("list_accounts").paginate():
            accounts.extend(
                a["Id"] for a in page.get("Accounts", []) if a.get("Status") == "ACTIVE"
            )
    except Exception as exc:
        code, message = error_code_and_message(exc)
        run.add_error(
            CollectionError(
                own, "*", "organizations", "ListAccounts", code, message, tuple(run.types)
            )
        )
        return [own]
    return sorted(set(accounts))


def _assume(run: _Run, region: str, account: str) -> Any:
    """RefreshableCredentials for the role in ``account`` (first AssumeRole happens now)."""
    role_arn = f"arn:{run.partition}:iam::{account}:role/{run.options.role_name}"
    params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": "aurora-scan"}
    if run.options.external_id:
        params["ExternalId"] = run.options.external_id

    def fetch() -> dict[str, str]:
        creds = run.client(None, region, "sts").assume_role(**params)["Credentials"]
        return {
            "access_key": creds["AccessKeyId"],
            "secret_key": creds["SecretAccessKey"],
            "token": creds["SessionToken"],
            "expiry_time": creds["Expiration"].isoformat(),
        }

    return RefreshableCredentials.create_from_metadata(
        metadata=fetch(), refresh_using=fetch, method="sts-assume-role"
    )


def _prepare_account(
    run: _Run, target: AccountTarget, home_region: str, regions: tuple[str, ...]
) -> AccountTarget | None:
    """Assume the role (when needed) and resolve regions; None when the account is unusable."""
    try:
        if target.credentials is None and target.via != "own credentials":
            target.credentials = _assume(run, home_region, target.account)
    except Exception as exc:
        code, message = error_code_and_message(exc)
        run.add_error(
            CollectionError(
                target.account, "*", "sts", "AssumeRole", code, message, tuple(sorted(run.types))
            )
        )
        return None
    if not run.options.all_regions:
        target.regions = regions
        return target
    try:
        ec2 = run.client(target, home_region, "ec2")
        found = ec2.describe_regions(AllRegions=False)["Regions"]
        target.regions = tuple(sorted(r["RegionName"] for r in found))
    except Exception as exc:
        code, message = error_code_and_message(exc)
        run.add_error(
            CollectionError(
                target.account,
                "*",
                "ec2",
                "DescribeRegions",
                code,
                message,
                tuple(sorted(run.types)),
            )
        )
        return None
    return target


def _targets(run: _Run, caller: dict[str, str], home_region: str) -> list[AccountTarget]:
    own = caller["Account"]
    o = run.options
    wanted: list[str] = []
    if o.org:
        wanted = _org_accounts(run, home_region, own)
    elif o.accounts:
        wanted = list(dict.fromkeys(o.accounts))
    if not wanted:
        return [AccountTarget(own, None)]
    if not o.role_name:
        raise UserInputError(
            "--accounts and --org need --role-name", hint="e.g. --role-name AuroraScanReadOnly"
        )
    # The caller's own account is scanned with its own credentials.
    return [
        AccountTarget(a, None) if a == own else AccountTarget(a, None, via=f"role {o.role_name}")
        for a in wanted
    ]


# ----- orchestration --------------------------------------------------------------


def _run_all(pool: ThreadPoolExecutor, jobs: Sequence[Callable[[], T]]) -> list[T]:
    futures: list[Future[T]] = [pool.submit(fn) for fn in jobs]
    return [f.result() for f in futures]


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
    run = _Run(options=options, partition="aws", types=types)
    regions = tuple(dict.fromkeys(options.regions)) or (home,)
    listed = [s for s in LISTED if s.type in types]
    dependents = [s for s in DEPENDENT if s.type in types]

    with ThreadPoolExecutor(max_workers=max(1, options.max_workers)) as pool:

        def build_clients() -> None:
            # While GetCallerIdentity is in flight, the workers build the
            # clients the listings need (tens of ms of CPU each, e.g. ec2);
            # other accounts' clients need their role's credentials first.
            if options.org or options.accounts:
                return
            services = sorted({s.service for s in listed} | {d.service for d in dependents})
            for region in regions:
                for service in services:
                    pool.submit(_prebuild, run, region, service)

        caller = _caller_identity(run, home, build_clients)
        if caller.get("Arn", "").startswith("arn:"):
            run.partition = caller["Arn"].split(":")[1]
        prepared = _run_all(
            pool,
            [_bind(_prepare_account, run, t, home, regions) for t in _targets(run, caller, home)],
        )
        targets = sorted((t for t in prepared if t is not None), key=lambda t: t.account)
        scheduler = _Scheduler(pool, run, listed, dependents)
        for t in targets:
            for region in t.regions:
                for spec in listed:
                    scheduler.start_listing(t, region, spec)
        scheduler.drain(options.progress)
    resources = scheduler.collected()

    all_targets = _targets_for_snapshot(prepared, run)
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
        },
    )


def _regions_skipped(run: _Run) -> list[dict[str, str]]:
    """Regions (per account and service) whose endpoint never answered."""
    return [
        {"account": account, "region": region, "service": service, "reason": reason}
        for (account, region, service), reason in sorted(run.unreachable.items())
    ]


def _targets_for_snapshot(prepared: list[AccountTarget | None], run: _Run) -> list[str]:
    """Every account in scope, including those that failed (their errors say so)."""
    accounts = {t.account for t in prepared if t is not None}
    accounts.update(e.account for e in run.errors if e.region == "*" and e.account)
    return sorted(accounts)


def _prebuild(run: _Run, region: str, service: str) -> None:
    # A failure here is not recorded: the listing that needs the client
    # builds it again and records why it could not.
    with contextlib.suppress(Exception):
        run.client(None, region, service)


def _bind(fn: Callable[..., T], *args: Any) -> Callable[[], T]:
    def call() -> T:
        return fn(*args)

    return call
