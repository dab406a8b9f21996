"""Run every collector over (account, region) with a bounded thread pool.

Stages, each a batch of tasks on one pool:

1. accounts: resolve the targets (own account, ``accounts`` or ``org``),
   assume the role in each, and list its regions when ``all_regions``;
2. listings: one task per (account, region, resource type) running the
   paginated list, then augment tasks over batches of the listed records
   (snapshot attributes, group parameters) so that per-record calls spread
   over the pool instead of running one after another;
3. dependents: one task per (account, region, dependent type) describing
   each distinct KMS key and master-user secret the listings referenced.

Every thread keeps its own boto3 sessions and clients (boto3 clients are
built per thread; sessions are not thread-safe).  Every failed call becomes a
CollectionError naming what it leaves incomplete, and collection goes on.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence, Sized
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
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
from scanner.collect.spec import CallFailed, DependentSpec, Reference, ResourceSpec
from scanner.errors import UserInputError
from scanner.model import CollectionError, Resource, Snapshot
from scanner.vocabulary import RESOURCE_TYPES

__all__ = ["CollectOptions", "ProgressEvent", "collect"]

T = TypeVar("T")


@dataclass
class AccountTarget:
    account: str
    # None: the caller's own credential chain.  Otherwise botocore
    # RefreshableCredentials from AssumeRole, shared by every thread's session
    # (they are thread-safe) and re-assumed before they expire, so an
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
    local: threading.local = field(default_factory=threading.local)
    # One botocore data loader for every session of the run: each fresh session
    # would otherwise re-parse the service models (~0.3 s per client), which
    # dominated small collections with several threads.
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
        )

    def client(self, target: AccountTarget | None, region: str, service: str) -> Any:
        """This thread's client for (account, region, service), built once."""
        cache: dict[tuple[str, str, str], Any] | None = getattr(self.local, "clients", None)
        if cache is None:
            cache = self.local.clients = {}
        account = target.account if target else ""
        key = (account, region, service)
        client = cache.get(key)
        if client is None:
            session = self._session(target)
            client = guard.install(
                session.client(
                    service,
                    region_name=region,
                    endpoint_url=self.options.endpoint_url,
                    config=self.botocore_config(),
                )
            )
            cache[key] = client
        return client

    def _session(self, target: AccountTarget | None) -> boto3.session.Session:
        sessions: dict[str, boto3.session.Session] | None = getattr(self.local, "sessions", None)
        if sessions is None:
            sessions = self.local.sessions = {}
        creds = target.credentials if target else None
        key = target.account if creds and target else ""
        session = sessions.get(key)
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
            sessions[key] = session
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


# ----- stage 2: listings ----------------------------------------------------------


# Records per augment task: small enough to spread one region's snapshots over
# the pool, large enough that task overhead stays negligible.
AUGMENT_BATCH = 25


@dataclass
class _Listing:
    ctx: _Ctx
    spec: ResourceSpec
    records: list[dict[str, Any]]


def _unreachable(exc: BaseException) -> bool:
    # A read timeout has already outlasted every retry: a hanging endpoint
    # would make each later listing wait max_attempts x read_timeout again.
    return isinstance(exc, EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError)


def list_records(ctx: _Ctx, spec: ResourceSpec) -> _Listing:
    """Paginate ``spec``'s operation; on failure keep the pages already read.

    Once a service endpoint of (account, region) could not be reached, the
    remaining listings from it are recorded as skipped instead of each
    waiting through its own connect timeouts and retries.
    """
    records: list[dict[str, Any]] = []
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
        return _Listing(ctx, spec, records)
    try:
        client = ctx.client(spec.service)
        paginator = client.get_paginator(spec.method)
        config: dict[str, Any] = {}
        if ctx.page_size and spec.accepts_page_size:
            config["PageSize"] = ctx.page_size
        for page in paginator.paginate(**spec.params, PaginationConfig=config):
            records.extend(page.get(spec.items_key) or [])
    except Exception as exc:
        # The type (and what its records reference) is marked incomplete.
        ctx.record_error(exc, spec.service, spec.operation, (spec.type, *spec.feeds))
        if _unreachable(exc):
            with ctx.run.lock:
                ctx.run.unreachable.setdefault(where, error_code_and_message(exc)[1])
    if spec.keep is not None:
        records = [r for r in records if spec.keep(r)]
    return _Listing(ctx, spec, records)


def augment_batch(listing: _Listing, batch: list[dict[str, Any]]) -> None:
    """Run the spec's augment on one batch; the first failure per listing is recorded once."""
    spec, ctx = listing.spec, listing.ctx
    if spec.augment is None:
        return
    key = (ctx.account, ctx.region, spec.type)
    with ctx.run.lock:
        if key in ctx.run.failed_augments:
            return
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


def to_resources(listing: _Listing) -> list[Resource]:
    ctx, spec = listing.ctx, listing.spec
    out = []
    for record in listing.records:
        try:
            rid = spec.resource_id(record, ctx)
        except (KeyError, ValueError) as exc:
            ctx.record_error(exc, spec.service, spec.operation, (spec.type,))
            continue
        out.append(Resource(rid, spec.type, spec.owner(record, ctx), ctx.region, jsonable(record)))
    return out


# ----- stage 3: dependents --------------------------------------------------------


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


# ----- stage 1: accounts ----------------------------------------------------------


def _caller_identity(run: _Run, region: str) -> dict[str, str]:
    try:
        ident = run.client(None, region, "sts").get_caller_identity()
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


def _run_all(
    pool: ThreadPoolExecutor,
    jobs: Sequence[tuple[Callable[[], T], tuple[str, str, str]]],
    on_done: Callable[[tuple[str, str, str], T, int, int], None] | None = None,
) -> list[T]:
    futures: dict[Future[T], tuple[str, str, str]] = {pool.submit(fn): label for fn, label in jobs}
    results: list[T] = []
    for done, future in enumerate(as_completed(futures), start=1):
        result = future.result()
        results.append(result)
        if on_done is not None:
            on_done(futures[future], result, done, len(futures))
    return results


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


def _group_references(refs: Iterable[Reference]) -> dict[str, list[str]]:
    by_region: dict[str, set[str]] = defaultdict(set)
    for ref in refs:
        by_region[ref.region].add(ref.value)
    return {region: sorted(values) for region, values in by_region.items()}


def collect(options: CollectOptions) -> Snapshot:
    """Collect every selected resource type in every account and region."""
    started = _now()
    types = _selected_types(options)
    home = _home_region(options)
    run = _Run(options=options, partition="aws", types=types)
    caller = _caller_identity(run, home)
    if caller.get("Arn", "").startswith("arn:"):
        run.partition = caller["Arn"].split(":")[1]
    regions = tuple(dict.fromkeys(options.regions)) or (home,)
    listed = [s for s in LISTED if s.type in types]
    dependents = [s for s in DEPENDENT if s.type in types]

    with ThreadPoolExecutor(max_workers=max(1, options.max_workers)) as pool:
        prepared = _run_all(
            pool,
            [
                (_bind(_prepare_account, run, t, home, regions), (t.account, "*", "account"))
                for t in _targets(run, caller, home)
            ],
        )
        targets = sorted((t for t in prepared if t is not None), key=lambda t: t.account)

        def progress(label: tuple[str, str, str], found: Sized, done: int, total: int) -> None:
            if options.progress is not None:
                options.progress(ProgressEvent(*label, len(found), done, total))

        def listing_progress(
            label: tuple[str, str, str], listing: _Listing, done: int, total: int
        ) -> None:
            progress(label, listing.records, done, total)

        jobs = [
            (_bind(list_records, _Ctx(run, t, region), spec), (t.account, region, spec.type))
            for t in targets
            for region in t.regions
            for spec in listed
        ]
        listings = _run_all(pool, jobs, listing_progress)
        augment_jobs = [
            (
                _bind(augment_batch, listing, listing.records[i : i + AUGMENT_BATCH]),
                (listing.ctx.account, listing.ctx.region, listing.spec.type),
            )
            for listing in listings
            if listing.spec.augment is not None
            for i in range(0, len(listing.records), AUGMENT_BATCH)
        ]
        _run_all(pool, augment_jobs)
        resources = [r for listing in listings for r in to_resources(listing)]

        by_account: dict[str, list[Resource]] = defaultdict(list)
        for r in resources:
            by_account[r.account].append(r)
        dep_jobs = []
        for t in targets:
            for spec in dependents:
                grouped = _group_references(spec.references(by_account.get(t.account, [])))
                for region, values in sorted(grouped.items()):
                    dep_jobs.append(
                        (
                            _bind(fetch_dependents, _Ctx(run, t, region), spec, values),
                            (t.account, region, spec.type),
                        )
                    )
        resources += [r for batch in _run_all(pool, dep_jobs, progress) for r in batch]

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


def _bind(fn: Callable[..., T], *args: Any) -> Callable[[], T]:
    def call() -> T:
        return fn(*args)

    return call
