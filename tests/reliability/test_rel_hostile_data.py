"""Item 5: hostile data from AWS reaches every report as inert text.

Seeded into moto: cluster tag values and keys with HTML and script, quotes,
newlines, unicode (incl. a right-to-left override and an emoji) and a
10,000-character string; a cluster snapshot whose identifier is HTML.  Control
characters cannot travel through moto's XML (AWS refuses them in tags too), so
they are added to the collected snapshot before evaluation.  A custom policy
puts tag values into messages, evidence and the remediation command, so every
format has to carry them.
"""

from __future__ import annotations

import json
import os
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from moto_helpers import REGION, seed_estate

from scanner.collect.runner import CollectOptions, collect
from scanner.result_file import read_result
from scanner.snapshot_file import write_snapshot

sys.path.insert(0, str(Path(__file__).parent.parent / "report"))
from github_rules import check_file
from sarif_schema import assert_schema_valid

XSS = '<script>alert("tag")</script>'
IMG = '"><img src=x onerror=alert(1)>'
QUOTES = 'it\'s "quoted" & <amp> `tick` | pipe'
NEWLINES = "first line\nsecond line"
UNICODE = "ünïcødé ✓ 日本語 \u202eRTL 🙂"
LONG = "L" * 9_990 + "-end-of-10k"
CONTROL = "ctl\x00\x01\x07\x1b[31m\x7f\x85end"
SNAPSHOT_ID = "<b>snap</b>-x"

HOSTILE_TAGS = {
    "Name": XSS,
    "img": IMG,
    "quotes": QUOTES,
    "newlines": NEWLINES,
    "unicode": UNICODE,
    "long": LONG,
    IMG[:60]: "hostile key",
}

POLICY = {
    "id": "custom.hostile_tags",
    "title": "Cluster tag values are echoed (hostile data test)",
    "severity": "high",
    "resource": "aws.rds.db_cluster",
    "scope": {"attr": "x_tags.Name", "op": "exists"},
    "require": {
        "all": [
            {"attr": "x_tags.Name", "op": "eq", "value": "never"},
            {"attr": "x_tags.img", "op": "eq", "value": "never"},
        ]
    },
    "message": "Cluster {DBClusterIdentifier} is named {x_tags.Name} / {x_tags.img} / "
    "{x_tags.quotes} / {x_tags.newlines} / {x_tags.unicode} / {x_tags.control}",
    "remediation": {
        "text": "Rename {x_tags.Name}",
        "cli": "aws rds add-tags-to-resource --resource-name {DBClusterArn} --tags Key=Name,"
        "Value={x_tags.quotes}",
    },
}

DANGEROUS = ("<script", "<img", "onerror=")


@pytest.fixture(scope="module")
def reports(moto_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from faults import env
    from rel_support import forget_estate

    from scanner.cli import main

    root = tmp_path_factory.mktemp("hostile")
    with env(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing"):
        moto_server.reset()
        forget_estate()
        seed_estate(moto_server.client, clusters=2, extras=False)
        rds = moto_server.client("rds")
        arn = rds.describe_db_clusters(DBClusterIdentifier="aurora-000")["DBClusters"][0][
            "DBClusterArn"
        ]
        rds.add_tags_to_resource(
            ResourceName=arn, Tags=[{"Key": k, "Value": v} for k, v in HOSTILE_TAGS.items()]
        )
        rds.create_db_cluster_snapshot(
            DBClusterSnapshotIdentifier=SNAPSHOT_ID, DBClusterIdentifier="aurora-000"
        )
        snapshot = collect(CollectOptions(regions=(REGION,), endpoint_url=moto_server.url))
    assert snapshot.errors == (), snapshot.errors
    data = snapshot.to_dict()
    cluster = next(r for r in data["resources"] if r["id"] == arn)
    got = {t["Key"]: t["Value"] for t in cluster["attrs"]["TagList"]}
    for key in ("Name", "img", "quotes", "unicode", "long"):
        assert got[key] == HOSTILE_TAGS[key], key  # moto kept them byte for byte
    cluster["attrs"]["TagList"].append({"Key": "control", "Value": CONTROL})
    from scanner.model import Snapshot

    path = root / "snapshot.json"
    write_snapshot(Snapshot.from_dict(data), path)

    policies = root / "policies" / "custom"
    policies.mkdir(parents=True)
    (policies / "custom.hostile_tags.yaml").write_text(yaml.safe_dump(POLICY), encoding="utf-8")
    out = root / "out"
    code = main(
        [
            "evaluate",
            str(path),
            "--policies",
            str(root / "policies"),
            "--output-dir",
            str(out),
            "--format",
            "json,sarif,html,junit,md",
        ]
    )
    assert code == 1  # the hostile policy fails
    yield out
    forget_estate()


def test_json_keeps_the_values_exactly(reports: Path) -> None:
    data = read_result(reports / "results.json").to_dict()
    hostile = [
        f
        for f in data["findings"]
        if f["policy_id"] == "custom.hostile_tags" and f["status"] == "FAIL"
    ]
    assert len(hostile) == 1
    message = hostile[0]["message"]
    for value in (XSS, IMG, QUOTES, UNICODE):
        assert value in message, value
    observed = json.dumps(hostile[0]["evidence"], ensure_ascii=False)
    assert json.dumps(XSS, ensure_ascii=False)[1:-1] in observed
    ids = [f["resource_id"] for f in data["findings"]]
    assert any(SNAPSHOT_ID in i for i in ids)


def test_sarif_stays_valid_and_github_safe(reports: Path) -> None:
    path = reports / "results.sarif"
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert_schema_valid(doc)
    check_file(path)
    text = path.read_text(encoding="utf-8")
    # The hostile snapshot id never becomes a raw path segment.
    for result in doc["runs"][0]["results"]:
        for loc in result["locations"]:
            uri = loc["physicalLocation"]["artifactLocation"]["uri"]
            assert "<" not in uri and '"' not in uri and " " not in uri, uri
    assert XSS in json.loads(text)["runs"][0]["results"][0]["message"]["text"] or any(
        XSS in r["message"]["text"] for r in doc["runs"][0]["results"]
    )


def test_junit_parses_and_carries_the_text(reports: Path) -> None:
    tree = ET.parse(reports / "junit.xml")
    text = " ".join(
        " ".join([*(el.attrib.values()), el.text or ""]) for el in tree.getroot().iter()
    )
    assert XSS in text and IMG in text
    raw = (reports / "junit.xml").read_text(encoding="utf-8")
    assert "<script" not in raw and "<img" not in raw
    assert "\x00" not in raw and "\x1b" not in raw


def test_markdown_escapes_everything(reports: Path) -> None:
    md = (reports / "summary.md").read_text(encoding="utf-8")
    for bad in DANGEROUS:
        assert bad not in md, bad
    assert "\x00" not in md and "\x1b" not in md
    # A value never breaks out of a table row.
    for line in md.splitlines():
        if line.startswith("|"):
            assert line.rstrip().endswith("|"), line[:200]


CHROMIUM = "/usr/bin/chromium"


@pytest.mark.browser
@pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"{CHROMIUM} is missing")
def test_html_shows_hostile_values_as_text_in_a_browser(reports: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    html = (reports / "report.html").read_text(encoding="utf-8")
    for bad in ("<script>alert", "<img src=x", "<b>snap</b>"):
        assert bad not in html, bad
    dialogs: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto((reports / "report.html").resolve().as_uri())
            page.wait_for_selector("body[data-ready='1']", timeout=15_000)
            # The findings tab, filtered to each hostile resource, details opened.
            page.click("button[data-tab=findings]")
            texts = []
            for query in ("custom.hostile_tags", "snap</b>"):
                page.fill("#f-search", query)
                page.wait_for_timeout(500)
                for row in page.query_selector_all("#finding-table tbody tr.finding"):
                    if row.is_visible():
                        row.click()
                page.wait_for_timeout(200)
                texts.append(page.inner_text("#finding-table tbody"))
            scripts = page.eval_on_selector_all("script", "els => els.length")
            images = page.eval_on_selector_all("img[onerror], img[src='x']", "els => els.length")
            bold = page.eval_on_selector_all("b", "els => els.map(e => e.textContent)")
        finally:
            browser.close()
    assert not dialogs, dialogs
    assert not errors, errors
    assert XSS in texts[0], texts[0][:2000]
    assert IMG in texts[0], texts[0][:2000]
    assert SNAPSHOT_ID in texts[1], texts[1][:2000]
    assert images == 0
    assert "snap" not in bold
    assert scripts <= 3  # the report's own: the class setter, the data block, the script
