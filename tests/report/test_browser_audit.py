"""The auditor's report in Chromium: readable without JavaScript, printable,
usable on a phone, linkable, keyboard-operable (issue 16 items 1-3, 6, 8, 9).

The demo's own report.html is rendered once (``aurora-scan demo`` in a child
process: moto's state is process-global) and opened in Debian's Chromium.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from report_factory import PLACE_TAG, XSS, rich_result
from test_browser import ARGS, CHROMIUM, Watched

from scanner.model import Finding
from scanner.report import render
from scanner.report._evidence import evidence_line
from scanner.result_file import read_result

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.access(CHROMIUM, os.X_OK),
        reason=f"{CHROMIUM} is missing: install Debian's chromium (make browser) to run these",
    ),
]

NON_PASS = ("FAIL", "UNKNOWN", "WAIVED")
TABS = ("summary", "compliance", "policies", "findings", "resources", "remediation", "waivers")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "out"
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from scanner.cli import entry; entry()",
            "demo",
            "--output-dir",
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


@pytest.fixture(scope="module")
def demo_findings(demo: Path) -> list[Finding]:
    return list(read_result(demo / "results.json").findings)


def one_spaced(text: str) -> str:
    """Text as the browser lays it out (runs of white space as one space)."""
    return " ".join(text.split())


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    w = Watched(browser)
    yield w
    w.page.close()


def test_without_javascript_every_non_pass_finding_is_there(
    browser: Any, demo: Path, demo_findings: list[Finding]
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((demo / "report.html").resolve().as_uri())
    assert page.is_visible("#issues-static") and page.is_visible("#executive")
    assert not page.is_visible("#tabs")  # the controls need the script
    shown = " ".join(page.inner_text("#issues-static").split())
    non_pass = [f for f in demo_findings if f.status.value in NON_PASS]
    assert non_pass
    for f in non_pass:
        assert f.resource_id in shown, f.resource_id
        assert one_spaced(f.message) in shown, f.message
        for ev in f.evidence:
            assert one_spaced(evidence_line(ev)) in shown
        if f.status.value == "FAIL" and f.remediation.get("cli"):
            assert one_spaced(f.remediation["cli"]) in shown
    rows = page.eval_on_selector_all("#issues-static tr[id^=i]", "els => els.length")
    assert rows == len(non_pass)
    # Remediation: filled-in commands, never a template placeholder
    remediation = page.inner_text("#remediation")
    assert "aws rds" in remediation
    assert not re.search(r"\{[A-Za-z]+\}", remediation + shown)
    # Neptune and DocumentDB clusters are out of the report entirely
    assert "knowledge-graph" not in page.content()
    assert requests == [(demo / "report.html").resolve().as_uri()]
    context.close()


def test_demo_prints_to_at_most_30_a4_pages(watched: Watched, demo: Path) -> None:
    page = watched.open(demo / "report.html")
    pdf = page.pdf(format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 3 <= pages <= 30, pages
    # what was printed held every non-PASS finding (made markup for printing)
    rows = page.eval_on_selector_all("#issues-static .grp-live tr[id^=i]", "els => els.length")
    groups = page.eval_on_selector_all("#issues-static noscript", "els => els.length")
    assert rows >= groups > 0
    page.emulate_media(media="print")
    page.wait_for_selector("#issues-static tr#i0", state="visible")
    watched.assert_clean()


def test_no_horizontal_page_scroll_at_390px(watched: Watched, demo: Path) -> None:
    watched.page.set_viewport_size({"width": 390, "height": 844})
    page = watched.open(demo / "report.html")
    for tab in TABS:
        page.click(f"button[data-tab={tab}]")
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], (tab, width)
    page.click("button[data-tab=findings]")
    page.click("#finding-table tbody tr.finding button.open")
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    watched.assert_clean()


def test_filter_bar_never_covers_the_table_header(watched: Watched, demo: Path) -> None:
    page = watched.open(demo / "report.html")
    page.click("button[data-tab=findings]")

    def overlap() -> float:
        bar = page.eval_on_selector("#filters", "e => e.getBoundingClientRect().bottom")
        head = page.eval_on_selector(
            "#finding-table thead th", "e => e.getBoundingClientRect().top"
        )
        return float(bar) - float(head)

    assert overlap() <= 0
    page.eval_on_selector("#finding-list .tablebox", "e => { e.scrollTop = 600; }")
    assert overlap() <= 0
    page.mouse.wheel(0, 900)
    page.wait_for_timeout(100)
    assert overlap() <= 0
    watched.assert_clean()


def test_hash_reopens_the_same_filtered_view(
    watched: Watched, browser: Any, demo: Path, demo_findings: list[Finding]
) -> None:
    page = watched.open(demo / "report.html")
    page.click("button[data-tab=findings]")
    page.select_option("#f-status", label="FAIL")
    page.select_option("#f-severity", label="high")
    page.click("#finding-table button.sort[data-sort=resource]")
    url = page.url
    assert "#findings?" in url and "status=FAIL" in url and "severity=high" in url
    count = page.inner_text("#f-count")
    rows = page.inner_text("#finding-table tbody")
    expected = sum(
        1 for f in demo_findings if f.status.value == "FAIL" and f.severity.value == "high"
    )
    assert count.startswith(f"{expected} of ")

    again = Watched(browser)
    try:
        second = again.open(demo / "report.html")
        second.goto(url)  # same document: a fresh load of the link
        second.reload()
        second.wait_for_selector("body[data-ready='1']")
        assert second.is_visible("#findings")
        assert second.inner_text("#f-count") == count
        assert second.inner_text("#finding-table tbody") == rows
        assert second.eval_on_selector("#f-status", "e => e.value") == "0"
        again.assert_clean()
    finally:
        again.page.close()
    watched.assert_clean()


def test_requirement_drill_down_opens_filtered_to_fail(watched: Watched, demo: Path) -> None:
    page = watched.open(demo / "report.html")
    page.click("button[data-tab=compliance]")
    page.click("#compliance button.drill >> nth=0")
    assert page.is_visible("#findings")
    statuses = set(
        page.eval_on_selector_all("#finding-table tbody .st", "els => els.map(e => e.textContent)")
    )
    assert statuses == {"FAIL"}
    assert "status=FAIL" in page.url and "requirement=" in page.url
    watched.assert_clean()


def test_keyboard_opens_a_row(watched: Watched, demo: Path) -> None:
    page = watched.open(demo / "report.html")
    page.click("button[data-tab=findings]")
    opener = page.locator("#finding-table tbody tr.finding button.open").first
    assert opener.get_attribute("aria-expanded") == "false"
    opener.focus()
    page.keyboard.press("Enter")
    assert opener.get_attribute("aria-expanded") == "true"
    detail = page.inner_text("#finding-table tbody tr.detail")
    assert "arn:aws:" in detail and "Requirement:" in detail
    page.keyboard.press("Space")
    assert opener.get_attribute("aria-expanded") == "false"
    assert not page.query_selector("#finding-table tbody tr.detail")
    watched.assert_clean()


def test_member_instances_are_listed_under_their_cluster(watched: Watched, demo: Path) -> None:
    page = watched.open(demo / "report.html")
    page.click("button[data-tab=findings]")
    text = page.inner_text("#finding-table tbody")
    assert "inherited from cluster" not in text
    assert "member instances inherit" in text
    page.click("button[data-tab=resources]")
    toggles = page.locator("#resource-table tbody tr.resource button.open")
    assert toggles.count() > 0
    before = page.locator("#resource-table tbody tr").count()
    toggles.first.click()
    assert toggles.first.get_attribute("aria-expanded") == "true"
    assert page.locator("#resource-table tbody tr.member").count() > 0
    assert page.locator("#resource-table tbody tr").count() > before
    watched.assert_clean()


@pytest.fixture(scope="module")
def tagged_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(rich_result(), ["html"], tmp_path_factory.mktemp("tags"))["html"]


def test_tag_values_are_text_with_utf8_intact(watched: Watched, tagged_html: Path) -> None:
    page = watched.open(tagged_html)
    scripts = page.eval_on_selector_all("script", "els => els.length")
    page.emulate_media(media="print")  # the static list becomes markup for printing
    page.wait_for_selector("#issues-static .grp-live tr#i0", state="attached")
    static = page.eval_on_selector_all(
        "#issues-static .grp-live", "els => els.map(e => e.textContent).join(' ')"
    )
    page.emulate_media(media="screen")
    assert f"Owner={XSS}" in static and f"owner={PLACE_TAG}" in static
    page.click("button[data-tab=resources]")
    table = page.inner_text("#resource-table")
    assert XSS in table and PLACE_TAG in table
    assert "Owner" in page.inner_text("#resource-table thead")
    # the Owner column is filterable; "owner" (lower case) fills the same column
    page.select_option("select.f-tag[data-tag='0']", label=PLACE_TAG)
    names = page.eval_on_selector_all(
        "#resource-table tbody tr.resource td:first-child", "els => els.map(e => e.textContent)"
    )
    assert names == ["quote\"d 'single' & <amp>"]
    assert "tag.Owner=" in page.url
    page.click("button[data-tab=findings]")
    page.click("#finding-table tbody tr.finding button.open")
    assert PLACE_TAG in page.inner_text("#finding-table tbody tr.detail")
    assert page.eval_on_selector_all("script", "els => els.length") == scripts == 3
    watched.assert_clean()
