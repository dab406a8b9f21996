"""A corpus of malformed policies: each is refused with exit 2 and a precise message.

Every case names what must appear in the one-line message: the file, the
location (JSON path or line), the problem and, where there is one, the hint.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from policy_helpers import BASE_POLICY, CliResult, write_policy


def _with(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BASE_POLICY)
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


def _test_case(**changes: Any) -> dict[str, Any]:
    case = copy.deepcopy(BASE_POLICY["tests"][0])
    case.update(changes)
    return _with(tests=[case])


@dataclass(frozen=True)
class Bad:
    name: str
    doc: dict[str, Any] | str
    location: str
    problem: str
    hint: str | None = None
    file_name: str | None = None  # the file the message must name (default: the policy file)


VALID_TEXT = "id: test.cluster.deletion_protection\n"

CASES = [
    # --- the acceptance list ---
    Bad(
        "unknown key",
        {**_with(), "requre": {"attr": "X", "op": "exists"}},
        "$.requre",
        "unknown key 'requre'",
        "did you mean 'require'?",
    ),
    Bad(
        "typo'd condition kind",
        _with(require={"atr": "DeletionProtection", "op": "eq", "value": True}),
        "$.require.atr",
        "unknown condition kind 'atr'",
        "did you mean 'attr'?",
    ),
    Bad(
        "unknown operator",
        _with(require={"attr": "DeletionProtection", "op": "equals", "value": True}),
        "$.require.op",
        "unknown operator 'equals'",
        "did you mean 'eq'?",
    ),
    Bad(
        "invalid regex",
        _with(require={"attr": "EngineVersion", "op": "regex", "value": "8.0.(mysql"}),
        "$.require.value",
        "regex needs a valid regular expression",
        None,
    ),
    Bad(
        "unknown relation in a path",
        _with(require={"path": {"via": ["in_subnet_grp"], "to": "aws.rds.db_subnet_group"}}),
        "$.require.path.via[0]",
        "unknown relation 'in_subnet_grp'",
        "did you mean 'in_subnet_group'?",
    ),
    Bad(
        "unknown resource type",
        _with(resource="aws.rds.db_clustr"),
        "$.resource",
        "unknown resource type 'aws.rds.db_clustr'",
        "did you mean 'aws.rds.db_cluster'?",
    ),
    Bad("wrong value type", _with(severity=["high"]), "$.severity", "not allowed here", None),
    Bad(
        "wrong value type (title)",
        _with(title=42),
        "$.title",
        "wrong value type: found a number",
        None,
    ),
    Bad(
        "YAML syntax error",
        "id: x\nrequire: {attr: A, op: eq\nmessage: m\n",
        "line 3",
        "YAML syntax error",
        "check indentation",
    ),
    Bad(
        "python object tag",
        "id: !!python/object:os.system {}\n",
        "line 1",
        "YAML tag '!!python/object:os.system' is not allowed",
        "policies are data",
    ),
    Bad("empty file", "", "", "the file is empty", "write a policy"),
    # --- more structure ---
    Bad(
        "two kinds in one condition",
        _with(require={"attr": "A", "op": "exists", "all": [{"attr": "B", "op": "exists"}]}),
        "$.require",
        "exactly one kind",
        "combine them",
    ),
    Bad(
        "condition not a mapping",
        _with(require="DeletionProtection == true"),
        "$.require",
        "a condition must be a mapping",
        None,
    ),
    Bad(
        "unknown key inside a path",
        _with(require={"path": {"via": ["member"], "too": "x"}}),
        "$.require.path.too",
        "unknown key 'too'",
        "did you mean 'to'?",
    ),
    Bad(
        "unknown key in remediation",
        _with(remediation={"txt": "x"}),
        "$.remediation.txt",
        "unknown key 'txt'",
        "did you mean 'text'?",
    ),
    Bad(
        "unknown key in a test case",
        _test_case(expects={"c1": "pass"}),
        "$.tests[0].expects",
        "unknown key 'expects'",
        "did you mean 'expect'?",
    ),
    Bad(
        "operator alias",
        _with(require={"attr": "Port", "op": ">=", "value": 1}),
        "$.require.op",
        "unknown operator '>='",
        "did you mean 'ge'?",
    ),
    Bad(
        "missing required key",
        _with(require=None),
        "$",
        "missing required key 'require'",
        "add 'require:'",
    ),
    Bad(
        "bad severity",
        _with(severity="hihg"),
        "$.severity",
        "'hihg' is not allowed here",
        "did you mean 'high'?",
    ),
    Bad(
        "bad expectation",
        _test_case(expect={"c1": "passed"}),
        "$.tests[0].expect.c1",
        "'passed' is not allowed here",
        "did you mean 'pass'?",
    ),
    Bad("top level is a list", "- id: x\n", "$", "wrong value type: found a list", None),
    Bad("duplicate key", "id: a.b\nid: a.c\n", "$.id (line 2)", "duplicate key 'id'", None),
    # --- meaning ---
    Bad(
        "id does not match file name",
        _with(id="test.cluster.other"),
        "$.id",
        "does not match the file name",
        "rename the file",
        file_name="test.cluster.deletion_protection.yaml",
    ),
    Bad(
        "undeclared parameter",
        _with(
            require={"attr": "BackupRetentionPeriod", "op": "ge", "value": {"param": "min_days"}}
        ),
        "$.require.value.param",
        "parameter 'min_days' is not declared",
        "declare it under params",
    ),
    Bad(
        "undeclared parameter in message",
        _with(message="needs {param.days}"),
        "$.message",
        "parameter 'days' is not declared",
        None,
    ),
    Bad(
        "parameter typo",
        {
            **_with(
                require={"attr": "BackupRetentionPeriod", "op": "ge", "value": {"param": "min_dys"}}
            ),
            "params": {"min_days": {"default": 7}},
        },
        "$.require.value.param",
        "parameter 'min_dys' is not declared",
        "did you mean 'min_days'?",
    ),
    Bad(
        "parameter default of the wrong type",
        {**_with(), "params": {"min_days": {"default": "seven", "type": "integer"}}},
        "$.params.min_days.default",
        "is not a integer",
        None,
    ),
    Bad(
        "relation from the wrong type",
        _with(require={"path": {"via": ["in_subnet"], "to": "aws.ec2.subnet"}}),
        "$.require.path.via[0]",
        "does not start from aws.rds.db_cluster",
        None,
    ),
    Bad(
        "path ends on another type",
        _with(require={"path": {"via": ["in_subnet_group"], "to": "aws.ec2.subnet"}}),
        "$.require.path.to",
        "the path ends on aws.rds.db_subnet_group",
        "set to:",
    ),
    Bad(
        "unknown inherited_by relation",
        {**_with(), "inherited_by": "members"},
        "$.inherited_by",
        "unknown relation 'members'",
        "did you mean 'member'?",
    ),
    Bad(
        "invalid JMESPath",
        _with(require={"attr": "Tags[?Key==", "op": "exists"}),
        "$.require.attr",
        "invalid JMESPath",
        None,
    ),
    Bad(
        "unknown JMESPath function",
        _with(require={"attr": "lenght(TagList)", "op": "ge", "value": 1}),
        "$.require.attr",
        "invalid JMESPath",
        None,
    ),
    Bad(
        "unary operator with a value",
        _with(require={"attr": "A", "op": "exists", "value": "yes"}),
        "$.require.value",
        "exists needs true or false",
        None,
    ),
    Bad(
        "binary operator without a value",
        _with(require={"attr": "A", "op": "eq"}),
        "$.require",
        "operator 'eq' needs a value",
        "add value:",
    ),
    Bad(
        "in without a list",
        _with(require={"attr": "Engine", "op": "in", "value": "aurora"}),
        "$.require.value",
        "in needs a list of values",
        None,
    ),
    Bad(
        "bad CIDR",
        _with(require={"attr": "cidr", "op": "cidr_covers", "value": "0.0.0.0/33"}),
        "$.require.value",
        "cidr_covers needs a CIDR",
        None,
    ),
    Bad(
        "bad ref",
        _with(require={"attr": "Port", "op": "eq", "value": {"ref": "cluster.Port"}}),
        "$.require.value.ref",
        "cannot resolve ref 'cluster.Port'",
        "use subject.",
    ),
    Bad(
        "unbalanced brace in message",
        _with(message="Cluster {DBClusterIdentifier"),
        "$.message",
        "unbalanced '{'",
        "write {{",
    ),
    Bad(
        "test expects a resource it does not list",
        _test_case(expect={"c2": "pass"}),
        "$.tests[0].expect.c2",
        "not among the case's resources",
        None,
    ),
    Bad(
        "test resource of unknown type",
        _test_case(resources=[{"type": "aws.rds.cluster", "id": "c1"}], expect={"c1": "pass"}),
        "$.tests[0].resources[0].type",
        "unknown resource type 'aws.rds.cluster'",
        "did you mean 'aws.rds.db_cluster'?",
    ),
]


def test_the_corpus_is_big_enough() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_malformed_policy_is_refused(
    case: Bad, tmp_path: Path, cli: Callable[[list[str]], CliResult]
) -> None:
    name = case.file_name.removesuffix(".yaml") if case.file_name else None
    path = write_policy(tmp_path, case.doc, name=name)
    code, out, err = cli(["policies", "validate", "--no-builtin", "--policies", str(tmp_path)])
    assert code == 2, (out, err)
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("aurora-scan: error:")]
    assert lines, err
    line = next((text for text in lines if case.problem in text), None)
    assert line is not None, f"{case.problem!r} not in {err!r}"
    assert (case.file_name or path.name) in line
    if case.location:
        assert f"at {case.location}" in line, line
    if case.hint:
        assert "; hint: " in line and case.hint in line.split("; hint: ", 1)[1], line


def test_duplicate_id_in_two_files(tmp_path: Path, cli: Callable[[list[str]], CliResult]) -> None:
    write_policy(tmp_path, BASE_POLICY, area="backup")
    write_policy(tmp_path, BASE_POLICY, area="network")
    code, _, err = cli(["policies", "validate", "--no-builtin", "--policies", str(tmp_path)])
    assert code == 2
    assert "duplicate policy id 'test.cluster.deletion_protection'" in err
    assert "network/test.cluster.deletion_protection.yaml at $.id" in err
    assert "also in" in err and "backup/test.cluster.deletion_protection.yaml" in err
    assert "Traceback" not in err


def test_every_problem_of_a_set_is_reported(
    tmp_path: Path, cli: Callable[[list[str]], CliResult]
) -> None:
    write_policy(tmp_path, _with(resource="aws.rds.nope"))
    write_policy(tmp_path, {**_with(id="test.b"), "requre": {}}, name="test.b")
    write_policy(tmp_path, "", name="test.c")
    code, _, err = cli(["policies", "validate", "--no-builtin", "--policies", str(tmp_path)])
    assert code == 2
    errors = [line for line in err.splitlines() if line.startswith("aurora-scan: error:")]
    assert len(errors) == 3, err


def test_missing_policy_directory(tmp_path: Path, cli: Callable[[list[str]], CliResult]) -> None:
    code, _, err = cli(["policies", "validate", "--policies", str(tmp_path / "nope")])
    assert code == 2
    assert "policy directory does not exist" in err


def test_a_valid_policy_passes(tmp_path: Path, cli: Callable[[list[str]], CliResult]) -> None:
    write_policy(tmp_path, BASE_POLICY)
    code, out, err = cli(["policies", "validate", "--no-builtin", "--policies", str(tmp_path)])
    assert code == 0, err
    assert "ok: 1 policies" in out


def test_a_bad_policy_stops_evaluate(tmp_path: Path, cli: Callable[[list[str]], CliResult]) -> None:
    """Never a skipped policy: evaluate refuses the whole run."""
    from scanner.model import Snapshot

    policies = tmp_path / "p"
    write_policy(policies, _with(resource="aws.rds.db_clustr"))
    snap = tmp_path / "snap.json"
    import json

    snap.write_text(
        json.dumps(Snapshot("2026-01-01T00:00:00Z", ("1",), ("us-east-1",), ()).to_dict())
    )
    code, _, err = cli(
        [
            "evaluate",
            str(snap),
            "--policies",
            str(policies),
            "--output-dir",
            str(tmp_path / "o"),
            "--format",
            "json",
        ]
    )
    assert code == 2
    assert "unknown resource type 'aws.rds.db_clustr'" in err
    assert not (tmp_path / "o" / "results.json").exists()
