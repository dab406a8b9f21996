"""report.html without a browser: self-contained, escaped, complete."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from report_factory import LONG, XSS, synthetic_result

from scanner.model import ScanResult, Status
from scanner.report import render
from scanner.report._html_static import resource_cell
from scanner.report._html_static import text as escape
from scanner.report.html import extract_data


def data_rows(data: dict[str, Any]) -> int:
    """Findings the data block accounts for: static rows, PASS/N/A groups, inherited rows."""
    members: dict[int, int] = {}
    for r in data["resources"]:
        if r[7] >= 0:
            members[r[7]] = members.get(r[7], 0) + 1
    inherited = len(data["inheritedRows"])
    for _, deltas in data["inheritedClusters"]:
        cluster = 0
        for d in deltas:
            cluster += d
            inherited += members[cluster]
    passing = sum(len(g[3]) for g in data["passing"])
    return len(data["issueResources"]) + passing + inherited


def html_of(paths: dict[str, Path]) -> str:
    return paths["html"].read_text(encoding="utf-8")


def test_no_external_reference_at_all(rich_reports: dict[str, Path]) -> None:
    html = html_of(rich_reports)
    # Links a reader may follow (policy references) are https anchors that send no
    # referrer; nothing is loaded: no src at all, no href but those and in-page ones.
    for tag, href in re.findall(r"<(\w+)[^>]*\bhref=\"([^\"]*)\"", html):
        assert tag == "a" and (href.startswith("#") or href.startswith("https://")), (tag, href)
    assert all("noreferrer" in a for a in re.findall(r"<a [^>]*href=\"https://[^>]*>", html))
    assert not re.search(r"<(link|img|iframe|object|embed|audio|video|source)\b", html, re.I)
    assert not re.search(r"\bsrc\s*=", html, re.I)
    assert "@import" not in html and "url(" not in html
    assert "default-src 'none'" in html


def test_hostile_strings_are_escaped(rich_reports: dict[str, Path]) -> None:
    html = html_of(rich_reports)
    assert html.count("<script") == 3  # the class setter, the data block, the page script
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # server-rendered text
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in html  # inside the JSON block


def test_data_block_holds_every_finding(rich: ScanResult, rich_reports: dict[str, Path]) -> None:
    html = html_of(rich_reports)
    data = extract_data(html)
    assert data_rows(data) == len(rich.findings)
    non_pass = [f for f in rich.findings if f.status.value in ("FAIL", "UNKNOWN", "WAIVED")]
    assert len(data["issueResources"]) == len(non_pass)
    # every non-PASS finding is static markup: its message, ARN and evidence in the page
    for f in non_pass:
        assert escape(f.message) in html or escape(f.reason) in html
        assert resource_cell(f) in html  # the ARN (name in bold) and, if not in it, the place
    for n in range(len(non_pass)):
        assert f'id="i{n}"' in html
    observed = html[: html.index('id="report-data"')]
    assert escape(XSS) in observed  # observed tag values shown as escaped text
    names = {r[2] or r[1] for r in data["resources"]}
    assert LONG in names and "кластер-日本-🚀" in names


def test_evidence_header_and_sections(rich_reports: dict[str, Path]) -> None:
    html = html_of(rich_reports)
    for text in [
        "111122223333",
        "444455556666",
        "ap-south-2",
        "opt-in region not enabled",
        "assumed-role/Scanner/session",
        "2026-11-28T00:00:00Z",
        "2026-11-28T00:05:00Z",
        "a" * 64,
        "b" * 64,
        "c" * 64,
        "aurora-scan scan --region us-east-1 --output-dir out",
        "aurora-scan 0.1.0",
        'id="compliance"',
        "PCI DSS 4.0",
        "RDS.27",
        "EXPIRED",
        "STALE",
        "dba-team",
        "DescribeDBClusterSnapshots",
        "aws rds modify-db-cluster",
        "@media print",
        "<svg",
    ]:
        assert text in html, text


def test_large_estate_streams_and_stays_compact(tmp_path: Path) -> None:
    result = synthetic_result(400)  # 20,000 findings
    html = html_of(render(result, ["html"], tmp_path))
    data = extract_data(html)
    assert data_rows(data) == len(result.findings) == 20_000
    non_pass = [f for f in result.findings if f.status.value in ("FAIL", "UNKNOWN", "WAIVED")]
    # PASS/N/A rows are a few bytes each; non-PASS rows are static markup in full
    passing = len(result.findings) - len(non_pass)
    assert len(html) < 40 * passing + 1500 * len(non_pass)
    assert html.count('<tr id="i') == len(non_pass)
    fails = sum(g[3] for g in data["issueGroups"] if g[1] == 0)
    assert fails == sum(f.status is Status.FAIL for f in result.findings)


def test_framework_titles_from_the_scan_catalogue(rich: ScanResult, tmp_path: Path) -> None:
    import dataclasses

    scan = {**rich.scan, "frameworks": [{"id": "PCI DSS 4.0", "title": "Payment Card <Industry>"}]}
    html = html_of(render(dataclasses.replace(rich, scan=scan), ["html"], tmp_path))
    assert "Payment Card &lt;Industry&gt; <span" in html


def test_compliance_rows_have_verdict_and_failing_resources(rich: ScanResult) -> None:
    from scanner.report._view import compliance, policy_views

    frameworks = compliance(rich, policy_views(rich))
    pci = {r.requirement: r for r in frameworks["PCI DSS 4.0"]}["3.5.1"]
    failing = {
        f.resource_id
        for f in rich.findings
        if f.policy_id == "aurora.cluster.encrypted" and f.status is Status.FAIL
    }
    assert pci.verdict == "FAIL" and pci.failing == failing and failing


def test_print_header_names_the_scan_and_snapshot(rich_reports: dict[str, Path]) -> None:
    html = html_of(rich_reports)
    style = html[html.index("@page") : html.index("</style>")]
    assert "@top-left" in style and 'counter(page) " of " counter(pages)' in style
    assert "a" * 64 in style and "2026-11-28T00:00:00Z" in style
    assert "word-break: break-all" not in html and "overflow-wrap: anywhere" in html


def test_tag_columns_come_from_the_config(rich: ScanResult, tmp_path: Path) -> None:
    import dataclasses

    from scanner.policy.config import load_config

    config_file = tmp_path / "aurora-scan.yml"
    config_file.write_text("report:\n  tag_columns: [CostCenter, Team]\n", encoding="utf-8")
    config = load_config(config_file)
    assert config.tag_columns == ("CostCenter", "Team")
    assert config.to_dict()["report"] == {"tag_columns": ["CostCenter", "Team"]}
    scan = {**rich.scan, "config": config.to_dict()}
    html = html_of(render(dataclasses.replace(rich, scan=scan), ["html"], tmp_path / "out"))
    assert extract_data(html)["tagColumns"] == ["CostCenter", "Team"]
    assert 'data-sort="tag0">CostCenter<' in html and 'data-sort="tag2"' not in html


def test_a_bad_tag_columns_entry_is_a_clear_error(tmp_path: Path) -> None:
    import pytest

    from scanner.errors import UserInputError, UserInputErrors
    from scanner.policy.config import load_config

    config_file = tmp_path / "aurora-scan.yml"
    config_file.write_text("report:\n  tag_columns: Owner\n", encoding="utf-8")
    with pytest.raises((UserInputError, UserInputErrors)) as raised:
        load_config(config_file)
    assert "tag_columns" in str(raised.value)


def test_since_when_is_static_stated_once_per_group_and_per_row_when_it_differs(
    tmp_path: Path,
) -> None:
    import dataclasses

    import msgspec

    result = synthetic_result(40)
    fails = [f for f in result.findings if f.status is Status.FAIL]
    policy = fails[0].policy_id
    group = [f for f in fails if f.policy_id == policy]
    assert len(group) >= 3
    old, unrecorded = group[0], group[1]  # unrecorded: read from a file without history

    def since(f: Any) -> tuple[str, str]:
        if f is unrecorded:
            return "", ""
        if f is old:
            return "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"
        return "2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z"

    findings = [
        msgspec.structs.replace(f, first_seen=since(f)[0], last_status_change=since(f)[1])
        for f in result.findings
    ]
    changed = dataclasses.replace(result, findings=tuple(findings))
    html = html_of(render(changed, ["html"], tmp_path))
    start = html.index(f"<code>{policy}</code>")
    article = html[start : html.index("</article>", start)]
    # the shared line once, above the rows; the one finding that differs says its own
    assert article.count("First seen: 2026-12-01T00:00:00Z") == 1
    assert f"For each of the {len(group)} rows below" in article
    assert article.count("First seen: 2026-11-01T00:00:00Z") == 1
    assert "Failing since: 2026-11-02T00:00:00Z" in article
    assert article.count("First seen: not recorded") == 1
