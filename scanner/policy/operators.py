"""The operator table: one flat mapping of small functions.

Each operator is ``fn(observed, expected, ctx) -> bool``.  The engine never
calls an operator with a missing observed value (JMESPath ``null``): a missing
attribute makes every operator false except ``exists``, which is handled here
too so the rule lives in one place (:func:`apply`).

The policy schema's ``op`` enum is generated from :data:`OPERATORS`, and the
loader asks :func:`check_value` whether a literal value suits its operator, so
adding an operator is one entry here and nothing else.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import re2  # type: ignore[import-untyped]


@dataclass(frozen=True)
class OpContext:
    """What operators may consult besides their operands.

    ``now`` is the snapshot's collection time, never the wall clock, so date
    checks give the same answer every time a snapshot is re-evaluated.
    """

    now: dt.datetime


OpFn = Callable[[Any, Any, OpContext], bool]
# Returns a problem description when a literal value cannot suit the operator.
ValueCheck = Callable[[Any], str | None]


@dataclass(frozen=True)
class Operator:
    name: str
    fn: OpFn
    unary: bool
    description: str
    check: ValueCheck | None = None


# ----- helpers ------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_number(value: Any) -> float | None:
    """Numbers, and strings holding numbers (Aurora parameter values are strings)."""
    if _is_number(value):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _same(a: Any, b: Any) -> bool:
    """Equality that does not let ``True == 1`` through."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    return type(a) is type(b) and bool(a == b)


def _ci(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip().lower()


def _compare(op: Callable[[float, float], bool]) -> OpFn:
    def fn(observed: Any, expected: Any, ctx: OpContext) -> bool:
        a, b = _as_number(observed), _as_number(expected)
        if a is not None and b is not None:
            return op(a, b)
        if isinstance(observed, str) and isinstance(expected, str):
            return op(observed, expected)  # type: ignore[arg-type]
        return False

    return fn


def parse_timestamp(value: Any) -> dt.datetime | None:
    """A datetime, date or ISO 8601 string (``Z`` allowed) as an aware datetime (UTC when
    naive); None for anything else."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


@lru_cache(maxsize=4096)
def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def _re2_options() -> re2.Options:
    options = re2.Options()
    # RE2 logs every rejected pattern to stderr from C++; the loader reports it once.
    options.log_errors = False
    return options


_RE2_OPTIONS = _re2_options()


@lru_cache(maxsize=1024)
def compiled_regex(pattern: str) -> Any:
    """RE2, not ``re``: matching is linear in the input, so a policy's pattern such
    as ``(a+)+$`` cannot backtrack for hours on a 35-character tag (no
    backreferences or lookaround, which the loader rejects)."""
    return re2.compile(pattern, _RE2_OPTIONS)


def regex_problem(pattern: str) -> str | None:
    """Why RE2 cannot take ``pattern`` (a backreference, lookaround, bad syntax), or None."""
    try:
        pattern.encode("utf-8")
        compiled_regex(pattern)
    except UnicodeEncodeError:
        return "text without lone surrogates"
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        return f"a valid regular expression ({reason}; RE2 syntax: no backreferences or lookaround)"
    return None


def _utf8_safe(text: str) -> str:
    # RE2 matches UTF-8: a lone surrogate in resource data becomes U+FFFD.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


# ----- operators ------------------------------------------------------------


def op_eq(observed: Any, expected: Any, ctx: OpContext) -> bool:
    return _same(observed, expected)


def op_ne(observed: Any, expected: Any, ctx: OpContext) -> bool:
    return not _same(observed, expected)


def op_eq_ci(observed: Any, expected: Any, ctx: OpContext) -> bool:
    return _ci(observed) == _ci(expected)


def op_in(observed: Any, expected: Any, ctx: OpContext) -> bool:
    return any(_same(observed, e) for e in _as_list(expected))


def op_in_ci(observed: Any, expected: Any, ctx: OpContext) -> bool:
    value = _ci(observed)
    return any(value == _ci(e) for e in _as_list(expected))


def op_not_in(observed: Any, expected: Any, ctx: OpContext) -> bool:
    return not op_in(observed, expected, ctx)


def op_contains(observed: Any, expected: Any, ctx: OpContext) -> bool:
    if isinstance(observed, str):
        return isinstance(expected, str) and expected in observed
    if isinstance(observed, list | tuple):
        return any(_same(item, expected) for item in observed)
    if isinstance(observed, Mapping):
        return expected in observed
    return False


def op_not_contains(observed: Any, expected: Any, ctx: OpContext) -> bool:
    if not isinstance(observed, str | list | tuple | Mapping):
        return False
    return not op_contains(observed, expected, ctx)


def op_contains_all(observed: Any, expected: Any, ctx: OpContext) -> bool:
    return all(op_contains(observed, e, ctx) for e in _as_list(expected))


def op_contains_any(observed: Any, expected: Any, ctx: OpContext) -> bool:
    return any(op_contains(observed, e, ctx) for e in _as_list(expected))


def op_starts_with(observed: Any, expected: Any, ctx: OpContext) -> bool:
    return isinstance(observed, str) and any(
        isinstance(e, str) and observed.startswith(e) for e in _as_list(expected)
    )


def op_ends_with(observed: Any, expected: Any, ctx: OpContext) -> bool:
    return isinstance(observed, str) and any(
        isinstance(e, str) and observed.endswith(e) for e in _as_list(expected)
    )


def op_regex(observed: Any, expected: Any, ctx: OpContext) -> bool:
    if isinstance(observed, bool) or observed is None:
        return False
    if not isinstance(observed, str | int | float):
        return False
    return compiled_regex(str(expected)).search(_utf8_safe(str(observed))) is not None


def op_exists(observed: Any, expected: Any, ctx: OpContext) -> bool:
    want = True if expected is None else bool(expected)
    return (observed is not None) == want


def op_empty(observed: Any, expected: Any, ctx: OpContext) -> bool:
    want = True if expected is None else bool(expected)
    if not isinstance(observed, str | list | tuple | Mapping):
        return False
    return (len(observed) == 0) == want


def op_cidr_covers(observed: Any, expected: Any, ctx: OpContext) -> bool:
    """The observed CIDR includes all of (one of) the expected CIDR(s)."""
    if not isinstance(observed, str):
        return False
    outer = _network(observed)
    if outer is None:
        return False
    for item in _as_list(expected):
        inner = _network(str(item))
        if inner is not None and inner.version == outer.version and outer.supernet_of(inner):  # type: ignore[arg-type]
            return True
    return False


def _port_range(value: Any) -> tuple[float, float] | None:
    if isinstance(value, Mapping):
        lo = value.get("from_port", value.get("FromPort"))
        hi = value.get("to_port", value.get("ToPort"))
    elif isinstance(value, list | tuple) and len(value) == 2:
        lo, hi = value
    else:
        return None
    lo_n, hi_n = _as_number(lo), _as_number(hi)
    if lo_n is None or hi_n is None:
        return None
    return lo_n, hi_n


def op_port_in_range(observed: Any, expected: Any, ctx: OpContext) -> bool:
    """A port lies within a range; either side may be the range.

    The range is ``{from_port, to_port}`` (or ``FromPort``/``ToPort``) or a
    two-element list; the port is a number (or a numeric string).
    """
    rng, port = _port_range(observed), _as_number(expected)
    if rng is None or port is None:
        rng, port = _port_range(expected), _as_number(observed)
    if rng is None or port is None:
        return False
    return rng[0] <= port <= rng[1]


def op_older_than_days(observed: Any, expected: Any, ctx: OpContext) -> bool:
    when, days = parse_timestamp(observed), _as_number(expected)
    if when is None or days is None:
        return False
    return (ctx.now - when) > dt.timedelta(days=days)


def op_within_last_days(observed: Any, expected: Any, ctx: OpContext) -> bool:
    """The observed time is at most ``expected`` days before now (a later time counts too).

    The complement of ``older_than_days`` for a parseable time; an unparseable
    one is false for both, so "recent enough" is never assumed.
    """
    when, days = parse_timestamp(observed), _as_number(expected)
    if when is None or days is None:
        return False
    return (ctx.now - when) <= dt.timedelta(days=days)


def op_expires_within_days(observed: Any, expected: Any, ctx: OpContext) -> bool:
    """The observed time is already past, or within ``expected`` days of now."""
    when, days = parse_timestamp(observed), _as_number(expected)
    if when is None or days is None:
        return False
    return (when - ctx.now) <= dt.timedelta(days=days)


def op_version_supported(observed: Any, expected: Any, ctx: OpContext) -> bool:
    """The engine version is still in standard support at ``ctx.now``.

    ``expected`` is ``{engine: NAME, table: [ROW, ...]}`` where a row is
    ``{engine, major_version, end_of_standard_support: YYYY-MM-DD}``.  The
    row whose ``major_version`` is the longest dotted prefix of the observed
    version decides; a version the table does not know counts as supported
    (it is newer than the table), so the table never invents failures.  The
    date is the last day of standard support, as in the release calendars:
    DescribeDBMajorEngineVersions reports that day's last millisecond as its
    LifecycleSupportEndDate, so the version is supported until the day ends.
    """
    if not isinstance(observed, str) or not isinstance(expected, Mapping):
        return False
    engine = str(expected.get("engine", ""))
    table = expected.get("table") or []
    # Thousands of clusters share a handful of versions: remember answers per table.
    key = (id(table), engine, observed, ctx.now)
    hit = _VERSION_MEMO.get(key)
    if hit is None or hit[0] is not table:
        if len(_VERSION_MEMO) > 10_000:
            _VERSION_MEMO.clear()
        # The table itself is kept in the entry so its id cannot be reused.
        hit = _VERSION_MEMO[key] = (table, _version_supported(observed, engine, table, ctx))
    return hit[1]


_VERSION_MEMO: dict[tuple[int, str, str, dt.datetime], tuple[Any, bool]] = {}


def _major_row(observed: str, engine: str, table: Any) -> Mapping[str, Any] | None:
    """The ``engine`` row whose ``major_version`` is the longest dotted prefix of ``observed``."""
    best: Mapping[str, Any] | None = None
    for row in table if isinstance(table, list) else []:
        if not isinstance(row, Mapping) or str(row.get("engine", "")) != engine:
            continue
        major = str(row.get("major_version", ""))
        if not major or not (observed == major or observed.startswith(major + ".")):
            continue
        if best is None or len(major) > len(str(best.get("major_version", ""))):
            best = row
    return best


def _version_supported(observed: str, engine: str, table: Any, ctx: OpContext) -> bool:
    best = _major_row(observed, engine, table)
    if best is None:
        return True
    end = parse_timestamp(best.get("end_of_standard_support"))
    if end is None:
        return True
    return ctx.now < end + dt.timedelta(days=1)


def _version_key(version: str) -> tuple[int, ...]:
    """The numbers of a version string in order: 5.7.mysql_aurora.2.11.2 -> (5, 7, 2, 11, 2)."""
    return tuple(int(n) for n in re.findall(r"[0-9]+", version))


def op_version_below_minimum(observed: Any, expected: Any, ctx: OpContext) -> bool:
    """The engine version is older than a feature's minimum for its major version.

    ``expected`` is ``{engine: NAME, table: [ROW, ...]}`` where a row is
    ``{engine, major_version, min_version}``; the row whose ``major_version`` is
    the longest dotted prefix of the observed version decides (as for
    ``version_supported``).  A row whose ``min_version`` is null or absent means
    no version of that major has the feature: every version is below.  Versions
    compare number by number (2.08 < 2.11).  A version no row matches is not
    below (it is newer than the table), so the table never invents a gap.
    """
    if not isinstance(observed, str) or not isinstance(expected, Mapping):
        return False
    row = _major_row(observed, str(expected.get("engine", "")), expected.get("table") or [])
    if row is None:
        return False
    minimum = row.get("min_version")
    if minimum is None:
        return True
    have, need = _version_key(observed), _version_key(str(minimum))
    width = max(len(have), len(need))
    return have + (0,) * (width - len(have)) < need + (0,) * (width - len(need))


# ----- literal value checks (used by the loader's meaning phase) -----------


def _need_list(value: Any) -> str | None:
    return None if isinstance(value, list) else "a list of values"


def _need_string(value: Any) -> str | None:
    if isinstance(value, list):
        bad = [v for v in value if not isinstance(v, str)]
        return "a string or a list of strings" if bad else None
    return None if isinstance(value, str) else "a string or a list of strings"


def _need_regex(value: Any) -> str | None:
    if not isinstance(value, str):
        return "a regular expression string"
    return regex_problem(value)


def _need_bool(value: Any) -> str | None:
    return None if value is None or isinstance(value, bool) else "true or false"


def _need_number(value: Any) -> str | None:
    return None if _as_number(value) is not None else "a number"


def _need_comparable(value: Any) -> str | None:
    return None if _as_number(value) is not None or isinstance(value, str) else "a number"


def _need_cidr(value: Any) -> str | None:
    for item in _as_list(value):
        if not isinstance(item, str) or _network(item) is None:
            return "a CIDR such as 0.0.0.0/0 or ::/0 (or a list of them)"
    return None


def _need_port_or_range(value: Any) -> str | None:
    if _as_number(value) is not None or _port_range(value) is not None:
        return None
    return "a port number or a [from, to] range"


def _need_lifecycle(value: Any) -> str | None:
    if isinstance(value, Mapping) and "engine" in value and "table" in value:
        return None
    return "a mapping {engine: ..., table: [...]}"


_OPS: tuple[Operator, ...] = (
    Operator("eq", op_eq, False, "observed equals value (true is not 1)"),
    Operator("ne", op_ne, False, "observed differs from value"),
    Operator("eq_ci", op_eq_ci, False, "equal as case-insensitive strings (ON = on, 1 = '1')"),
    Operator("lt", _compare(lambda a, b: a < b), False, "less than", _need_comparable),
    Operator("le", _compare(lambda a, b: a <= b), False, "less than or equal", _need_comparable),
    Operator("gt", _compare(lambda a, b: a > b), False, "greater than", _need_comparable),
    Operator("ge", _compare(lambda a, b: a >= b), False, "greater or equal", _need_comparable),
    Operator("in", op_in, False, "observed is one of the listed values", _need_list),
    Operator("in_ci", op_in_ci, False, "one of the listed values, case-insensitive", _need_list),
    Operator("not_in", op_not_in, False, "observed is none of the listed values", _need_list),
    Operator("contains", op_contains, False, "list/string/mapping contains value"),
    Operator("not_contains", op_not_contains, False, "list/string/mapping lacks value"),
    Operator("contains_all", op_contains_all, False, "contains every listed value", _need_list),
    Operator("contains_any", op_contains_any, False, "contains some listed value", _need_list),
    Operator(
        "starts_with", op_starts_with, False, "string starts with (one of) value", _need_string
    ),
    Operator("ends_with", op_ends_with, False, "string ends with (one of) value", _need_string),
    Operator(
        "regex", op_regex, False, "regular expression search (RE2 syntax: linear time)", _need_regex
    ),
    Operator("exists", op_exists, True, "present (value: false = absent)", _need_bool),
    Operator(
        "empty", op_empty, True, "empty list/string/mapping (value: false = non-empty)", _need_bool
    ),
    Operator(
        "cidr_covers", op_cidr_covers, False, "CIDR includes (one of) the value CIDR(s)", _need_cidr
    ),
    Operator(
        "port_in_range", op_port_in_range, False, "port within a from/to range", _need_port_or_range
    ),
    Operator(
        "older_than_days", op_older_than_days, False, "timestamp older than N days", _need_number
    ),
    Operator(
        "within_last_days",
        op_within_last_days,
        False,
        "timestamp at most N days before now",
        _need_number,
    ),
    Operator(
        "expires_within_days",
        op_expires_within_days,
        False,
        "timestamp past or within N days",
        _need_number,
    ),
    Operator(
        "version_supported",
        op_version_supported,
        False,
        "engine version within standard support (lifecycle table)",
        _need_lifecycle,
    ),
    Operator(
        "version_below_minimum",
        op_version_below_minimum,
        False,
        "engine version below the minimum a table gives for its major version",
        _need_lifecycle,
    ),
)

OPERATORS: dict[str, Operator] = {op.name: op for op in _OPS}


def specialize(name: str, expected: Any) -> Callable[[Any], bool] | None:
    """A faster one-argument test for a constant ``expected``, same answers as the table.

    Scope checks (``Engine in [...]``) and flag checks (``eq true``) run on
    every resource of every policy; a set lookup beats comparing element by
    element with type checks.  None when there is no shortcut.
    """
    if name in ("eq", "ne") and type(expected) in (str, bool):
        kind = type(expected)

        def eq(observed: Any) -> bool:
            return type(observed) is kind and observed == expected

        return eq if name == "eq" else (lambda observed: not eq(observed))
    if name in ("in", "not_in") and isinstance(expected, list):
        strings = frozenset(e for e in expected if type(e) is str)
        others = [e for e in expected if type(e) is not str]

        def member(observed: Any) -> bool:
            if type(observed) is str:
                return observed in strings
            return any(_same(observed, e) for e in others)

        return member if name == "in" else (lambda observed: not member(observed))
    if name == "in_ci" and isinstance(expected, list):
        folded = frozenset(_ci(e) for e in expected)
        return lambda observed: _ci(observed) in folded
    return None


def operator_names() -> list[str]:
    return sorted(OPERATORS)


def apply(name: str, observed: Any, expected: Any, ctx: OpContext) -> bool:
    """Apply an operator with the missing-value rule: only ``exists`` sees null."""
    op = OPERATORS[name]
    if observed is None and op.fn is not op_exists:
        return False
    return op.fn(observed, expected, ctx)


def check_value(name: str, value: Any) -> str | None:
    """What a literal ``value`` should have been for operator ``name``, or None."""
    op = OPERATORS[name]
    return op.check(value) if op.check is not None else None
