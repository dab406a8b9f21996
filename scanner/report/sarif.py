"""SARIF 2.1.0 that GitHub code scanning accepts, rendered by Jinja.

GitHub is stricter than the OASIS schema: one run with a stable category,
one physical location per result with a relative scheme-less URI, rule tags
and description lengths within its limits, at most 25,000 results and 10 MB
gzipped.  AWS resources have no source line, so we supply the
``primaryLocationLineHash`` ourselves from policy id + resource id.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, cast

from scanner.model import Finding, PathEvidence, ScanResult, Severity, Status
from scanner.report._env import render_stream, script_json, script_safe, text_env, write_chunks
from scanner.report._text import (
    display_name,
    location_hash,
    one_line,
    parse_arn,
    resource_uri,
    truncate,
)
from scanner.report._view import (
    SORT_KEY,
    PolicyView,
    ReportView,
    as_str,
    error_text,
    scan_header,
    waiver_text,
)

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
TOOL_NAME = "aurora-scan"  # constant: GitHub keys alerts on it
MAX_RESULTS = 25_000  # GitHub rejects a run with more
MAX_GZIP_BYTES = 10 * 1024 * 1024  # GitHub's upload limit, gzipped
MAX_DESCRIPTION = 1024  # GitHub's documented limit for rule descriptions
MAX_RULE_NAME = 255
MAX_MESSAGE = 1024
MAX_TAGS = 10  # GitHub shows at most 10 tags per rule
MAX_FLOWS = 10  # witness paths per result; GitHub caps thread flow locations too

_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
_PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}
_STATUS_RANK = {Status.FAIL: 0, Status.UNKNOWN: 1, Status.WAIVED: 2}
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]*)?$")
_HTTP_URL = re.compile(r"^https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")
_CATEGORY_PART = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class SarifOptions:
    include_waived: bool = False  # GitHub ignores suppressions, so off by default
    max_results: int = MAX_RESULTS
    max_gzip_bytes: int = MAX_GZIP_BYTES


def _category_part(values: Sequence[str], noun: str, limit: int) -> str:
    cleaned = sorted({_CATEGORY_PART.sub("-", v).strip("-") or "_" for v in values})
    if not cleaned:
        return "none"
    if len(cleaned) <= limit:
        return "+".join(cleaned)
    digest = hashlib.sha256("\n".join(cleaned).encode()).hexdigest()[:12]
    return f"{len(cleaned)}-{noun}-{digest}"


def category(result: ScanResult) -> str:
    """Stable ``automationDetails.id``: the same estate always maps to one category."""
    header = scan_header(result)
    accounts = _category_part(header["accounts"], "accounts", 5)
    regions = _category_part(header["regions"], "regions", 6)
    return f"aurora-scan/{accounts}/{regions}/"


def _tag(text: str) -> str:
    return re.sub(r"\s+", "-", one_line(text).lower())[:64]


def _rule(policy: PolicyView) -> dict[str, Any]:
    level = _LEVEL[policy.severity]
    tags: list[str] = []
    types = [t.strip().removeprefix("aws.") for t in policy.resource.split(",")]
    candidates = ["security", policy.area, *types]
    candidates += [fw["framework"] for fw in policy.frameworks]
    for candidate in candidates:
        tag = _tag(candidate)
        if tag and tag not in tags:
            tags.append(tag)
    title = one_line(policy.title) or policy.id
    full = one_line(policy.description) or title
    help_lines = [policy.remediation_text.strip() or title]
    md_lines = [policy.remediation_text.strip() or title]
    if policy.remediation_cli:
        help_lines.append(f"CLI: {policy.remediation_cli}")
        md_lines.append(f"```\n{policy.remediation_cli.replace('```', '` ` `')}\n```")
    if policy.references:
        help_lines.append("References: " + " ".join(policy.references))
        md_lines.append("\n".join(f"- {ref}" for ref in policy.references))
    help_uri = next((r for r in policy.references if _HTTP_URL.match(r)), "")
    return {
        "id": policy.id,
        "name": truncate(policy.id, MAX_RULE_NAME),
        "short": truncate(title, MAX_DESCRIPTION),
        "full": truncate(full, MAX_DESCRIPTION),
        "help_text": "\n".join(help_lines),
        "help_markdown": "\n\n".join(md_lines),
        "help_uri": help_uri,
        "level": level,
        "problem_severity": _PROBLEM_SEVERITY[level],
        "security_severity": policy.severity.security_severity,
        "severity": policy.severity.value,
        "tags": tags[:MAX_TAGS],
        "frameworks": sorted(
            {f"{fw['framework']} {fw['requirement']}".strip() for fw in policy.frameworks}
        ),
    }


class _Locator:
    """Maps resource ids (ARNs) to their pseudo-path URIs.

    Subjects of findings are known exactly; other nodes of a witness path are
    located from their ARN, or else next to the finding's own resource.
    """

    def __init__(self, findings: Sequence[Finding], sources: dict[str, Any] | None = None) -> None:
        # IaC hook (scanner/iac/results.py): resource id -> {file, line} of the
        # template or plan that declares it, from the header's ``iac_sources``.
        self.sources: dict[str, Any] = sources or {}
        # URIs are built on demand: only results that make it into the SARIF
        # (at most 25,000) and their paths need one, not every finding.
        # Built from the end so the first finding of each resource wins.
        self.subjects: dict[str, Finding] = {f.resource_id: f for f in reversed(findings)}
        self.cache: dict[tuple[str, str, str], str] = {}

    def uri(self, node: str, near: Finding) -> str:
        # Keyed with the finding's place too: a bare id is located next to it.
        key = (node, near.account, near.region)
        cached = self.cache.get(key)
        if cached is None:
            cached = self.cache[key] = self._uri(node, near)
        return cached

    def line(self, f: Finding) -> int:
        """The resource's line; the offending property's when the template sets it."""
        source = self.sources.get(f.resource_id)
        if not isinstance(source, dict):
            return 1
        fields = source.get("fields") or {}
        tested = [e for e in f.evidence if e.get("kind") == "attr"]
        for e in sorted(tested, key=lambda e: bool(e.get("result"))):  # failing tests first
            line = fields.get(str(e.get("attr")))
            if line:
                return int(line)
        return int(source["line"])

    def _uri(self, node: str, near: Finding) -> str:
        source = self.sources.get(node)
        if isinstance(source, dict):
            return str(source["file"])
        f = self.subjects.get(node)
        if f is not None:
            name = display_name(f.resource_name, f.resource_id)
            return resource_uri(f.account, f.region, f.resource_type, name)
        arn = parse_arn(node)
        if arn is not None:
            service, region, account, rest = arn
            kind, _, name = rest.replace("/", ":", 1).partition(":")
            return resource_uri(
                account or near.account, region or near.region, f"{service}.{kind}", name or rest
            )
        return resource_uri(near.account, near.region, "node", node)


def _code_flows(f: Finding, locator: _Locator) -> list[dict[str, Any]]:
    flows = []
    for ev in f.evidence:
        if ev.get("kind") != "path":
            continue
        path = cast(PathEvidence, ev)
        # Still read defensively: a results file is only schema-checked.
        nodes = [as_str(n) for n in path.get("nodes") or ()]
        relations = [as_str(r) for r in path.get("relations") or ()]
        if not nodes:
            continue
        steps = []
        for i, node in enumerate(nodes):
            label = (
                "subject"
                if i == 0
                else f"via {relations[i - 1]}"
                if i - 1 < len(relations)
                else "reached"
            )
            steps.append(
                {"id": node, "uri": locator.uri(node, f), "message": plain(truncate(label, 200))}
            )
        flows.append(
            {
                "message": plain(truncate(" -> ".join(relations) or "graph witness", 300)),
                "steps": steps,
            }
        )
        if len(flows) >= MAX_FLOWS:
            break
    return flows


def plain(text: str) -> str:
    """A SARIF plain-text message (SARIF 2.1.0 §3.11.6): ``[`` and ``]`` from
    resource data escaped, so no viewer renders ``[text](target)`` as a link."""
    if "[" not in text and "]" not in text:
        return text
    return text.replace("[", "\\[").replace("]", "\\]")


def _message(f: Finding) -> str:
    if f.status is Status.UNKNOWN:
        text = f"Could not be evaluated (data missing): {f.reason or f.message}"
    elif f.status is Status.WAIVED:
        text = f"Waived: {f.message}"
    else:
        text = f.message or f.policy_id
    # Cut before cleaning: a 10,000-character tag value must not cost a regex pass.
    return plain(truncate(one_line(text[: MAX_MESSAGE * 2]) or f.policy_id, MAX_MESSAGE))


def _result(f: Finding, rule_index: int, locator: _Locator) -> dict[str, Any]:
    level = "note" if f.status is Status.UNKNOWN else _LEVEL[f.severity]
    properties: dict[str, Any] = {
        "status": f.status.value,
        "severity": f.severity.value,
        "account": f.account,
        "region": f.region,
        "resourceType": f.resource_type,
    }
    if f.reason:
        properties["reason"] = truncate(f.reason, MAX_MESSAGE)
    if f.remediation.get("cli"):
        # The rule's help has the command template; this is it filled in.
        properties["remediationCli"] = truncate(str(f.remediation["cli"]), 2 * MAX_MESSAGE)
    suppression = ""
    if f.status is Status.WAIVED and f.waiver:
        suppression = one_line(waiver_text(f.waiver))
    elif f.status is Status.WAIVED:
        suppression = "waived"
    return {
        "rule_id": f.policy_id,
        "rule_index": rule_index,
        "level": level,
        "message": _message(f),
        "uri": locator.uri(f.resource_id, f),
        "start_line": locator.line(f),
        "name": truncate(display_name(f.resource_name, f.resource_id), MAX_RULE_NAME),
        "resource_id": f.resource_id,
        "fingerprint": f.fingerprint,
        "line_hash": location_hash(f.policy_id, f.resource_id),
        "code_flows": _code_flows(f, locator),
        "suppression": suppression,
        "properties": properties,
    }


def _js(value: str) -> str:
    """``tojson`` of a string: the C string encoder, HTML-safe like script_json."""
    text = encode_basestring(value)
    if _SCRIPT_UNSAFE.search(text):
        text = script_safe(text)
    return text


_SCRIPT_UNSAFE = re.compile("[<>&\u2028\u2029]")
_RESULT_INDENT = " " * 8


def _flow_text(flow: dict[str, Any]) -> str:
    steps = ",\n".join(
        "                    {\n"
        '                      "location": {\n'
        '                        "physicalLocation": {\n'
        f'                          "artifactLocation": {{"uri": {_js(step["uri"])}}},\n'
        '                          "region": {"startLine": 1}\n'
        "                        },\n"
        '                        "logicalLocations": [{"fullyQualifiedName": '
        f'{_js(step["id"])}, "kind": "resource"}}],\n'
        f'                        "message": {{"text": {_js(step["message"])}}}\n'
        "                      }\n"
        "                    }"
        for step in flow["steps"]
    )
    return (
        "            {\n"
        f'              "message": {{"text": {_js(flow["message"])}}},\n'
        '              "threadFlows": [\n'
        "                {\n"
        '                  "locations": [\n'
        f"{steps}{chr(10) if steps else ''}"
        "                  ]\n"
        "                }\n"
        "              ]\n"
        "            }"
    )


def result_text(r: dict[str, Any]) -> str:
    """One SARIF result, exactly as the Jinja template wrote it (without the separator).

    Built in Python: at 25,000 results a Jinja loop with a ``tojson`` call per
    value was most of the cost of this format.  Every string goes through
    ``_js`` (the same escaping as ``tojson``); the tests in tests/report check
    the file against the SARIF schema and GitHub's rules, hostile names included.
    """
    parts = [
        "        {\n"
        f'          "ruleId": {_js(r["rule_id"])},\n'
        f'          "ruleIndex": {r["rule_index"]},\n'
        f'          "level": {_js(r["level"])},\n'
        f'          "message": {{"text": {_js(r["message"])}}},\n'
        '          "locations": [\n'
        "            {\n"
        '              "physicalLocation": {\n'
        f'                "artifactLocation": {{"uri": {_js(r["uri"])}}},\n'
        f'                "region": {{"startLine": {r.get("start_line", 1)}}}\n'
        "              },\n"
        '              "logicalLocations": [\n'
        f'                {{"name": {_js(r["name"])}, "fullyQualifiedName": '
        f'{_js(r["resource_id"])}, "kind": "resource"}}\n'
        "              ]\n"
        "            }\n"
        "          ],\n"
        '          "partialFingerprints": {\n'
    ]
    if r["fingerprint"]:
        parts.append(f'            "auroraScanFingerprint/v1": {_js(r["fingerprint"])},\n')
    parts.append(f'            "primaryLocationLineHash": {_js(r["line_hash"])}\n          }},\n')
    if r["code_flows"]:
        flows = ",\n".join(_flow_text(flow) for flow in r["code_flows"])
        parts.append(f'          "codeFlows": [\n{flows}\n          ],\n')
    if r["suppression"]:
        parts.append(
            '          "suppressions": [\n'
            '            {"kind": "external", "status": "accepted", "justification": '
            f"{_js(r['suppression'])}}}\n"
            "          ],\n"
        )
    parts.append(f'          "properties": {script_json(r["properties"])}\n        }}')
    return "".join(parts)


class _ResultsText(list[dict[str, Any]]):
    """The results, and their text in chunks for the template (``chunks``)."""

    def chunks(self) -> Iterator[str]:
        last = len(self) - 1
        batch: list[str] = []
        for i, r in enumerate(self):
            batch.append(result_text(r) + (",\n" if i < last else "\n"))
            if len(batch) >= 500:
                yield "".join(batch)
                batch = []
        if batch:
            yield "".join(batch)


def _selected(result: ScanResult, options: SarifOptions) -> list[Finding]:
    wanted = {Status.FAIL, Status.UNKNOWN}
    if options.include_waived:
        wanted.add(Status.WAIVED)
    chosen = [f for f in result.findings if f.status in wanted]
    # Most severe first, so that a cut keeps what matters; then a total order
    # so the file is byte-identical across renders.  Two stable sorts: the
    # total order in C first, then by severity and status.
    chosen.sort(key=SORT_KEY)
    chosen.sort(key=lambda f: (-f.severity.rank, _STATUS_RANK[f.status]))
    return chosen


def _rfc3339(value: str) -> str:
    return value if _RFC3339.match(value) else ""


def _context(
    result: ScanResult, options: SarifOptions, limit: int, view: ReportView
) -> dict[str, Any]:
    policies = view.policies
    rules = [_rule(p) for p in policies.values()]
    rule_index = {r["id"]: i for i, r in enumerate(rules)}
    selected = _selected(result, options)
    kept = selected[:limit]
    locator = _Locator(result.findings, cast(dict[str, Any], result.scan).get("iac_sources"))
    header = view.header
    notifications = [
        {
            "level": "error",
            "id": e.error_code or "CollectionError",
            "text": plain(truncate(one_line(error_text(e)), MAX_MESSAGE)),
            "properties": {
                "account": e.account,
                "region": e.region,
                "service": e.service,
                "operation": e.operation,
                "resourceTypes": list(e.resource_types),
            },
        }
        for e in sorted(result.errors, key=lambda e: (e.account, e.region, e.service, e.operation))
    ]
    if len(kept) < len(selected):
        dropped = len(selected) - len(kept)
        notifications.append(
            {
                "level": "warning",
                "id": "ResultsTruncated",
                "text": (
                    f"{dropped} of {len(selected)} results were left out to stay within GitHub's "
                    f"limits ({limit} results, {options.max_gzip_bytes // 2**20} MB gzipped); "
                    "the most severe were kept. results.json and report.html hold them all."
                ),
                "properties": {"kept": len(kept), "total": len(selected)},
            }
        )
    version = header["scanner_version"] or "0"
    counts = view.counts
    return {
        "schema_uri": SCHEMA_URI,
        "driver": {
            "name": TOOL_NAME,
            "version": version,
            "semantic_version": version if _SEMVER.match(version) else "",
        },
        "rules": rules,
        "category": category(result),
        "invocation": {
            "successful": not result.errors,
            "start": _rfc3339(header["started_at"] or header["collected_at"]),
            "end": _rfc3339(header["finished_at"]),
            "command_line": header["command_line"],
            "notifications": notifications,
        },
        "results": _ResultsText([_result(f, rule_index[f.policy_id], locator) for f in kept]),
        "run_properties": {
            "accounts": header["accounts"],
            "regions": header["regions"],
            "regionsSkipped": header["regions_skipped"],
            "snapshotSha256": header["snapshot_sha256"],
            "policySetSha256": header["policy_set_sha256"],
            "waiversSha256": header["waivers_sha256"],
            "incomplete": view.incomplete,
            "summary": counts["by_status"],
        },
    }


def render_sarif(
    result: ScanResult,
    path: Path,
    options: SarifOptions | None = None,
    *,
    view: ReportView | None = None,
) -> Path:
    """Write ``results.sarif``; shrink the result list if gzip exceeds GitHub's cap."""
    options = options or SarifOptions()
    view = view or ReportView(result)
    limit = min(options.max_results, MAX_RESULTS)
    while True:
        compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
        gz_size = 0

        def observe(data: bytes, c: Any = compressor) -> None:
            nonlocal gz_size
            gz_size += len(c.compress(data))

        context = _context(result, options, limit, view)
        write_chunks(path, render_stream(text_env(), "sarif.json.j2", context), observe=observe)
        gz_size += len(compressor.flush())
        if gz_size <= options.max_gzip_bytes or limit == 0:
            return path
        # Scale the list down by the overshoot (with a margin) and retry.
        limit = int(min(len(context["results"]), limit) * options.max_gzip_bytes / gz_size * 0.9)
