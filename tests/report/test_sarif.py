"""SARIF: the OASIS schema and GitHub's ingestion rules, for every file we make."""

from __future__ import annotations

import dataclasses
import gzip
import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import msgspec
import pytest
from github_rules import check_file, uri_problem
from report_factory import (
    ACCOUNT,
    HOSTILE_NAMES,
    POLICIES,
    REGION,
    clean_result,
    finding,
    rich_result,
    synthetic_result,
)
from sarif_schema import (
    SCHEMA_SHA256,
    assert_sarif_file_valid,
    assert_schema_valid,
    is_uri_reference,
    schema_path,
)

from scanner.model import ScanResult, Severity, Status
from scanner.report import SarifOptions, render
from scanner.report._text import md_escape, resource_uri
from scanner.report.sarif import MAX_RESULTS, NOT_ASSESSED_RULE, render_sarif


def produce(result: ScanResult, tmp: Path, **options: Any) -> dict[str, Any]:
    """Render, then hold the file to both the schema and GitHub's rules."""
    path = render_sarif(result, tmp / "results.sarif", SarifOptions(**options))
    doc = check_file(path, allow_suppressions=options.get("include_waived", False))
    assert_sarif_file_valid(path)
    return doc


def test_schema_copy_is_the_pinned_oasis_file() -> None:
    import hashlib

    assert hashlib.sha256(schema_path().read_bytes()).hexdigest() == SCHEMA_SHA256


def test_format_checker_rejects_bad_uri_references() -> None:
    assert is_uri_reference("aws/1/us-east-1/rds.db_cluster/a%20b")
    for bad in ["a b", "a<b", "%zz", "1a:b/c", 'q"uote', "tab\t"]:
        assert not is_uri_reference(bad), bad


def test_rich_result_is_valid_and_github_ready(rich: ScanResult, tmp_path: Path) -> None:
    doc = produce(rich, tmp_path)
    run = doc["runs"][0]
    assert run["tool"]["driver"]["name"] == "aurora-scan"
    statuses = {r["properties"]["status"] for r in run["results"]}
    assert statuses == {"FAIL", "UNKNOWN"}  # PASS, N/A and WAIVED stay out
    expected = sum(f.status in (Status.FAIL, Status.UNKNOWN) for f in rich.findings)
    assert len(run["results"]) == expected
    for r in run["results"]:
        if r["properties"]["status"] == "UNKNOWN":
            assert r["level"] == "note"
            assert r["partialFingerprints"]["primaryLocationLineHash"]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert set(rules) == {p["id"] for p in POLICIES} | {NOT_ASSESSED_RULE}
    assert rules["aurora.cluster.encrypted"]["properties"]["security-severity"] == "9.5"
    assert rules["aurora.cluster.encrypted"]["defaultConfiguration"]["level"] == "error"


def test_rules_follow_severity_and_tags(rich: ScanResult, tmp_path: Path) -> None:
    rules = produce(rich, tmp_path)["runs"][0]["tool"]["driver"]["rules"]
    for rule in rules:
        sev = Severity(rule["properties"]["severity"])
        assert rule["properties"]["security-severity"] == sev.security_severity
        assert rule["properties"]["tags"][0] == "security"
    backtrack = next(r for r in rules if r["id"] == "aurora.cluster.backtrack")
    assert len(backtrack["shortDescription"]["text"]) == 1024  # 10k title cut to GitHub's limit
    assert "resilience-area-with-spaces" in backtrack["properties"]["tags"]


def test_hostile_names_give_valid_uris_that_decode_back() -> None:
    for name in HOSTILE_NAMES:
        uri = resource_uri(ACCOUNT, REGION, "aws.rds.db_cluster", name)
        assert uri_problem(uri) is None, (name, uri)
        assert is_uri_reference(uri)
        assert uri.count("/") == 4
        last = uri.rsplit("/", 1)[1]
        if len(name) < 40 and name not in ("", ".", ".."):
            assert unquote(last) == name
    assert resource_uri("1", "r", "aws.rds.db_cluster", "a b") == "aws/1/r/rds.db_cluster/a%20b"
    assert len(resource_uri("1", "r", "t", "x" * 10_000)) < 200


def test_collection_errors_make_execution_unsuccessful(rich: ScanResult, tmp_path: Path) -> None:
    inv = produce(rich, tmp_path)["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is False
    notes = inv["toolExecutionNotifications"]
    assert len(notes) == len(rich.errors)
    assert {n["descriptor"]["id"] for n in notes} == {"AccessDenied"}
    assert inv["startTimeUtc"] == "2026-11-28T00:00:00Z"


def test_clean_scan_is_successful(tmp_path: Path) -> None:
    run = produce(clean_result(), tmp_path)["runs"][0]
    assert run["invocations"][0]["executionSuccessful"] is True
    assert run["invocations"][0]["toolExecutionNotifications"] == []
    assert run["results"] == []


def test_waived_only_with_the_option_and_then_as_suppressions(
    rich: ScanResult, tmp_path: Path
) -> None:
    doc = produce(rich, tmp_path, include_waived=True)
    waived = [r for r in doc["runs"][0]["results"] if r["properties"]["status"] == "WAIVED"]
    assert len(waived) == sum(f.status is Status.WAIVED for f in rich.findings)
    for r in waived:
        (suppression,) = r["suppressions"]
        assert suppression["kind"] == "external" and suppression["status"] == "accepted"
        # The waiver's reason is the justification; owner and expiry ride along.
        assert suppression["justification"] == "accepted <script>alert(1)</script>"
        assert suppression["properties"] == {
            "owner": "dba-team@example.com",
            "expires": "2027-01-31",
        }
        assert r["ruleId"] == r["properties"]["policyId"]  # still under its policy's rule


def test_waiver_governance_fields_reach_the_suppression(tmp_path: Path) -> None:
    base = rich_result()
    governed = {
        "reason": "legacy cluster, replaced in Q3",
        "owner": "dba-team@example.com",
        "expires": "2027-01-31",
        "ticket": "SEC-1234",
        "approved_by": "ciso@example.com",
        "granted": "2026-11-01",
    }
    findings = tuple(
        msgspec.structs.replace(f, waiver=governed) if f.status is Status.WAIVED else f
        for f in base.findings
    )
    doc = produce(dataclasses.replace(base, findings=findings), tmp_path, include_waived=True)
    waived = [r for r in doc["runs"][0]["results"] if r.get("suppressions")]
    assert waived
    assert waived[0]["suppressions"][0] == {
        "kind": "external",
        "status": "accepted",
        "justification": "legacy cluster, replaced in Q3",
        "properties": {
            "owner": "dba-team@example.com",
            "expires": "2027-01-31",
            "ticket": "SEC-1234",
            "approvedBy": "ciso@example.com",
            "granted": "2026-11-01",
        },
    }


def test_unknown_findings_go_under_the_not_assessed_rule(rich: ScanResult, tmp_path: Path) -> None:
    run = produce(rich, tmp_path)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    rule = next(r for r in rules if r["id"] == NOT_ASSESSED_RULE)
    assert rule["defaultConfiguration"]["level"] == "note"
    assert rule["properties"]["security-severity"] == Severity.LOW.security_severity
    unknown = [r for r in run["results"] if r["properties"]["status"] == "UNKNOWN"]
    assert unknown
    for r in unknown:
        assert r["ruleId"] == NOT_ASSESSED_RULE
        assert rules[r["ruleIndex"]]["id"] == NOT_ASSESSED_RULE
        assert r["level"] == "note"
        policy = r["properties"]["policyId"]
        # The message names the policy and the data that was missing.
        assert r["message"]["text"].startswith(f"{policy} could not be evaluated")
        assert "DescribeDBClusters AccessDenied" in r["message"]["text"]
    # One alert per (policy, resource): fingerprints stay distinct under the one rule.
    hashes = [r["partialFingerprints"]["primaryLocationLineHash"] for r in unknown]
    assert len(set(hashes)) == len(hashes)
    failing = [r for r in run["results"] if r["properties"]["status"] == "FAIL"]
    assert failing and all(r["ruleId"] == r["properties"]["policyId"] for r in failing)


def test_messages_carry_the_filled_in_command_and_the_evidence(
    rich: ScanResult, tmp_path: Path
) -> None:
    run = produce(rich, tmp_path)["runs"][0]
    by_fingerprint = {f.fingerprint: f for f in rich.findings}
    failing = [r for r in run["results"] if r["properties"]["status"] == "FAIL"]
    assert failing
    for r in failing:
        f = by_fingerprint[r["partialFingerprints"]["auroraScanFingerprint/v1"]]
        cli = f.remediation["cli"]
        assert "{" not in cli  # filled in, not the template
        text, markdown = r["message"]["text"], r["message"]["markdown"]
        if len(cli) > 1000 or not cli.isprintable():
            continue  # the 10k name and control characters: cut and cleaned
        assert f"Remediation: {cli}" in text
        assert "**Remediation**" in markdown
        # Markdown-escaped, so what GitHub shows is the command itself.
        assert md_escape(cli) in markdown
        assert "Evidence: StorageEncrypted eq true" in text
        assert "- StorageEncrypted eq true" in markdown
    plain_name = next(r for r in failing if "plain-cluster-1" in r["message"]["text"])
    assert (
        "Remediation: aws rds modify-db-cluster --id 'plain-cluster-1'"
        in plain_name["message"]["text"]
    )
    assert (
        "aws rds modify\\-db\\-cluster \\-\\-id 'plain\\-cluster\\-1'"
        in plain_name["message"]["markdown"]
    )


def test_rule_help_links_to_the_policy_documentation(rich: ScanResult, tmp_path: Path) -> None:
    rules = produce(rich, tmp_path)["runs"][0]["tool"]["driver"]["rules"]
    backtrack = next(r for r in rules if r["id"] == "aurora.cluster.backtrack")
    markdown = backtrack["help"]["markdown"]
    url = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/"
    assert f"]({url})" in markdown  # a Markdown link to the reference
    assert backtrack["helpUri"] == url
    assert "aurora-scan policies show aurora.cluster.backtrack" in markdown


def test_same_estate_same_fingerprints_and_bytes(tmp_path: Path) -> None:
    a = produce(rich_result(), tmp_path / "a")
    b_result = rich_result()
    # A second scan lists findings in another order: nothing may change.
    b_result = dataclasses.replace(b_result, findings=tuple(reversed(b_result.findings)))
    b = produce(b_result, tmp_path / "b")

    def prints(doc: dict[str, Any]) -> list[tuple[str, str]]:
        return [
            (r["ruleId"], r["partialFingerprints"]["primaryLocationLineHash"])
            for r in doc["runs"][0]["results"]
        ]

    assert prints(a) == prints(b)
    assert len(set(prints(a))) == len(prints(a))
    assert (tmp_path / "a" / "results.sarif").read_bytes() == (
        tmp_path / "b" / "results.sarif"
    ).read_bytes()
    assert a["runs"][0]["automationDetails"]["id"] == b["runs"][0]["automationDetails"]["id"]


def test_category_names_accounts_and_regions(rich: ScanResult, tmp_path: Path) -> None:
    cat = produce(rich, tmp_path)["runs"][0]["automationDetails"]["id"]
    assert cat == "aurora-scan/111122223333+444455556666/eu-west-1+us-east-1/"
    many = dataclasses.replace(
        rich, scan={**rich.scan, "accounts": [f"{i:012d}" for i in range(40)]}
    )
    cat2 = produce(many, tmp_path / "many")["runs"][0]["automationDetails"]["id"]
    assert cat2.startswith("aurora-scan/40-accounts-") and cat2.endswith("/eu-west-1+us-east-1/")


def test_graph_evidence_becomes_code_flows(rich: ScanResult, tmp_path: Path) -> None:
    results = produce(rich, tmp_path)["runs"][0]["results"]
    failing = [r for r in results if r["properties"]["status"] == "FAIL"]
    assert failing and all(r["codeFlows"] for r in failing)
    steps = failing[0]["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [s["location"]["message"]["text"] for s in steps] == [
        "subject",
        "via protected_by",
        "via open_to",
    ]
    assert (
        steps[0]["location"]["logicalLocations"][0]["fullyQualifiedName"]
        == failing[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
    )


@pytest.mark.slow  # ~10 s: schema-validating 25,000 results dominates
def test_more_than_25000_results_keeps_the_most_severe(tmp_path: Path) -> None:
    low, crit = POLICIES[4], POLICIES[0]  # short titles: keep the fixture small
    findings = [finding(low, f"low-{i}", Status.FAIL) for i in range(MAX_RESULTS)]
    findings += [finding(crit, f"crit-{i}", Status.FAIL) for i in range(20)]
    findings = [msgspec.structs.replace(f, evidence=()) for f in findings]
    result = ScanResult(scan=rich_result().scan, policies=tuple(POLICIES), findings=tuple(findings))
    run = produce(result, tmp_path)["runs"][0]
    assert len(run["results"]) == MAX_RESULTS
    assert sum(r["ruleId"] == crit["id"] for r in run["results"]) == 20
    note = run["invocations"][0]["toolExecutionNotifications"][-1]
    assert (
        note["descriptor"]["id"] == "ResultsTruncated" and "20 of 25020" in note["message"]["text"]
    )


def test_gzip_cap_shrinks_the_result_list(tmp_path: Path) -> None:
    result = synthetic_result(60)
    path = render_sarif(result, tmp_path / "results.sarif", SarifOptions(max_gzip_bytes=8_000))
    assert len(gzip.compress(path.read_bytes())) <= 8_000
    doc = check_file(path)
    assert_schema_valid(doc)
    notes = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notes[-1]["descriptor"]["id"] == "ResultsTruncated"


def test_synthetic_estate_via_render(tmp_path: Path) -> None:
    paths = render(synthetic_result(50), ["sarif"], tmp_path)
    doc = check_file(paths["sarif"])
    assert_schema_valid(doc)
    assert doc["runs"][0]["invocations"][0]["executionSuccessful"] is True


@pytest.mark.parametrize("missing", ["scan", "policies"])
def test_sparse_results_still_render_valid_sarif(missing: str, tmp_path: Path) -> None:
    base = rich_result()
    sparse = dataclasses.replace(base, **{missing: {} if missing == "scan" else ()})
    doc = produce(sparse, tmp_path)
    assert doc["runs"][0]["results"]


def test_json_escapes_survive(rich: ScanResult, tmp_path: Path) -> None:
    doc = produce(rich, tmp_path)
    text = json.dumps(doc)
    assert "<script>" not in (tmp_path / "results.sarif").read_text()  # escaped as \u003c
    assert "<script>alert(1)</script>" in text  # ... yet the value is intact once parsed


def test_findings_without_a_name_still_get_a_non_arn_uri(rich: ScanResult, tmp_path: Path) -> None:
    data = rich.to_dict()
    for f in data["findings"]:
        del f["resource_name"]  # from_dict falls back to the ARN
    doc = produce(ScanResult.from_dict(data), tmp_path)
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in doc["runs"][0]["results"]
    ]
    assert uris and not any("arn" in u for u in uris)
