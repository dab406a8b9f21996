"""report.html in headless Chromium (Debian's; Playwright cannot download one here).

Opened from file://: no console errors, no request leaves the file, the
filters change what is shown, and a hostile tag value is text, never markup.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from report_factory import XSS, rich_result, synthetic_result

from scanner.model import Status
from scanner.report import render

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.access(CHROMIUM, os.X_OK),
        reason=f"{CHROMIUM} is missing: install Debian's chromium (make browser) to run these",
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


class Watched:
    """A page with every console message, page error, request and dialog recorded."""

    def __init__(self, browser: Any) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.console: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))

        def on_dialog(d: Any) -> None:
            self.dialogs.append(d.message)
            d.dismiss()

        self.page.on("dialog", on_dialog)

    def open(self, path: Path) -> Any:
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_selector("body[data-ready='1']", timeout=15_000)
        return self.page

    def assert_clean(self) -> None:
        assert not [c for c in self.console if c.startswith(("error", "pageerror", "warning"))], (
            self.console
        )
        leaving = [u for u in self.requests if not u.startswith(("file:", "data:", "about:"))]
        assert not leaving, leaving
        assert not self.dialogs, self.dialogs


@pytest.fixture(scope="module")
def rich_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(rich_result(), ["html"], tmp_path_factory.mktemp("html"))["html"]


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    w = Watched(browser)
    yield w
    w.page.close()


def count_text(page: Any) -> str:
    return str(page.inner_text("#f-count"))


def wait_count(page: Any, changed_from: str) -> str:
    """Search input is debounced; poll from Python (the page's CSP forbids the
    string evaluation wait_for_function would need)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        text = count_text(page)
        if text != changed_from:
            return text
        page.wait_for_timeout(50)
    raise AssertionError(f"filter count stayed {changed_from!r}")


def shown_statuses(page: Any) -> set[str]:
    return set(
        page.eval_on_selector_all(
            "#finding-table tbody tr.finding td:first-child .st",
            "els => els.map(e => e.textContent)",
        )
    )


def test_loads_offline_without_errors(watched: Watched, rich_html: Path, tmp_path: Path) -> None:
    page = watched.open(rich_html)
    assert "aurora-scan compliance report" in page.inner_text("h1")
    assert page.is_visible("#summary") and not page.is_visible("#findings")
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert (tmp_path / "report.png").stat().st_size > 10_000
    page.click("button[data-tab=findings]")
    page.click("#finding-table tbody tr.finding")
    watched.assert_clean()
    assert watched.requests == [rich_html.resolve().as_uri()]


def test_hostile_tag_value_is_text_and_no_dialog_fires(watched: Watched, rich_html: Path) -> None:
    page = watched.open(rich_html)
    assert page.eval_on_selector_all("script", "els => els.length") == 3
    assert XSS in page.inner_text("#evidence")  # region skip reason, rendered as text
    page.click("button[data-tab=findings]")
    before = count_text(page)
    page.fill("#f-search", "prod <script>")  # the resource whose *name* is hostile
    wait_count(page, before)
    assert XSS in page.inner_text("#finding-table tbody")
    page.click("#finding-table tbody tr.finding")
    detail = page.inner_text("#finding-table tbody tr.detail")
    assert XSS in detail
    assert page.eval_on_selector_all("script", "els => els.length") == 3
    watched.assert_clean()


def test_filters_change_what_is_shown(watched: Watched, rich_html: Path) -> None:
    result = rich_result()
    page = watched.open(rich_html)
    page.click("button[data-tab=findings]")
    total = len(result.findings)
    assert count_text(page).startswith(f"{total} of {total} findings")
    assert len(shown_statuses(page)) == 5

    page.select_option("#f-status", label="FAIL")
    fails = sum(f.status is Status.FAIL for f in result.findings)
    assert count_text(page).startswith(f"{fails} of {total}")
    assert shown_statuses(page) == {"FAIL"}

    page.select_option("#f-severity", label="critical")
    crit = sum(f.status is Status.FAIL and f.severity.value == "critical" for f in result.findings)
    assert count_text(page).startswith(f"{crit} of {total}")

    page.click("#f-clear")
    page.select_option("#f-account", label="444455556666")
    in_acc = sum(f.account == "444455556666" for f in result.findings)
    assert count_text(page).startswith(f"{in_acc} of {total}")
    page.select_option("#f-region", label="us-east-1")  # that account has no us-east-1 findings
    assert count_text(page).startswith(f"0 of {total}")

    page.click("#f-clear")
    page.select_option("#f-framework", label="PCI DSS 4.0")
    pci_policies = {
        p["id"]
        for p in result.policies
        if any(fw["framework"] == "PCI DSS 4.0" for fw in p["frameworks"])
    }
    pci = sum(f.policy_id in pci_policies for f in result.findings)
    assert count_text(page).startswith(f"{pci} of {total}")

    page.click("#f-clear")
    before = count_text(page)
    page.fill("#f-search", "кластер")
    assert wait_count(page, before).startswith(f"{len(result.policies)} of {total}")
    watched.assert_clean()


def test_compliance_drill_down_and_resources(watched: Watched, rich_html: Path) -> None:
    page = watched.open(rich_html)
    page.click("button[data-tab=compliance]")
    page.click("button.drill[data-requirement='3.5.1']")
    assert page.is_visible("#findings")
    assert "PCI DSS 4.0 3.5.1" in page.inner_text("#f-chips")
    policies = set(
        page.eval_on_selector_all(
            "#finding-table tbody tr.finding td:nth-child(3)", "els => els.map(e => e.textContent)"
        )
    )
    assert policies == {"aurora.cluster.encrypted"}
    page.click("button[data-tab=resources]")
    rows = page.query_selector_all("#resource-table tbody tr.resource button.linkish")
    assert rows
    rows[0].click()
    assert page.is_visible("#findings") and "resource:" in page.inner_text("#f-chips")
    watched.assert_clean()


def test_large_report_paginates(watched: Watched, tmp_path: Path) -> None:
    result = synthetic_result(200)
    path = render(result, ["html"], tmp_path)["html"]
    page = watched.open(path)
    page.click("button[data-tab=findings]")
    assert len(page.query_selector_all("#finding-table tbody tr.finding")) == 50
    first = page.inner_text("#finding-table tbody tr.finding")
    page.click(".pager[data-for=findings] >> text=next")
    assert page.inner_text("#finding-table tbody tr.finding") != first
    # member instances' inherited rows are listed under their cluster's row, not paged
    listed = sum(1 for f in result.findings if not f.reason.startswith("inherited from"))
    assert f"page 2 of {-(-listed // 50)} ({listed})" in page.inner_text(
        ".pager[data-for=findings]"
    )
    watched.assert_clean()


def test_filter_bar_only_with_lists(watched: Watched, rich_html: Path) -> None:
    page = watched.open(rich_html)
    assert not page.is_visible("#filters")
    page.click("button[data-tab=resources]")
    assert page.is_visible("#filters")
    page.click("button[data-tab=waivers]")
    assert not page.is_visible("#filters") and page.is_visible("#waivers")
    watched.assert_clean()
