"""The engine end to end: verdict order, inheritance, config, waivers, results, CLI."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from policy_helpers import BASE_POLICY, CliResult, write_policy

from scanner.errors import UserInputError
from scanner.model import CollectionError, Resource, Snapshot, Status
from scanner.policy.config import Config, load_config
from scanner.policy.engine import evaluate, fingerprint
from scanner.policy.loader import load_policies
from scanner.policy.waivers import load_waivers
from scanner.result_file import read_result, result_bytes, validate_result_dict, write_result

ACCOUNT = "123456789012"
REGION = "us-east-1"


def res(
    rid: str, rtype: str = "aws.rds.db_cluster", region: str = REGION, **attrs: Any
) -> Resource:
    return Resource(id=rid, type=rtype, account=ACCOUNT, region=region, attrs=attrs)


KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1111aaaa-0000-0000-0000-000000000001"


def cluster(name: str, protected: bool, members: tuple[str, ...] = (), **attrs: Any) -> Resource:
    return res(
        f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:{name}",
        DBClusterIdentifier=name,
        Engine=attrs.pop("Engine", "aurora-mysql"),
        DeletionProtection=protected,
        DBClusterMembers=[
            {"DBInstanceIdentifier": m, "IsClusterWriter": i == 0} for i, m in enumerate(members)
        ],
        **attrs,
    )


def instance(name: str, cluster_name: str) -> Resource:
    return res(
        f"arn:aws:rds:{REGION}:{ACCOUNT}:db:{name}",
        "aws.rds.db_instance",
        DBInstanceIdentifier=name,
        DBClusterIdentifier=cluster_name,
        Engine="aurora-mysql",
    )


def snapshot(*resources: Resource, errors: tuple[CollectionError, ...] = ()) -> Snapshot:
    return Snapshot(
        collected_at="2026-06-01T00:00:00Z",
        accounts=(ACCOUNT,),
        regions=(REGION,),
        resources=resources,
        errors=errors,
        context={"started_at": "2026-05-31T23:59:00Z", "caller_identity": {"Account": ACCOUNT}},
    )


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    root = tmp_path / "policies"
    doc = copy.deepcopy(BASE_POLICY)
    doc["inherited_by"] = "member"
    write_policy(root, doc)
    path_policy = copy.deepcopy(BASE_POLICY)
    path_policy.update(
        id="test.cluster.encrypted_with_cmk",
        require={
            "path": {
                "via": ["encrypted_with"],
                "to": "aws.kms.key",
                "where": {"attr": "KeyManager", "op": "eq", "value": "CUSTOMER"},
            }
        },
        severity="high",
        tests=[],
    )
    write_policy(root, path_policy, area="encryption")
    (root / "frameworks").mkdir()
    (root / "frameworks" / "fw.yaml").write_text(
        yaml.safe_dump(
            {
                "id": "fw",
                "title": "Test framework",
                "url": "https://example.com",
                "requirements": [
                    {
                        "id": "R1",
                        "title": "Protect",
                        "policies": ["test.cluster.deletion_protection"],
                    }
                ],
            }
        )
    )
    return root


def _by(result: Any, policy: str) -> dict[str, Any]:
    return {f.resource_name: f for f in result.findings if f.policy_id == policy}


def test_verdicts_inheritance_and_frameworks(policy_dir: Path) -> None:
    ps = load_policies([policy_dir], include_builtin=False)
    snap = snapshot(
        cluster("good", True, ("good-1", "good-2")),
        cluster("bad", False),
        cluster("graph", False, Engine="neptune"),
        instance("good-1", "good"),
        instance("good-2", "good"),
    )
    result = evaluate(snap, ps)
    got = {
        k: (f.status, f.reason) for k, f in _by(result, "test.cluster.deletion_protection").items()
    }
    assert got == {
        "good": (Status.PASS, ""),
        "bad": (Status.FAIL, ""),
        "graph": (Status.NOT_APPLICABLE, "out of scope"),
        "good-1": (Status.NOT_APPLICABLE, "inherited from cluster good"),
        "good-2": (Status.NOT_APPLICABLE, "inherited from cluster good"),
    }
    bad = _by(result, "test.cluster.deletion_protection")["bad"]
    assert bad.message == "Cluster bad has DeletionProtection false"
    assert bad.remediation["cli"].endswith("--db-cluster-identifier bad --deletion-protection")
    (meta,) = (p for p in result.policies if p["id"] == "test.cluster.deletion_protection")
    assert meta["frameworks"] == [{"framework": "fw", "requirement": "R1", "title": "Protect"}]
    assert bad.fingerprint == fingerprint("test.cluster.deletion_protection", bad.resource_id)
    assert result.scan["started_at"] == "2026-05-31T23:59:00Z"
    assert result.scan["finished_at"] == "2026-06-01T00:00:00Z"
    validate_result_dict(result.to_dict())


def test_unknown_when_subject_or_reachable_type_was_not_collected(policy_dir: Path) -> None:
    ps = load_policies([policy_dir], include_builtin=False)
    kms_error = CollectionError(
        ACCOUNT, REGION, "kms", "DescribeKey", "AccessDenied", "denied", ("aws.kms.key",)
    )
    other_region = CollectionError(
        ACCOUNT,
        "eu-west-1",
        "rds",
        "DescribeDBClusters",
        "AccessDenied",
        "denied",
        ("aws.rds.db_cluster",),
    )
    result = evaluate(
        snapshot(cluster("c", True, KmsKeyId=KEY), errors=(kms_error, other_region)), ps
    )
    cmk = _by(result, "test.cluster.encrypted_with_cmk")["c"]
    # The key the cluster names was not described: the path to it dangles.
    assert cmk.status is Status.UNKNOWN
    assert KEY in cmk.reason and "aws.kms.key" in cmk.reason and "DescribeKey" in cmk.reason
    # The deletion-protection policy reads no KMS data, and the rds error is elsewhere.
    assert _by(result, "test.cluster.deletion_protection")["c"].status is Status.PASS
    # A listing error in the cluster's own account and region leaves the
    # records it did return complete: what they say is decided.
    whole_account = CollectionError(
        ACCOUNT, "*", "sts", "AssumeRole", "AccessDenied", "denied", ("aws.rds.db_cluster",)
    )
    result = evaluate(snapshot(cluster("c", True), errors=(whole_account,)), ps)
    assert _by(result, "test.cluster.deletion_protection")["c"].status is Status.PASS
    assert result.incomplete


def test_scope_decided_before_unknown_when_it_needs_no_missing_data(
    policy_dir: Path, tmp_path: Path
) -> None:
    kms_error = CollectionError(
        ACCOUNT, REGION, "kms", "DescribeKey", "AccessDenied", "denied", ("aws.kms.key",)
    )
    ps = load_policies([policy_dir], include_builtin=False)
    snap = snapshot(
        cluster("graph", True, Engine="neptune", KmsKeyId=KEY),
        cluster("c", True, KmsKeyId=KEY),
        errors=(kms_error,),
    )
    cmk = _by(evaluate(snap, ps), "test.cluster.encrypted_with_cmk")
    # The scope reads only the cluster's own Engine: Neptune is out of scope
    # whatever failed elsewhere; the in-scope cluster's require lacks data.
    assert (cmk["graph"].status, cmk["graph"].reason) == (Status.NOT_APPLICABLE, "out of scope")
    assert cmk["c"].status is Status.UNKNOWN
    # A scope whose own path reaches the errored type cannot be decided: UNKNOWN.
    root = tmp_path / "scoped"
    doc = copy.deepcopy(BASE_POLICY)
    doc.update(
        id="test.cluster.scope_on_key",
        scope={"path": {"via": ["encrypted_with"], "to": "aws.kms.key"}},
        tests=[],
    )
    write_policy(root, doc)
    scoped = load_policies([root], include_builtin=False)
    got = _by(evaluate(snap, scoped), "test.cluster.scope_on_key")
    assert {k: f.status for k, f in got.items()} == {"graph": Status.UNKNOWN, "c": Status.UNKNOWN}
    assert "DescribeKey" in got["graph"].reason
    # Without the error, the same scope is decided normally (no key -> out of scope).
    clean = _by(evaluate(snapshot(cluster("c", True)), scoped), "test.cluster.scope_on_key")
    assert clean["c"].status is Status.NOT_APPLICABLE


def test_config_selects_and_overrides(policy_dir: Path, tmp_path: Path) -> None:
    ps = load_policies([policy_dir], include_builtin=False)
    config_file = tmp_path / "aurora-scan.yml"
    config_file.write_text(
        yaml.safe_dump(
            {
                "policies": {"include": ["test.cluster.*"], "exclude": ["*.encrypted_with_cmk"]},
                "fail_on": "high",
            }
        )
    )
    config = load_config(config_file)
    result = evaluate(snapshot(cluster("c", False)), ps, config=config)
    assert {f.policy_id for f in result.findings} == {"test.cluster.deletion_protection"}
    assert result.scan["fail_on"] == "high"
    assert result.scan["config"]["policies"]["exclude"] == ["*.encrypted_with_cmk"]
    config = load_config(config_file)
    assert result.exit_code(config.fail_on) == 0  # the FAIL is medium


def test_config_params_are_checked(tmp_path: Path) -> None:
    root = tmp_path / "p"
    doc = copy.deepcopy(BASE_POLICY)
    doc.update(
        require={"attr": "BackupRetentionPeriod", "op": "ge", "value": {"param": "min_days"}},
        params={"min_days": {"default": 7}},
        tests=[],
    )
    write_policy(root, doc)
    ps = load_policies([root], include_builtin=False)
    (tmp_path / "c.yml").write_text("params:\n  test.cluster.deletion_protection: {min_days: 14}\n")
    result = evaluate(
        snapshot(cluster("c", True, BackupRetentionPeriod=10)),
        ps,
        config=load_config(tmp_path / "c.yml"),
    )
    assert result.findings[0].status is Status.FAIL
    assert result.policies[0]["params"] == {"min_days": 14}
    (tmp_path / "c.yml").write_text("params:\n  test.cluster.deletion_protection: {min_dayz: 14}\n")
    with pytest.raises(UserInputError, match=r"no parameter 'min_dayz'.*did you mean 'min_days'"):
        evaluate(snapshot(), ps, config=load_config(tmp_path / "c.yml"))
    (tmp_path / "c.yml").write_text(
        "params:\n  test.cluster.deletion_protection: {min_days: ten}\n"
    )
    with pytest.raises(UserInputError, match="must be a number"):
        evaluate(snapshot(), ps, config=load_config(tmp_path / "c.yml"))
    (tmp_path / "c.yml").write_text("params:\n  test.cluster.nope: {min_days: 1}\n")
    with pytest.raises(UserInputError, match=r"params for unknown policy 'test\.cluster\.nope'"):
        evaluate(snapshot(), ps, config=load_config(tmp_path / "c.yml"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("polices: {}\n", "unknown key 'polices'; hint: did you mean 'policies'?"),
        ("fail_on: hihg\n", "'hihg' is not allowed here"),
        ("policies: {min_severity: loud}\n", "at $.policies.min_severity"),
        ("regions: us-east-1\n", "wrong value type"),
        ("allow_incomplete: !!python/object:os.system {}\n", "is not allowed"),
        ("", "the file is empty"),
    ],
)
def test_bad_config_is_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "aurora-scan.yml"
    path.write_text(text)
    with pytest.raises(UserInputError) as info:
        load_config(path)
    assert message in info.value.render()
    assert "aurora-scan.yml" in info.value.render()


def test_waivers_applied_expired_and_stale(policy_dir: Path, tmp_path: Path) -> None:
    ps = load_policies([policy_dir], include_builtin=False)
    path = tmp_path / "waivers.yml"
    path.write_text(
        yaml.safe_dump(
            {
                "waivers": [
                    {
                        "policy": "test.cluster.deletion_*",
                        "resource": "*:cluster:bad",
                        "reason": "legacy",
                        "owner": "dba@example.com",
                        "expires": "2026-12-31",
                    },
                    {
                        "policy": "test.cluster.encrypted_with_cmk",
                        "resource": "bad",
                        "reason": "old",
                        "owner": "dba@example.com",
                        "expires": "2026-01-01",
                    },
                    {
                        "policy": "test.cluster.deletion_protection",
                        "resource": "good",
                        "reason": "fixed",
                        "owner": "dba@example.com",
                        "expires": "2027-01-01",
                    },
                ]
            },
            sort_keys=False,
        )
    )
    waivers = load_waivers(path)
    result = evaluate(snapshot(cluster("bad", False), cluster("good", True)), ps, waivers=waivers)
    bad = _by(result, "test.cluster.deletion_protection")["bad"]
    assert bad.status is Status.WAIVED
    assert bad.waiver is not None and bad.waiver["owner"] == "dba@example.com"
    assert _by(result, "test.cluster.encrypted_with_cmk")["bad"].status is Status.FAIL
    assert [w["reason"] for w in result.waivers["applied"]] == ["legacy"]
    assert [w["reason"] for w in result.waivers["expired"]] == ["old"]
    assert [w["reason"] for w in result.waivers["stale"]] == ["fixed"]
    assert result.scan["waivers_sha256"] == waivers.sha256
    validate_result_dict(result.to_dict())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- {policy: p, resource: r, reason: x, owner: o}\n", "missing required key 'expires'"),
        (
            "- {policy: p, resource: r, reason: x, owner: o, expires: 2026-02-30}\n",
            "not a calendar date",
        ),
        ("- {policy: p, resource: r, reason: x, owner: o, expires: soon}\n", "has the wrong form"),
        (
            "waivers:\n  - {policy: p, resource: r, reasn: x, owner: o, expires: 2026-01-01}\n",
            "unknown key 'reasn'; hint: did you mean 'reason'?",
        ),
    ],
)
def test_bad_waivers_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "waivers.yml"
    path.write_text(text)
    with pytest.raises(UserInputError) as info:
        load_waivers(path)
    assert message in info.value.render()


def test_results_are_byte_identical_and_round_trip(policy_dir: Path, tmp_path: Path) -> None:
    ps = load_policies([policy_dir], include_builtin=False)
    snap = snapshot(cluster("b", False), cluster("a", True, ("a-1",)), instance("a-1", "a"))
    first = result_bytes(evaluate(snap, ps, command_line="x"))
    again = result_bytes(evaluate(snapshot(*reversed(snap.resources)), ps, command_line="x"))
    assert first == again
    path = write_result(evaluate(snap, ps, command_line="x"), tmp_path / "results.json")
    assert path.read_bytes() == first
    assert result_bytes(read_result(path)) == first


def test_read_result_rejects_other_json(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"findings": []}))
    with pytest.raises(UserInputError, match="not an aurora-scan result"):
        read_result(path)


def test_evaluate_cli_is_deterministic_and_gates(
    policy_dir: Path,
    tmp_path: Path,
    cli: Callable[[list[str]], CliResult],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    snap_file = tmp_path / "snap.json"
    snap_file.write_text(json.dumps(snapshot(cluster("bad", False)).to_dict()))
    args = [
        "evaluate",
        str(snap_file),
        "--policies",
        str(policy_dir),
        "--output-dir",
        "out",
        "--format",
        "json",
    ]
    code, _, err = cli(args)
    assert code == 1, err  # the built-in catalogue plus ours: a medium FAIL at --fail-on low
    first = (tmp_path / "out" / "results.json").read_bytes()
    assert cli(args)[0] == 1
    assert (tmp_path / "out" / "results.json").read_bytes() == first
    data = json.loads(first)
    validate_result_dict(data)
    assert data["scan"]["snapshot_sha256"]
    assert data["scan"]["policy_set_sha256"]
    assert cli([*args, "--fail-on", "critical"])[0] == 0
    assert cli([*args, "--fail-on", "none"])[0] == 0
    # A baseline that already has these FAILs: nothing new, so clean.
    (tmp_path / "base.json").write_bytes(first)
    assert cli([*args, "--baseline", "base.json"])[0] == 0
    code, _, err = cli([*args, "--format", "jsn"])
    assert code == 2 and "unknown report format 'jsn'" in err
    # --quiet keeps the exit code and the files, and drops the summary line.
    assert "findings (" in cli(args)[2]
    code, out, err = cli([*args, "--quiet"])
    assert (code, out, err) == (1, "", "")
    code, _, err = cli(["evaluate", str(tmp_path), "--quiet"])
    assert code == 2 and "is a directory" in err and "aurora-scan collect --output" in err


def test_evaluate_cli_incomplete_scan_exits_3(
    policy_dir: Path, tmp_path: Path, cli: Callable[[list[str]], CliResult]
) -> None:
    error = CollectionError(
        ACCOUNT, REGION, "rds", "DescribeDBClusters", "Throttling", "slow", ("aws.rds.db_cluster",)
    )
    snap_file = tmp_path / "snap.json"
    snap_file.write_text(
        json.dumps(snapshot(cluster("c", True, KmsKeyId=KEY), errors=(error,)).to_dict())
    )
    args = [
        "evaluate",
        str(snap_file),
        "--no-builtin",
        "--policies",
        str(policy_dir),
        "--output-dir",
        str(tmp_path / "o"),
        "--format",
        "json",
    ]
    code, _, err = cli(args)
    assert code == 2 and "unrecognized arguments: --no-builtin" in err  # evaluate has no such flag
    args.remove("--no-builtin")
    # The cluster's own record is complete, so the built-in policies decide it
    # (and FAILs win over incompleteness); with no failure threshold the
    # collection error alone makes the scan incomplete.
    args += ["--fail-on", "none"]
    code, _, _ = cli(args)
    assert code == 3
    assert cli([*args, "--allow-incomplete"])[0] == 0


def test_policies_list_and_frameworks(
    policy_dir: Path, cli: Callable[[list[str]], CliResult]
) -> None:
    base = ["--no-builtin", "--policies", str(policy_dir)]
    code, out, _ = cli(["policies", "list", *base])
    assert code == 0 and "test.cluster.encrypted_with_cmk" in out
    code, out, _ = cli(["policies", "list", *base, "--framework", "fw"])
    assert code == 0 and "test.cluster.deletion_protection" in out
    assert "encrypted_with_cmk" not in out
    code, _, err = cli(["policies", "list", *base, "--framework", "fww"])
    assert code == 2 and "did you mean 'fw'?" in err
    code, out, _ = cli(["policies", "show", *base, "test.cluster.deletion_protection"])
    assert code == 0 and "# fw R1: Protect" in out and "require:" in out
    code, out, _ = cli(["policies", "test", *base])
    assert code == 0 and "1 of 1 test cases passed" in out


def test_framework_naming_an_unknown_policy(
    policy_dir: Path, cli: Callable[[list[str]], CliResult]
) -> None:
    (policy_dir / "frameworks" / "bad.yaml").write_text(
        yaml.safe_dump(
            {
                "id": "bad",
                "title": "Bad",
                "requirements": [
                    {"id": "X", "title": "x", "policies": ["test.cluster.deletion_protektion"]}
                ],
            }
        )
    )
    code, _, err = cli(["policies", "validate", "--no-builtin", "--policies", str(policy_dir)])
    assert code == 2
    assert "bad.yaml at $.requirements[0].policies[0]" in err
    assert "did you mean 'test.cluster.deletion_protection'?" in err


def test_policies_test_reports_failures_by_policy_and_case(
    tmp_path: Path, cli: Callable[[list[str]], CliResult]
) -> None:
    doc = copy.deepcopy(BASE_POLICY)
    doc["tests"][0]["expect"] = {"c1": "fail"}
    doc["tests"][0]["name"] = "wrong expectation"
    write_policy(tmp_path, doc)
    code, out, _ = cli(["policies", "test", "--no-builtin", "--policies", str(tmp_path)])
    assert code == 1
    assert "FAIL test.cluster.deletion_protection [wrong expectation]" in out
    assert "c1: expected fail, got pass" in out


def test_default_config_is_read_from_the_working_directory(
    policy_dir: Path,
    tmp_path: Path,
    cli: Callable[[list[str]], CliResult],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "aurora-scan.yml").write_text("fail_on: none\npolicies: {include: ['test.*']}\n")
    snap_file = tmp_path / "snap.json"
    snap_file.write_text(json.dumps(snapshot(cluster("bad", False)).to_dict()))
    code, _, err = cli(
        [
            "evaluate",
            str(snap_file),
            "--policies",
            str(policy_dir),
            "--output-dir",
            "o",
            "--format",
            "json",
        ]
    )
    assert code == 0, err
    data = read_result(tmp_path / "o" / "results.json").to_dict()
    assert {p["id"] for p in data["policies"]} == {
        "test.cluster.deletion_protection",
        "test.cluster.encrypted_with_cmk",
    }
    assert data["scan"]["config"]["file"] == "aurora-scan.yml"
    assert Config().fail_on is not None


def test_command_line_is_redacted() -> None:
    from scanner.redact import redacted_command_line

    line = redacted_command_line(
        [
            "/usr/bin/aurora-scan",
            "scan",
            "--external-id",
            "s3cr3t",
            "--token=abc",
            "--region",
            "us-east-1",
            "AKIAABCDEFGHIJKLMNOP",
        ]
    )
    assert line == "aurora-scan scan --external-id '***' '--token=***' --region us-east-1 '***'"


def test_result_file_and_the_json_report_write_the_same_bytes(
    policy_dir: Path, tmp_path: Path
) -> None:
    from scanner import report

    result = evaluate(
        snapshot(cluster("a", False)), load_policies([policy_dir], include_builtin=False)
    )
    written = report.render(result, ["json"], tmp_path / "out")
    assert written["json"].read_bytes() == result_bytes(result)
