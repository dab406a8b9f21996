"""CollectOptions: everything a collection run needs to know (no argparse here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ProgressEvent:
    """One collector task finished: how many resources it found, and overall progress."""

    account: str
    region: str
    resource_type: str
    count: int
    done: int
    total: int


ProgressFn = Callable[[ProgressEvent], None]

# A scheduled scan must end: after this long, unfinished calls are recorded as
# DeadlineExceeded collection errors and the snapshot is built from the rest.
DEFAULT_DEADLINE = 1800.0
# Most pages one paginated call chain may return (a listing, one parameter
# group's parameters, ListAccounts): 100,000 records at RDS's largest page
# size.  More is an endless marker, recorded as PaginationLimitExceeded.
MAX_PAGES = 1000


@dataclass(frozen=True)
class CollectOptions:
    regions: tuple[str, ...] = ()  # empty and not all_regions: the session's default region
    all_regions: bool = False  # every region enabled in each account (ec2:DescribeRegions)
    endpoint_url: str | None = None  # else AWS_ENDPOINT_URL, honoured by botocore itself
    profile: str | None = None
    accounts: tuple[str, ...] = ()  # other accounts to scan by assuming role_name
    role_name: str | None = None
    external_id: str | None = None
    org: bool = False  # scan every ACTIVE account of the organisation
    resource_types: tuple[str, ...] = ()  # empty: every type in the vocabulary
    max_workers: int = 8
    page_size: int | None = None  # RDS MaxRecords (20..100); None: the service default
    max_attempts: int = 8  # botocore adaptive retry budget per call
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    deadline: float | None = DEFAULT_DEADLINE  # seconds for the whole collection; None: none
    max_pages: int = MAX_PAGES
    progress: ProgressFn | None = field(default=None, compare=False, repr=False)
