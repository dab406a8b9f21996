"""SARIF 2.1.0 that GitHub code scanning accepts, built as data and encoded by orjson.

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

from scanner.model import Finding, PathEvidence, ScanResult, Severity, Status
from scanner.report._env import byte_sink, json_bytes
from scanner.report._evidence import evidence_line
from scanner.report._text import (
    display_name,
    location_hash,
    md_escape,
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
MAX_EVIDENCE = 3  # evidence lines in a result's message
MAX_EVIDENCE_LINE = 300
NOT_ASSESSED_RULE = "aurora-scan/not-assessed"

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


def _policy_files(result: ScanResult) -> dict[str, str]:
    """Policy id -> the policy file the engine recorded (``file`` in results.json)."""
    return {
        as_str(p.get("id")): as_str(p.get("file"))
        for p in result.policies
        if isinstance(p, Mapping) and p.get("id")
    }


def _not_assessed_rule() -> dict[str, Any]:
    """The rule every UNKNOWN result goes under: a note, low security-severity."""
    text = (
        "A policy could not be evaluated on a resource because data it reads was not "
        "collected (a denied or failed API call, a region or account not reached)."
    )
    markdown = (
        f"{text}\n\nEach alert names the policy and the missing data. Grant the "
        "permissions `aurora-scan permissions` prints, or fix the collection errors listed "
        "in the run's notifications, and scan again: the alert closes, and the policy's own "
        "result takes its place. aurora-scan's `docs/github-actions.md` explains how "
        "UNKNOWN findings are uploaded."
    )
    return {
        "id": NOT_ASSESSED_RULE,
        "name": "not-assessed",
        "shortDescription": {"text": "Policy could not be evaluated: data missing"},
        "fullDescription": {"text": text},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": "note"},
        "properties": {
            "security-severity": Severity.LOW.security_severity,
            "problem.severity": "recommendation",
            "precision": "high",
            "severity": Severity.LOW.value,
            "frameworks": [],
            "tags": ["security", "not-assessed"],
        },
    }


def _rule(policy: PolicyView, file: str = "") -> dict[str, Any]:
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
        md_lines.append(
            "**Documentation**\n\n" + "\n".join(_reference_md(ref) for ref in policy.references)
        )
    source = f" (`{file.replace('`', '')}`)" if file else ""
    help_lines.append(f"Policy: aurora-scan policies show {policy.id}")
    md_lines.append(f"Policy `{policy.id}`{source}: `aurora-scan policies show {policy.id}`")
    help_uri = next((r for r in policy.references if _HTTP_URL.match(r)), "")
    rule: dict[str, Any] = {
        "id": policy.id,
        "name": truncate(policy.id, MAX_RULE_NAME),
        "shortDescription": {"text": truncate(title, MAX_DESCRIPTION)},
        "fullDescription": {"text": truncate(full, MAX_DESCRIPTION)},
        "help": {"text": "\n".join(help_lines), "markdown": "\n\n".join(md_lines)},
    }
    if help_uri:
        rule["helpUri"] = help_uri
    rule["defaultConfiguration"] = {"level": level}
    rule["properties"] = {
        "security-severity": policy.severity.security_severity,
        "problem.severity": _PROBLEM_SEVERITY[level],
        "precision": "high",
        "severity": policy.severity.value,
        "frameworks": sorted(
            {f"{fw['framework']} {fw['requirement']}".strip() for fw in policy.frameworks}
        ),
        "tags": tags[:MAX_TAGS],
    }
    return rule


def _reference_md(ref: str) -> str:
    """A reference as a Markdown list item: a link when it is a web address."""
    if _HTTP_URL.match(ref) and "(" not in ref and ")" not in ref:
        return f"- [{md_escape(ref)}]({ref})"
    return f"- {md_escape(ref)}"


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

    def node_line(self, node: str) -> int:
        """A witness path node's line: its declaration's in a template, else 1."""
        source = self.sources.get(node)
        return int(source["line"]) if isinstance(source, dict) else 1

    def _uri(self, node: str, near: Finding) -> str:
        source = self.sources.get(node)
        if isinstance(source, dict):
            # A file path as the user named it: each segment percent-encoded, so
            # a space or '#' in a folder name stays part of the path.
            return "/".join(quote(segment, safe="") for segment in str(source["file"]).split("/"))
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
                _flow_step(
                    locator.uri(node, f),
                    locator.node_line(node),
                    node,
                    plain(truncate(label, 200)),
                )
            )
        message = plain(truncate(" -> ".join(relations) or "graph witness", 300))
        flows.append({"message": {"text": message}, "threadFlows": [{"locations": steps}]})
        if len(flows) >= MAX_FLOWS:
            break
    return flows


def _flow_step(uri: str, line: int, node: str, message: str) -> dict[str, Any]:
    return {
        "location": {
            "physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": line}},
            "logicalLocations": [{"fullyQualifiedName": node, "kind": "resource"}],
            "message": {"text": message},
        }
    }


def plain(text: str) -> str:
    """A SARIF plain-text message (SARIF 2.1.0 §3.11.6): ``[`` and ``]`` from
    resource data escaped, so no viewer renders ``[text](target)`` as a link."""
    if "[" not in text and "]" not in text:
        return text
    return text.replace("[", "\\[").replace("]", "\\]")


def _headline(f: Finding) -> str:
    if f.status is Status.UNKNOWN:
        text = (
            f"{f.policy_id} could not be evaluated on this resource: "
            f"data missing: {f.reason or f.message}"
        )
    elif f.status is Status.WAIVED:
        text = f"Waived: {f.message}"
    else:
        text = f.message or f.policy_id
    # Cut before cleaning: a 10,000-character tag value must not cost a regex pass.
    return truncate(one_line(text[: MAX_MESSAGE * 2]) or f.policy_id, MAX_MESSAGE)


class _EvidenceText:
    """A finding's evidence as message lines, in text and in Markdown.

    Worked out once per evidence tuple: evaluation shares one tuple between
    the findings of a policy that saw the same thing, and
    the cleaning and Markdown escaping are most of a message's cost.
    """

    def __init__(self) -> None:
        # The findings being rendered keep their tuples alive: an id is never reused.
        self._memo: dict[int, tuple[str, str]] = {}

    def __call__(self, f: Finding) -> tuple[str, str]:
        key = id(f.evidence)
        found = self._memo.get(key)
        if found is None:
            lines = [evidence_line(ev) for ev in f.evidence[:MAX_EVIDENCE]]
            shown = [truncate(one_line(line), MAX_EVIDENCE_LINE) for line in lines]
            text = "".join(f"\nEvidence: {line}" for line in shown)
            markdown = (
                "\n\n**Evidence**\n\n" + "\n".join(f"- {md_escape(line)}" for line in shown)
                if shown
                else ""
            )
            found = self._memo[key] = (text, markdown)
        return found


def _message(f: Finding, evidence_text: _EvidenceText) -> dict[str, str]:
    """``text`` and ``markdown``: what was found, where the evidence is, and the
    remediation command filled in for this resource (the rule's help holds
    only its template).  Both come from resource data, so neither may carry
    a link: brackets are escaped in the text (SARIF §3.11.6) and everything
    Markdown would interpret in the markdown (``md_escape``).
    """
    headline = _headline(f)
    evidence, evidence_md = evidence_text(f)
    text = headline + evidence
    markdown = md_escape(headline) + evidence_md
    cli = truncate(one_line(str(f.remediation.get("cli") or "")), 2 * MAX_MESSAGE)
    if cli:
        text += f"\nRemediation: {cli}"
        markdown += f"\n\n**Remediation**\n\n{md_escape(cli)}"
    return {"text": plain(text), "markdown": markdown}


def _suppression(f: Finding) -> dict[str, Any]:
    """A waiver as a SARIF suppression: the reason as justification, the
    governance fields (owner, expiry, and ticket, approver and grant date
    where the waiver has them) as properties."""
    waiver = f.waiver or {}
    suppression: dict[str, Any] = {
        "kind": "external",
        "status": "accepted",
        "justification": truncate(one_line(as_str(waiver.get("reason"))), MAX_MESSAGE) or "waived",
    }
    properties = {
        name: truncate(one_line(as_str(waiver.get(key))), 200)
        for key, name in _WAIVER_PROPERTIES
        if waiver.get(key) not in (None, "")
    }
    if properties:
        suppression["properties"] = properties
    return suppression


_WAIVER_PROPERTIES = (
    ("owner", "owner"),
    ("expires", "expires"),
    ("ticket", "ticket"),
    ("approved_by", "approvedBy"),
    ("granted", "granted"),
)


def _result(
    f: Finding, rule_index: int, locator: _Locator, evidence_text: _EvidenceText
) -> dict[str, Any]:
    unknown = f.status is Status.UNKNOWN
    level = "note" if unknown else _LEVEL[f.severity]
    properties: dict[str, Any] = {
        "policyId": f.policy_id,
        "status": f.status.value,
        "severity": f.severity.value,
        "account": f.account,
        "region": f.region,
        "resourceType": f.resource_type,
    }
    if f.first_seen:
        # Since when (issue 16 item 5): scan times carried forward by fingerprint.
        properties["firstSeen"] = f.first_seen
        properties["lastStatusChange"] = f.last_status_change or f.first_seen
    if f.reason:
        properties["reason"] = truncate(f.reason, MAX_MESSAGE)
    if f.remediation.get("cli"):
        # The rule's help has the command template; this is it filled in.
        properties["remediationCli"] = truncate(str(f.remediation["cli"]), 2 * MAX_MESSAGE)
    sarif: dict[str, Any] = {
        # UNKNOWN is "could not be evaluated", not the policy's finding: one
        # rule of its own, so it never shows as a High alert of the policy.
        "ruleId": NOT_ASSESSED_RULE if unknown else f.policy_id,
        "ruleIndex": rule_index,
        "level": level,
        "message": _message(f, evidence_text),
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": locator.uri(f.resource_id, f)},
                    "region": {"startLine": locator.line(f)},
                },
                "logicalLocations": [
                    {
                        "name": truncate(
                            display_name(f.resource_name, f.resource_id), MAX_RULE_NAME
                        ),
                        "fullyQualifiedName": f.resource_id,
                        "kind": "resource",
                    }
                ],
            }
        ],
        "partialFingerprints": _fingerprints(f),
    }
    flows = _code_flows(f, locator)
    if flows:
        sarif["codeFlows"] = flows
    if f.status is Status.WAIVED:
        sarif["suppressions"] = [_suppression(f)]
    sarif["properties"] = properties
    return sarif


def _fingerprints(f: Finding) -> dict[str, str]:
    prints = {"auroraScanFingerprint/v1": f.fingerprint} if f.fingerprint else {}
    prints["primaryLocationLineHash"] = location_hash(f.policy_id, f.resource_id)
    return prints


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


def _document(
    result: ScanResult, options: SarifOptions, limit: int, view: ReportView
) -> dict[str, Any]:
    policies = view.policies
    files = _policy_files(result)
    rules = [_rule(p, files.get(p.id, "")) for p in policies.values()]
    rules.append(_not_assessed_rule())
    rule_index = {r["id"]: i for i, r in enumerate(rules)}
    selected = _selected(result, options)
    kept = selected[:limit]
    locator = _Locator(result.findings, cast(dict[str, Any], result.scan).get("iac_sources"))
    evidence_text = _EvidenceText()
    header = view.header
    notifications = [
        {
            "level": "error",
            "descriptor": {"id": e.error_code or "CollectionError"},
            "message": {"text": plain(truncate(one_line(error_text(e)), MAX_MESSAGE))},
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
                "descriptor": {"id": "ResultsTruncated"},
                "message": {
                    "text": (
                        f"{dropped} of {len(selected)} results were left out to stay within "
                        f"GitHub's limits ({limit} results, "
                        f"{options.max_gzip_bytes // 2**20} MB gzipped); the most severe "
                        "were kept. results.json and report.html hold them all."
                    )
                },
                "properties": {"kept": len(kept), "total": len(selected)},
            }
        )
    version = header["scanner_version"] or "0"
    counts = view.counts
    driver: dict[str, Any] = {"name": TOOL_NAME, "version": version}
    if _SEMVER.match(version):
        driver["semanticVersion"] = version
    driver["rules"] = rules
    invocation: dict[str, Any] = {"executionSuccessful": not result.errors}
    start = _rfc3339(header["started_at"] or header["collected_at"])
    end = _rfc3339(header["finished_at"])
    if start:
        invocation["startTimeUtc"] = start
    if end:
        invocation["endTimeUtc"] = end
    if header["command_line"]:
        invocation["commandLine"] = header["command_line"]
    invocation["toolExecutionNotifications"] = notifications
    run = {
        "tool": {"driver": driver},
        "automationDetails": {"id": category(result)},
        "invocations": [invocation],
        "results": [
            _result(
                f,
                rule_index[NOT_ASSESSED_RULE if f.status is Status.UNKNOWN else f.policy_id],
                locator,
                evidence_text,
            )
            for f in kept
        ],
        "properties": {
            "accounts": header["accounts"],
            "incomplete": view.incomplete,
            "policySetSha256": header["policy_set_sha256"],
            "regions": header["regions"],
            "regionsSkipped": header["regions_skipped"],
            "snapshotSha256": header["snapshot_sha256"],
            "summary": counts["by_status"],
            "waiversSha256": header["waivers_sha256"],
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


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
        document = _document(result, options, limit, view)
        data = encode(document)
        compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
        gz_size = 0

        def observe(block: bytes, c: Any = compressor) -> None:
            nonlocal gz_size
            gz_size += len(c.compress(block))

        # Written in blocks: the writer thread gzips one (to measure it
        # against GitHub's cap) while the next is handed over.
        with byte_sink(path, observe=observe) as sink:
            view_of = memoryview(data)
            for offset in range(0, len(data), _BLOCK):
                sink.write(bytes(view_of[offset : offset + _BLOCK]))
        gz_size += len(compressor.flush())
        kept = len(document["runs"][0]["results"])
        if gz_size <= options.max_gzip_bytes or limit == 0:
            return path
        # Scale the list down by the overshoot (with a margin) and retry.
        limit = int(min(kept, limit) * options.max_gzip_bytes / gz_size * 0.9)


_BLOCK = 1 << 20


def encode(document: dict[str, Any]) -> bytes:
    """The SARIF file: ``document`` as indented JSON, safe to paste into HTML.

    ``<``, ``>``, ``&`` and the JavaScript line separators are escaped (as
    ``\\u003c`` ...), the same JSON once parsed.  In JSON text these bytes can
    only occur inside strings, so one replace over the encoded bytes is exact
    (a C pass; a regex over the 38 MB file at 10,000 clusters cost four times
    the encoding).
    """
    data = json_bytes(document, indent=True)
    data = (
        data.replace(b"<", b"\\u003c")
        .replace(b">", b"\\u003e")
        .replace(b"&", b"\\u0026")
        .replace("\u2028".encode(), b"\\u2028")
        .replace("\u2029".encode(), b"\\u2029")
    )
    return data + b"\n"
