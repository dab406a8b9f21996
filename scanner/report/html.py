"""The auditor's HTML report: one self-contained file, no network.

Static first, script second.  The evidence header, executive summary,
compliance, policy, waiver, coverage and remediation sections, and every
FAIL, UNKNOWN and WAIVED finding (``_html_static``), are server-rendered
markup with every AWS value escaped (tag values are attacker-controlled): the
report is complete with JavaScript off and on paper.  PASS and
NOT_APPLICABLE findings, which number a million at 10,000 clusters, travel as
compact index rows in a ``<script type="application/json">`` block; the page's
script merges them with the static rows into one filterable, sortable,
paginated list, so the browser never lays out a million DOM rows.  Both parts
are streamed into the file in chunks: the report is never one huge string.
"""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from operator import attrgetter
from pathlib import Path
from typing import Any

from markupsafe import Markup

from scanner.model import Finding, ScanResult, Status
from scanner.redact import redact
from scanner.report._env import html_env, render_stream, script_json, write_chunks
from scanner.report._html_static import IssueRows, issue_groups
from scanner.report._text import one_line
from scanner.report._view import (
    SEVERITY_ORDER,
    STATUS_ORDER,
    PolicyView,
    ReportView,
    RequirementView,
    error_text,
    framework_titles,
    waiver_lists,
    waiver_soon_days,
)

STATUS_COLOURS = {
    Status.FAIL: "#c62828",
    Status.UNKNOWN: "#ef8f00",
    Status.WAIVED: "#5c6bc0",
    Status.PASS: "#2e7d32",
    Status.NOT_APPLICABLE: "#9e9e9e",
}


def _chart(counts: Mapping[str, Any]) -> dict[str, Any]:
    """Horizontal stacked bars, one per severity, as inline SVG geometry."""
    by_sev = counts["by_severity"]
    rows = []
    widest = max((sum(by_sev[s.value].values()) for s in SEVERITY_ORDER), default=0) or 1
    bar_width, label_width, row_height = 520.0, 90.0, 28
    for i, sev in enumerate(SEVERITY_ORDER):
        x = label_width
        segments = []
        for status in STATUS_ORDER:
            n = by_sev[sev.value][status.value]
            if not n:
                continue
            w = bar_width * n / widest
            segments.append(
                {
                    "x": round(x, 2),
                    "w": round(max(w, 1.0), 2),
                    "n": n,
                    "status": status.value,
                    "colour": STATUS_COLOURS[status],
                }
            )
            x += w
        total = sum(by_sev[sev.value].values())
        rows.append(
            {
                "y": i * row_height + 8,
                "label": sev.value,
                "segments": segments,
                "total": total,
                "total_x": round(x + 6, 2),
            }
        )
    return {
        "rows": rows,
        "height": len(SEVERITY_ORDER) * row_height + 40,
        "width": label_width + bar_width + 80,
        "legend_y": len(SEVERITY_ORDER) * row_height + 22,
        "legend": [
            {"status": s.value, "colour": STATUS_COLOURS[s], "x": label_width + i * 105}
            for i, s in enumerate(STATUS_ORDER)
        ],
    }


_PLACE = attrgetter("account", "region", "resource_type")
_INHERITED = "inherited from "
_OUT_OF_SCOPE = "out of scope"
DEFAULT_TAG_COLUMNS = ("Owner", "Team", "Environment", "CostCenter")
SCORECARD_ROWS = 25


def in_report(findings: Sequence[Finding]) -> list[Finding]:
    """The findings the report shows: resources no policy applies to at all
    (Neptune and DocumentDB clusters, which DescribeDBClusters also returns, and
    their instances) are left out entirely, as the README says."""
    in_scope = {f.resource_id for f in findings if f.reason != _OUT_OF_SCOPE}
    if len(in_scope) == len({f.resource_id for f in findings}):
        return list(findings)
    return [f for f in findings if f.resource_id in in_scope]


def tag_columns(result: ScanResult) -> list[str]:
    """The tag keys shown as columns: config ``report.tag_columns``, else the defaults.
    Keys match case-insensitively (``Owner`` also shows an ``owner`` tag)."""
    config = result.scan.get("config") or {}
    report = config.get("report") if isinstance(config, Mapping) else None
    chosen = report.get("tag_columns") if isinstance(report, Mapping) else None
    if isinstance(chosen, list | tuple) and chosen:
        return [str(k) for k in chosen]
    return list(DEFAULT_TAG_COLUMNS)


def resource_tags(result: ScanResult) -> dict[str, dict[str, str]]:
    """resource id -> its tags, as the evaluation recorded them (``scan.resource_tags``)."""
    raw = result.scan.get("resource_tags") or {}
    if not isinstance(raw, Mapping):
        return {}
    return {
        str(rid): {str(k): str(v) for k, v in tags.items()}
        for rid, tags in raw.items()
        if isinstance(tags, Mapping) and tags
    }


def _deltas(indexes: Sequence[int]) -> list[int]:
    """Sorted indexes as differences (``[3, 5, 9]`` -> ``[3, 2, 4]``): a few bytes each."""
    out, last = [], 0
    for i in indexes:
        out.append(i - last)
        last = i
    return out


def _arn_prefix(arn: str, name: str) -> tuple[str, str]:
    """``arn:aws:rds:us-east-1:123:cluster:`` + ``name`` where the ARN ends with the
    name (most do): the prefix repeats across resources, so it is stored once."""
    if name and arn.endswith(name) and len(arn) > len(name):
        return arn[: -len(name)], name
    return "", arn


_FIRST_SEEN, _LAST_STATUS_CHANGE = attrgetter("first_seen"), attrgetter("last_status_change")


class _Data:
    """Builds the compact JSON the page's script reads.

    Strings that repeat (policy ids, accounts, regions, types, reasons, ARN
    prefixes) are stored once in tables and referenced by index.  Non-PASS
    findings are static markup (``_html_static``): here only their resource
    per static row and (policy, status, severity, count) per group.  PASS
    and NOT_APPLICABLE findings are grouped by (policy, status, reason) with
    their resources as index differences, and their messages left out: that
    is what keeps the report within its size at 10,000 clusters.  Member
    instances that inherit a cluster's verdict are listed under the cluster.
    """

    def __init__(
        self,
        result: ScanResult,
        findings: Sequence[Finding],
        policies: Mapping[str, PolicyView],
        frameworks: Mapping[str, list[RequirementView]],
    ) -> None:
        self.result = result
        self.policy_ids = list(policies)
        self.policy_index = {pid: i for i, pid in enumerate(self.policy_ids)}
        self.policies = policies
        self.frameworks = frameworks
        # The first finding of a resource names it: built backwards so it is the
        # one a comprehension keeps (a comprehension, not a loop: a million findings).
        first = {f.resource_id: f for f in reversed(findings)}
        resources: dict[str, tuple[str, str, str, str]] = {
            rid: (f.resource_name or rid, f.resource_type, f.account, f.region)
            for rid, f in first.items()
        }
        # One C-level pass for the three filter lists (not three).
        places = set(map(_PLACE, findings))
        self.accounts = sorted({account for account, _, _ in places})
        self.regions = sorted({region for _, region, _ in places})
        self.types = sorted({rtype for _, _, rtype in places})
        # Since when: the few distinct scan times, stored once; rows hold indexes,
        # and only when they differ from "seen": first seen in this scan and
        # unchanged since (every row of a scan without history adds nothing).
        self.times = sorted(
            set(map(_FIRST_SEEN, findings)) | set(map(_LAST_STATUS_CHANGE, findings))
        )
        stamped = bool(findings) and bool(findings[0].first_seen)
        self.seen = str(result.scan.get("collected_at") or "") if stamped else ""
        self.resource_ids = sorted(resources)
        self.resource_index = {rid: i for i, rid in enumerate(self.resource_ids)}
        self.resources = resources
        self.tags = resource_tags(result)
        self.tag_columns = tag_columns(result)
        self.groups = issue_groups(findings, policies)
        self.issues = IssueRows(self.groups, self.tags)
        self.owner: dict[str, str] = {}
        self.passing: dict[tuple[str, Status, str], list[int]] = defaultdict(list)
        self.inherited: dict[tuple[str, str], list[int]] = defaultdict(list)
        self._classify(findings)

    def _classify(self, findings: Sequence[Finding]) -> None:
        """One pass: PASS/N/A rows grouped by (policy, status, reason); the N/A rows
        a member instance inherits from its cluster grouped by (policy, cluster)."""
        ri = self.resource_index
        by_name = {(a, r, name): rid for rid, (name, _, a, r) in self.resources.items()}
        passing, inherited, owner = self.passing, self.inherited, self.owner
        na, ok = Status.NOT_APPLICABLE, Status.PASS
        skip = len(_INHERITED)
        for f in findings:
            status = f.status
            if status is not ok and status is not na:
                continue
            reason = f.reason
            if status is na and reason.startswith(_INHERITED):
                _, _, name = reason[skip:].partition(" ")
                cluster = by_name.get((f.account, f.region, name))
                if cluster is not None and cluster != f.resource_id:
                    owner[f.resource_id] = cluster
                    inherited[(f.policy_id, cluster)].append(ri[f.resource_id])
                    continue
            passing[(f.policy_id, status, reason)].append(ri[f.resource_id])

    def cluster_of(self, resource_id: str) -> str:
        return self.owner.get(resource_id, resource_id)

    def _inherited_rows(self) -> tuple[list[list[Any]], list[list[int]]]:
        """(policy, clusters whose every member inherits) where the members are
        exactly the cluster's, else explicit (policy, member) pairs."""
        ri, pi = self.resource_index, self.policy_index
        children: dict[int, list[int]] = defaultdict(list)
        for member, cluster in self.owner.items():
            children[ri[cluster]].append(ri[member])
        whole: dict[int, list[int]] = defaultdict(list)
        pairs: list[list[int]] = []
        for (pid, cluster), members in self.inherited.items():
            c = ri[cluster]
            if sorted(members) == sorted(children[c]):
                whole[pi[pid]].append(c)
            else:
                pairs.extend([pi[pid], m] for m in members)
        compact = [[p, _deltas(sorted(cs))] for p, cs in sorted(whole.items())]
        return compact, sorted(pairs)

    def chunks(self) -> Iterator[Markup]:
        acc = {a: i for i, a in enumerate(self.accounts)}
        reg = {r: i for i, r in enumerate(self.regions)}
        typ = {t: i for i, t in enumerate(self.types)}
        sev = {s: i for i, s in enumerate(SEVERITY_ORDER)}
        sta = {s: i for i, s in enumerate(STATUS_ORDER)}
        fw_names = sorted(self.frameworks)
        fw_rows: list[list[Any]] = []
        policy_fws: dict[str, list[int]] = {pid: [] for pid in self.policy_ids}
        for fw_i, name in enumerate(fw_names):
            for req in self.frameworks[name]:
                req_i = len(fw_rows)
                fw_rows.append([fw_i, req.requirement, req.title])
                for pid in sorted(req.policies):
                    policy_fws[pid].append(req_i)
        ri, pi = self.resource_index, self.policy_index
        prefixes: dict[str, int] = {}
        resources: list[list[Any]] = []
        for rid in self.resource_ids:
            name, rtype, account, region = self.resources[rid]
            prefix, rest = _arn_prefix(rid, name)
            owner = self.owner.get(rid)
            resources.append(
                [
                    prefixes.setdefault(prefix, len(prefixes)),
                    rest,
                    0 if rest == name else name,
                    typ[rtype],
                    acc[account],
                    reg[region],
                    sorted(self.tags[rid].items()) if rid in self.tags else 0,
                    ri[owner] if owner is not None else -1,
                ]
            )
        reasons: dict[str, int] = {}
        passing = sorted(
            (
                (sta[status], -self.policies[pid].severity.rank, pid, status, reason, rows)
                for (pid, status, reason), rows in self.passing.items()
            ),
            key=lambda g: (*g[:3], g[4]),
        )
        compact, pairs = self._inherited_rows()
        head = {
            "statuses": [s.value for s in STATUS_ORDER],
            "severities": [s.value for s in SEVERITY_ORDER],
            "accounts": self.accounts,
            "regions": self.regions,
            "types": self.types,
            "frameworks": fw_names,
            "times": self.times,
            "seen": self.seen,
            "requirements": fw_rows,
            "tagColumns": self.tag_columns,
            "policies": [
                [p.id, p.title, sev[p.severity], policy_fws[p.id]] for p in self.policies.values()
            ],
            "arnPrefixes": list(prefixes),
            # [ARN prefix, ARN rest, name (0: the ARN rest), type, account, region,
            #  [[tag key, value], ...] or 0, owning cluster or -1]
            "resources": resources,
            # [policy, status, severity, rows] per static group, in page order
            "issueGroups": [
                [pi[g.policy.id], sta[g.status], sev[g.policy.severity], len(g.findings)]
                for g in self.groups
            ],
            # the resource of each static row (id="i<N>")
            "issueResources": [ri[f.resource_id] for g in self.groups for f in g.findings],
            # [policy, status, reason, resource index differences]: PASS and N/A
            "passing": [
                [
                    pi[pid],
                    sta[status],
                    reasons.setdefault(reason, len(reasons)),
                    _deltas(sorted(rows)),
                ]
                for _, _, pid, status, reason, rows in passing
            ],
            # [policy, clusters (differences)] whose members all inherit the verdict
            "inheritedClusters": compact,
            # [policy, member] of any other inherited NOT_APPLICABLE row
            "inheritedRows": pairs,
        }
        head["reasons"] = list(reasons)
        yield Markup(script_json(head))


def _scorecard(data: _Data) -> dict[str, Any]:
    """Per cluster (its own findings and its members'): failing count and worst severity."""
    cards: dict[str, dict[str, Any]] = {}
    for g in data.groups:
        if g.status not in (Status.FAIL, Status.UNKNOWN):
            continue
        for f in g.findings:
            cluster = data.cluster_of(f.resource_id)
            if data.resources[cluster][1] != "aws.rds.db_cluster":
                continue
            card = cards.get(cluster)
            if card is None:
                name, _, account, region = data.resources[cluster]
                card = cards[cluster] = {
                    "id": cluster,
                    "name": name,
                    "place": f"{account} / {region}",
                    "fail": 0,
                    "unknown": 0,
                    "worst": None,
                }
            if f.status is Status.FAIL:
                card["fail"] += 1
                if card["worst"] is None or f.severity.rank > card["worst"].rank:
                    card["worst"] = f.severity
            else:
                card["unknown"] += 1
    clusters = sum(1 for _, t, _, _ in data.resources.values() if t == "aws.rds.db_cluster")
    ranked = sorted(
        cards.values(),
        key=lambda c: (
            -(c["worst"].rank if c["worst"] else -1),
            -c["fail"],
            -c["unknown"],
            c["name"],
        ),
    )
    return {
        "clusters": clusters,
        "failing": sum(1 for c in cards.values() if c["fail"]),
        "rows": ranked[:SCORECARD_ROWS],
        "more": max(0, len(ranked) - SCORECARD_ROWS),
    }


def _framework_summary(
    frameworks: Mapping[str, list[RequirementView]], titles: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Requirements met / failed / unknown / not assessed per framework, with bar widths."""
    out = []
    for name, reqs in frameworks.items():
        tally = {"met": 0, "failed": 0, "unknown": 0, "not_assessed": 0}
        for req in reqs:
            verdict = req.verdict
            if verdict == Status.FAIL.value:
                tally["failed"] += 1
            elif verdict == Status.UNKNOWN.value:
                tally["unknown"] += 1
            elif verdict in (Status.PASS.value, Status.WAIVED.value):
                tally["met"] += 1
            else:  # NOT_APPLICABLE, NO DATA, or NOT_ASSESSED (excluded by config)
                tally["not_assessed"] += 1
        total = len(reqs) or 1
        out.append(
            {
                "name": name,
                "title": titles.get(name, name),
                "total": len(reqs),
                **tally,
                "bar": [
                    (k, round(100 * tally[k] / total, 2))
                    for k in ("met", "failed", "unknown", "not_assessed")
                    if tally[k]
                ],
            }
        )
    return out


def _remedies(data: _Data) -> list[dict[str, Any]]:
    """Per failing policy: its text and the filled-in command of each failing resource."""
    out: list[tuple[PolicyView, dict[str, Any]]] = []
    for g in data.groups:
        if g.status is not Status.FAIL:
            continue
        p = g.policy
        commands = [
            (f.resource_name or f.resource_id, f.resource_id, str(f.remediation.get("cli", "")))
            for f in g.findings
        ]
        out.append((p, {"policy": p, "commands": commands, "anchor": g.anchor}))
    out.sort(key=lambda pair: (-pair[0].severity.rank, pair[0].id))
    return [remedy for _, remedy in out]


REMEDY_ROWS = 100  # commands per policy on the Remediation tab; all are under Findings


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string: anything but plain ASCII letters, digits
    and a little punctuation as a CSS escape, so no value can end the string
    or the <style> element it sits in."""
    out = []
    for ch in text:
        if ch.isascii() and (ch.isalnum() or ch in " .:-_/"):
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):06x}")
    return Markup('"' + "".join(out) + '"')


def _print_header(header: Mapping[str, Any]) -> Markup:
    """The running header of every printed page: which scan, which snapshot."""
    scan = header.get("started_at") or "unknown time"
    digest = header.get("snapshot_sha256") or "not recorded"
    return css_string(f"aurora-scan - scan {scan} - snapshot sha256 {digest}")


def _context(result: ScanResult, view: ReportView) -> dict[str, Any]:
    findings = in_report(result.findings)
    excluded = len(result.findings) - len(findings)
    if excluded:  # counts, policies and frameworks without the out-of-scope resources
        view = ReportView(dataclasses.replace(result, findings=tuple(findings)))
    policies = view.policies
    frameworks = view.frameworks
    data = _Data(result, findings, policies, frameworks)
    counts = view.counts
    unknown_by_policy = sorted(
        (
            (p.id, p.counts[Status.UNKNOWN.value])
            for p in policies.values()
            if p.counts[Status.UNKNOWN.value]
        ),
        key=lambda kv: (-kv[1], kv[0]),
    )
    by_status = counts["by_status"]
    if by_status[Status.FAIL.value]:
        verdict = ("fail", f"{by_status[Status.FAIL.value]} failing findings")
    elif view.incomplete:
        verdict = ("unknown", "Incomplete: nothing failed, but some checks could not be evaluated")
    else:
        verdict = ("pass", "No failing findings")
    fw_titles = framework_titles(result)
    excluded_resources = (
        len({f.resource_id for f in result.findings}) - len(data.resource_ids) if excluded else 0
    )
    return {
        "header": view.header,
        "verdict": verdict,
        "incomplete": view.incomplete,
        "counts": counts,
        "statuses": [s.value for s in STATUS_ORDER],
        "severities": [s.value for s in SEVERITY_ORDER],
        "chart": _chart(counts),
        "policies": list(policies.values()),
        "frameworks": frameworks,
        "fw_titles": fw_titles,
        "fw_summary": _framework_summary(frameworks, fw_titles),
        "scorecard": _scorecard(data),
        "waivers": waiver_lists(result),
        "waiver_soon_days": waiver_soon_days(result),
        "errors": [
            {
                "account": e.account,
                "region": e.region,
                "service": e.service,
                "operation": e.operation,
                "code": e.error_code,
                "message": one_line(redact(str(e.message))),
                "types": ", ".join(e.resource_types),
                "text": error_text(e),
            }
            for e in result.errors
        ],
        "unknown_by_policy": unknown_by_policy,
        "remedies": _remedies(data),
        "remedy_rows": REMEDY_ROWS,
        "print_header": _print_header(view.header),
        "issue_count": sum(len(g.findings) for g in data.groups),
        "issue_groups": data.groups,
        "issue_chunks": data.issues.chunks(),
        "accounts": data.accounts,
        "regions": data.regions,
        "tag_columns": data.tag_columns,
        "data_chunks": data.chunks(),
        "resource_count": len(data.resource_ids),
        "excluded_findings": excluded,
        "excluded_resources": excluded_resources,
    }


def render_html(
    result: ScanResult, path: Path, options: Any = None, *, view: ReportView | None = None
) -> Path:
    context = _context(result, view or ReportView(result))
    write_chunks(path, render_stream(html_env(), "report.html.j2", context))
    return path


def extract_data(html: str) -> dict[str, Any]:
    """(for tests) the JSON data block of a rendered report."""
    start = html.index('id="report-data">') + len('id="report-data">')
    end = html.index("</script>", start)
    parsed: dict[str, Any] = json.loads(html[start:end])
    return parsed
