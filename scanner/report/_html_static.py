"""The static half of report.html: every non-PASS finding as plain markup.

An auditor archives the report and opens it years later, perhaps with
JavaScript off, perhaps on paper.  So every FAIL, UNKNOWN and WAIVED finding
is written here as HTML the browser shows as is: the resource (name and
ARN), status, severity, policy, message, evidence lines, the filled-in
remediation command and the policy's framework requirements.  The page's
script only filters, sorts and searches; it reads these rows back by id.

At 10,000 clusters there are ~70k such rows, so they are built with
f-strings and ``html.escape`` (C) a group at a time rather than by a Jinja
loop, and streamed into the file.  Every value from AWS goes through
``_text``: HTML-escaped, and control or bidi characters made visible.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from markupsafe import Markup

from scanner.model import Finding, Status
from scanner.report._evidence import EvidenceLines
from scanner.report._view import PolicyView, waiver_text
from scanner.terminal import visible, visible_keep_whitespace

NON_PASS = (Status.FAIL, Status.UNKNOWN, Status.WAIVED)
_STATUS_INDEX = {Status.FAIL: 0, Status.UNKNOWN: 1, Status.WAIVED: 2}


def text(value: object) -> str:
    """Any value from AWS or a results file as inert HTML text."""
    return escape(visible_keep_whitespace(str(value)), quote=True)


def ident(value: object) -> str:
    """A name, ARN or tag as inert HTML text on one line: a newline or tab in an
    identifier is shown as ``\\n`` / ``\\t``, so two look-alike ARNs never read the same."""
    return escape(visible(str(value)), quote=True)


@dataclass
class IssueGroup:
    """The non-PASS findings of one policy with one status (a heading, then rows)."""

    status: Status
    policy: PolicyView
    findings: list[Finding] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"g-{_STATUS_INDEX[self.status]}-{self.policy.id}"


def issue_groups(
    findings: Sequence[Finding], policies: Mapping[str, PolicyView]
) -> list[IssueGroup]:
    """Groups in the report's default order: status (FAIL, UNKNOWN, WAIVED), then
    severity (critical first), then policy id; rows by account, region, resource."""
    groups: dict[tuple[Status, str], IssueGroup] = {}
    for f in findings:
        if f.status not in _STATUS_INDEX:
            continue
        key = (f.status, f.policy_id)
        group = groups.get(key)
        if group is None:
            group = groups[key] = IssueGroup(f.status, policies[f.policy_id])
        group.findings.append(f)
    ordered = sorted(
        groups.values(),
        key=lambda g: (_STATUS_INDEX[g.status], -g.policy.severity.rank, g.policy.id),
    )
    for g in ordered:
        g.findings.sort(key=lambda f: (f.account, f.region, f.resource_name, f.resource_id))
    return ordered


def requirement_text(policy: PolicyView) -> str:
    return "; ".join(
        " ".join(p for p in (fw["framework"], fw["requirement"], fw["title"]) if p)
        for fw in policy.frameworks
    )


def tags_html(tags: Mapping[str, str] | None) -> str:
    """A resource's tags as ``key=value`` items (lean markup: one per row at 10k clusters)."""
    if not tags:
        return ""
    return "".join(f'<i class="tg">{ident(k)}={ident(v)}</i>' for k, v in sorted(tags.items()))


def _common_since(sinces: Sequence[str]) -> str:
    """The "since when" line most rows of the group share (a group is one policy
    and status, so after one scan every row has the same), stated once above the
    rows like common evidence: ~150 bytes a row at 70k rows. Empty when no two share."""
    counted = Counter(sinces)
    line, n = counted.most_common(1)[0] if counted else ("", 0)
    return line if n >= 2 else ""


def _common_since_html(since: str, rows: int) -> str:
    if not since:
        return ""
    return (
        f'<div class="since-common">For each of the {rows} rows below that does not say'
        f" otherwise: {since}</div>"
    )


def _common_html(common: list[str], rows: int) -> str:
    if not common:
        return ""
    items = "".join(f"<li>{text(line)}</li>" for line in common)
    return (
        f'<div class="ev-common"><b>Evidence</b> (for each of the {rows} rows below that does'
        f" not show evidence of its own):<ul>{items}</ul></div>"
    )


class IssueRows:
    """Renders the static findings, numbering each row for the script (``id=i<N>``)."""

    def __init__(self, groups: Sequence[IssueGroup], tags: Mapping[str, Mapping[str, str]]) -> None:
        self.groups = groups
        self.tags = tags
        self.lines = EvidenceLines()

    def chunks(self) -> Iterator[Markup]:
        """Each group inside its own ``<noscript>``: without JavaScript the browser
        shows it as markup; with JavaScript it is one inert text node the
        browser does not have to build (~600k elements at 10,000 clusters),
        which the page script turns into markup group by group when a row is
        needed (and all of it before printing).  No value can end the
        noscript early: every ``<`` from data is escaped."""
        n = 0
        for k, g in enumerate(self.groups):
            common = self._common_evidence(g)
            sinces = [_since(f) for f in g.findings]
            since = _common_since(sinces)
            yield Markup(f'<noscript data-g="{k}">' + self._heading(g, common, since))
            parts: list[str] = []
            for f, own_since in zip(g.findings, sinces, strict=True):
                parts.append(self._row(n, f, common, since, own_since))
                n += 1
                if len(parts) >= 500:
                    yield Markup("".join(parts))
                    parts = []
            parts.append("</tbody></table></article></noscript>")
            yield Markup("".join(parts))

    def _common_evidence(self, g: IssueGroup) -> list[str]:
        """The evidence most rows of the group share (stated once, above the rows,
        which then show only evidence of their own), or none when no two share."""
        lines = self.lines
        counted = Counter(tuple(lines(f.evidence, f.policy_id)) for f in g.findings if f.evidence)
        if not counted:
            return []
        common, n = counted.most_common(1)[0]
        return list(common) if n >= 2 else []

    def _heading(self, g: IssueGroup, common: list[str], since: str) -> str:
        p = g.policy
        status = g.status.value
        reqs = requirement_text(p)
        req_html = f'<p class="reqs"><b>Requirements:</b> {text(reqs)}</p>' if reqs else ""
        fix = (
            f'<p class="fix"><b>Remediation:</b> {text(p.remediation_text)}</p>'
            if p.remediation_text and g.status is not Status.WAIVED
            else ""
        )
        return (
            f'<article class="grp st-{status}" id="{text(g.anchor)}">'
            f'<h3><span class="st st-{_STATUS_INDEX[g.status]}">{status}</span> '
            f'<span class="sev sev-{p.severity.value}">{p.severity.value}</span> '
            f"<code>{text(p.id)}</code> — {text(p.title)} "
            f'<span class="muted">({len(g.findings)})</span></h3>'
            f"{req_html}{fix}{_common_since_html(since, len(g.findings))}"
            f"{_common_html(common, len(g.findings))}"
            '<table class="grid fx"><colgroup><col class="c-res"><col class="c-msg"></colgroup>'
            "<thead><tr><th>Resource</th><th>Finding, evidence and fix</th></tr></thead><tbody>"
        )

    def _row(self, n: int, f: Finding, common: list[str], since: str, own_since: str) -> str:
        """One finding as two cells; kept lean (no classes the CSS can do without):
        at 10,000 clusters there are ~70k of these."""
        message = f.message or f.reason
        reason = f'<p class="why">{text(f.reason)}</p>' if f.reason and f.reason != message else ""
        lines = self.lines(f.evidence, f.policy_id) if f.evidence else []
        evidence = (
            "<ul>" + "".join(f"<li>{text(line)}</li>" for line in lines) + "</ul>"
            if lines and lines != common
            else ""
        )
        waiver = (
            f'<p class="waiver"><b>Waiver:</b> {text(waiver_text(f.waiver))}'
            f"{_waiver_extra(f.waiver)}</p>"
            if f.waiver
            else ""
        )
        cli = f.remediation.get("cli") if f.status is Status.FAIL else None
        command = f"<pre>{text(cli)}</pre>" if cli else ""
        if since and not own_since:
            # The group states a shared line for rows "that do not say otherwise":
            # a row with no history (from a file that had none) must say so.
            own_since = '<p class="since">First seen: not recorded</p>'
        return (
            f'<tr id="i{n}"><td>{resource_cell(f)}{tags_html(self.tags.get(f.resource_id))}</td>'
            f"<td><p>{text(message)}</p>{reason}{'' if own_since == since else own_since}"
            f"{evidence}{waiver}{command}</td></tr>"
        )


def resource_cell(f: Finding) -> str:
    """The ARN with the resource's name in bold where the ARN ends with it (most
    do), else the name above the ARN; account and region only when the ARN
    does not already say them."""
    arn, name = f.resource_id, f.resource_name or f.resource_id
    if name and arn.endswith(name) and len(arn) > len(name):
        cell = f"<code>{ident(arn[: -len(name)])}<b>{ident(name)}</b></code>"
    else:
        cell = f'<b class="rn">{ident(name)}</b><br><code>{ident(arn)}</code>'
    if f":{f.region}:{f.account}:" not in arn:
        cell += f'<br><span class="muted">{ident(f.account)} / {ident(f.region)}</span>'
    return cell


# ----- spots for data another change adds (rendered only when present) -------


def _since(f: Finding) -> str:
    """Since when (issue 16 item 5): first seen, and since when the finding has its
    status ("failing since" for a FAIL), when the result records them."""
    first, since = f.first_seen, f.last_status_change
    if not first:
        return ""
    word = "Failing since" if f.status is Status.FAIL else f"{f.status.value} since"
    return (
        f'<p class="since"><span class="first-seen">First seen: {text(first)}</span>'
        f"{'' if not since else f'; <span class=status-since>{word}: {text(since)}</span>'}</p>"
    )


_WAIVER_FIELDS = (("ticket", "ticket"), ("approved_by", "approved by"), ("granted", "granted"))


def _waiver_extra(waiver: Mapping[str, Any] | None) -> str:
    """Waiver governance fields (ticket, approved_by, granted), when the waiver has them."""
    if not waiver:
        return ""
    extra = [f"{label} {text(waiver[key])}" for key, label in _WAIVER_FIELDS if waiver.get(key)]
    return f" ({', '.join(extra)})" if extra else ""
