"""Checks on decoded JSON inputs that the schemas cannot express.

* Lone surrogates: JSON may spell half a UTF-16 pair (``"\\ud800"``); such a
  string is not Unicode text, and encoding it (a SARIF URI, the terminal)
  raises.  Snapshots and results holding one are refused at parse time.
* Record shapes: the snapshot schema leaves ``attrs`` free (raw boto3
  records), but the derivations iterate some fields.  A field whose type is
  not the one botocore documents (``DBClusterMembers: "x"``, ``Tags: 3``) is
  an edited or damaged snapshot: refused with the resource and the field
  named, rather than guessed at.  (A field that is absent is missing data and
  handled by the engine; a field of the wrong type is bad input.)

Both are user errors: one line, exit 2.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from scanner.errors import UserInputError

# A surrogate can reach decoded JSON only through a \uD800-\uDFFF escape.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _strings(data: Any) -> Iterator[tuple[str, str]]:
    """(JSON path, string) for every key and string value, without recursion."""
    stack: list[tuple[str, Any]] = [("$", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, Mapping):
            for key, item in value.items():
                yield path, str(key)
                stack.append((f"{path}.{key}", item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(value))


def reject_lone_surrogates(raw: bytes | str, data: Any, file: str) -> None:
    """Refuse a decoded document holding a string with an unpaired surrogate."""
    probe = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if _SURROGATE_ESCAPE.search(probe) is None:
        return  # the common case: no escape, nothing to walk
    for path, text in _strings(data):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise UserInputError(
                "a string holds a lone surrogate (half of a UTF-16 pair), which is not text",
                file=file,
                location=_printable(path),
                expected="valid Unicode: \\ud800-\\udfff escapes only in high+low pairs",
                hint="the file was edited or damaged; produce it again with aurora-scan",
            ) from None


def _printable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")[:200]


# Fields the derivations and relations iterate, by the type botocore gives
# them (the same name has the same shape in every API the scanner calls).
_LIST_OF_OBJECTS = frozenset(
    {
        "Associations",  # ec2 RouteTable
        "DBClusterMembers",
        "DBClusterOptionGroupMemberships",
        "DBClusterSnapshotAttributes",
        "DBParameterGroups",
        "GlobalClusterMembers",
        "IpPermissions",
        "IpPermissionsEgress",
        "Parameters",
        "Routes",
        "Subnets",  # rds DBSubnetGroup
        "SupportedEngineLifecycles",
        "TagList",
        "Tags",
        "VpcSecurityGroups",
    }
)
_MAPPING_ALLOWED = frozenset({"TagList", "Tags"})
_LIST_OF_STRINGS = frozenset({"AvailabilityZones", "EventCategoriesList", "SourceIdsList"})
# Inside the items of a list above: field -> shape.
_NESTED_OBJECT_LISTS = frozenset({"IpRanges", "Ipv6Ranges", "UserIdGroupPairs", "PrefixListIds"})
_NESTED_STRING_LISTS = frozenset({"AttributeValues", "Readers"})


def _shape_problem(field: str, value: Any) -> tuple[str, str, Any] | None:
    """(where, expected, found) of the first badly shaped part of ``value``, or None."""
    if value is None:
        return None
    if field in _LIST_OF_STRINGS:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return field, "a list of strings", value
        return None
    if field in _MAPPING_ALLOWED and isinstance(value, Mapping):
        return None  # {key: value} tags, as hand-written records give them (derive.tags)
    if not isinstance(value, list):
        return field, "a list of objects", value
    for i, item in enumerate(value):
        if not isinstance(item, Mapping):
            return f"{field}[{i}]", "an object", item
        for key, inner in item.items():
            where = f"{field}[{i}].{key}"
            if inner is None:
                continue
            if key in _NESTED_OBJECT_LISTS and (
                not isinstance(inner, list) or not all(isinstance(x, Mapping) for x in inner)
            ):
                return where, "a list of objects", inner
            if key in _NESTED_STRING_LISTS and (
                not isinstance(inner, list) or not all(isinstance(x, str) for x in inner)
            ):
                return where, "a list of strings", inner
    return None


def check_record_shapes(data: Mapping[str, Any], file: str) -> None:
    """Refuse a snapshot whose records have an iterated field of the wrong type."""
    for index, resource in enumerate(data.get("resources") or ()):
        attrs = resource.get("attrs") if isinstance(resource, Mapping) else None
        if not isinstance(attrs, Mapping):
            continue
        for field in _LIST_OF_OBJECTS.union(_LIST_OF_STRINGS).intersection(attrs):
            found = _shape_problem(field, attrs[field])
            if found is None:
                continue
            where, expected, bad = found
            raise UserInputError(
                f"resource {_printable(str(resource.get('id')))} has a malformed {field} "
                f"(found {type(bad).__name__})",
                file=file,
                location=f"$.resources[{index}].attrs.{where}",
                expected=f"{expected}, as the AWS API returns it",
                hint="the snapshot was edited or damaged; collect it again",
            )


# What each other kind of JSON document holds, and what to run on it.
_OTHER_FILES = {
    "snapshot": (
        "resources",
        "this looks like a snapshot from `aurora-scan collect`; "
        "use `aurora-scan evaluate {file}` to evaluate it",
    ),
    "result": (
        "findings",
        "this looks like a scan result (results.json from `aurora-scan evaluate/scan`); "
        "use `aurora-scan report {file}` to render it",
    ),
}


def wrong_file_hint(data: Any, file: str, expected: str, fallback: str) -> str:
    """The hint for a JSON file that is not the ``expected`` kind (snapshot or result):
    name the aurora-scan file (or SARIF) it looks like, else ``fallback``."""
    if not isinstance(data, dict):
        return fallback
    for kind, (key, hint) in _OTHER_FILES.items():
        if kind != expected and key in data:
            return hint.format(file=file)
    if "runs" in data:
        return "this looks like a SARIF file; " + fallback
    return fallback
