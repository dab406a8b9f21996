"""Fuzz: mutated inputs through the CLI verbs end in exit 0-3, never a traceback.

Hypothesis mutates one valid document at a time -- a snapshot, a results.json,
a config, a waiver file, a policy -- by replacing, deleting or retyping one
node (strings include hostile text: lone surrogates, escape sequences, deep
JMESPath, backtracking regexes), then runs ``evaluate``, ``report``, ``diff``,
``merge`` or ``policies validate`` in-process through ``scanner.cli.main``.
Any exception escaping ``main`` (SystemExit aside) fails the test, as does an
exit code outside 0-3.  Bounded and deterministic for CI: few examples,
``derandomize=True``, no deadline.
"""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sec_support import Run, run_in_process, snapshot_data

EXAMPLES = 12
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

HOSTILE_TEXT = [
    "ord\ud800ers",
    "\x1b[31mred\x1b[0m\nforged line",
    "\u202etxet",
    "(" * 200 + "a" + ")" * 200,
    "(a+)+$",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!",
    "[x](http://evil)",
    "../../etc/passwd",
    "0.0.0.0/0",
    "arn:aws:rds:us-east-1:123456789012:cluster:orders",
    "",
]
leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(HOSTILE_TEXT),
)
json_values = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _slots(doc: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) of ``doc``, iteratively."""
    out: list[tuple[Any, Any]] = []
    stack = [doc]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in list(items):
            out.append((node, key))
            if isinstance(value, dict | list):
                stack.append(value)
    return out


# A container retyped is where parsers and derivations break: a list where an
# object belongs, a number where a list belongs.
RETYPED = [5, "x", [5], ["x"], {"x": 1}, True, "ord\ud800ers", "(" * 200 + "a" + ")" * 200]


@st.composite
def mutated(draw: st.DrawFn, base: Any, mutations: int = 2) -> Any:
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(min_value=1, max_value=mutations))):
        slots = _slots(doc)
        if not slots:
            break
        action = draw(st.sampled_from(["retype", "hostile", "replace", "delete", "wrap", "add"]))
        if action == "retype":
            # half the time a container, half a string: the shapes that matter
            containers = [(n, k) for n, k in slots if isinstance(n[k], dict | list)]
            strings = [(n, k) for n, k in slots if isinstance(n[k], str)]
            node, key = draw(st.sampled_from(containers or slots))
            node[key] = draw(st.sampled_from(RETYPED))
            if strings:
                node, key = draw(st.sampled_from(strings))
                node[key] = draw(st.sampled_from(HOSTILE_TEXT))
            continue
        node, key = draw(st.sampled_from(slots))
        if action == "hostile":
            node[key] = draw(st.sampled_from(HOSTILE_TEXT))
        elif action == "delete":
            del node[key]
        elif action == "wrap":
            node[key] = draw(st.sampled_from([[node[key]], {"x": node[key]}, str(node[key])]))
        elif action == "add" and isinstance(node, dict):
            node[draw(st.text(max_size=8))] = draw(json_values)
        else:
            node[key] = draw(json_values)
    return doc


# ----- the documents mutated ---------------------------------------------


def _policy() -> dict[str, Any]:
    return {
        "id": "custom.fuzz",
        "title": "Fuzzed policy",
        "severity": "high",
        "resource": "aws.rds.db_cluster",
        "scope": {"attr": "Engine", "op": "starts_with", "value": "aurora"},
        "require": {
            "all": [
                {"attr": "StorageEncrypted", "op": "eq", "value": True},
                {"attr": "x_tags.Name", "op": "regex", "value": "^[a-z]+$"},
                {"relation": "protected_by", "any": {"attr": "GroupId", "op": "exists"}},
            ]
        },
        "message": "Cluster {DBClusterIdentifier} ({x_tags.Name})",
        "remediation": {"text": "Fix {DBClusterIdentifier}"},
    }


CONFIG: dict[str, Any] = {
    "policies": {"include": ["aurora.cluster.*", "custom.*"], "min_severity": "low"},
    "params": {"aurora.cluster.backup_retention": {"min_days": 14}},
    "fail_on": "high",
    "regions": ["us-east-1"],
    "allow_incomplete": False,
}
WAIVERS: dict[str, Any] = {
    "waivers": [
        {
            "policy": "aurora.cluster.*",
            "resource": "arn:aws:rds:*:*:cluster:orders",
            "reason": "fuzz",
            "owner": "dba@example.com",
            "expires": "2099-12-31",
        }
    ]
}


@pytest.fixture(scope="module")
def work() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="aurora-fuzz-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def base(work: Path) -> dict[str, Path]:
    """A valid snapshot and the results.json evaluating it gives."""
    snap = work / "snapshot.json"
    snap.write_text(json.dumps(snapshot_data()))
    out = work / "base-out"
    run = run_in_process(["evaluate", str(snap), "--output-dir", str(out), "--format", "json"])
    assert run.code in (0, 1, 3), run.stderr
    return {"snapshot": snap, "results": out / "results.json"}


def _dump_json(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8", errors="surrogatepass")
    return path


def _dump_yaml(path: Path, doc: Any) -> Path:
    path.write_text(yaml.safe_dump(doc, allow_unicode=False), encoding="utf-8")
    return path


def _ok(run: Run, what: str) -> None:
    assert run.code in (0, 1, 2, 3), (what, run.code, run.stderr[-2000:])
    assert "Traceback" not in run.stderr, (what, run.stderr[-2000:])


class Counter:
    n = 0

    @classmethod
    def next(cls, work: Path) -> Path:
        cls.n += 1
        folder = work / f"case-{cls.n}"
        folder.mkdir()
        return folder


def _run(work: Path, write: Callable[[Path], list[str]]) -> None:
    folder = Counter.next(work)
    args = write(folder)
    _ok(run_in_process(args), " ".join(a[:80] for a in args))
    shutil.rmtree(folder, ignore_errors=True)


# ----- the properties ----------------------------------------------------


@FUZZ
@given(doc=mutated(snapshot_data(), mutations=3))
def test_evaluate_mutated_snapshot(work: Path, doc: Any) -> None:
    def args(folder: Path) -> list[str]:
        snap = _dump_json(folder / "snapshot.json", doc)
        out = str(folder / "out")
        return ["evaluate", str(snap), "--output-dir", out, "--format", "json,sarif,html,junit,md"]

    _run(work, args)


@FUZZ
@given(data=st.data())
def test_report_diff_merge_mutated_results(
    work: Path, base: dict[str, Path], data: st.DataObject
) -> None:
    original = json.loads(base["results"].read_text())
    doc = data.draw(mutated(original, mutations=3))
    verb = data.draw(st.sampled_from(["report", "diff", "merge"]))

    def args(folder: Path) -> list[str]:
        bad = str(_dump_json(folder / "results.json", doc))
        good, out = str(base["results"]), str(folder / "out")
        return {
            "report": ["report", bad, "--output-dir", out, "--format", "json,sarif,html,junit,md"],
            "diff": ["diff", good, bad],
            "merge": ["merge", good, bad, "--output-dir", out, "--allow-partial"],
        }[verb]

    _run(work, args)


@FUZZ
@given(config=mutated(CONFIG), waivers=mutated(WAIVERS))
def test_evaluate_mutated_config_and_waivers(
    work: Path, base: dict[str, Path], config: Any, waivers: Any
) -> None:
    def args(folder: Path) -> list[str]:
        cfg = _dump_yaml(folder / "aurora-scan.yml", config)
        wv = _dump_yaml(folder / "waivers.yml", waivers)
        out = str(folder / "out")
        return [
            "evaluate",
            str(base["snapshot"]),
            "--config",
            str(cfg),
            "--waivers",
            str(wv),
            "--output-dir",
            out,
            "--format",
            "json,md",
        ]

    _run(work, args)


@FUZZ
@given(policy=mutated(_policy(), mutations=3))
def test_policies_validate_mutated_policy(work: Path, policy: Any) -> None:
    def args(folder: Path) -> list[str]:
        (folder / "p").mkdir()
        _dump_yaml(folder / "p" / "custom.fuzz.yaml", policy)
        return ["policies", "validate", "--policies", str(folder / "p"), "--no-builtin"]

    _run(work, args)


@FUZZ
@given(policy=mutated(_policy(), mutations=2))
def test_evaluate_with_mutated_policy(work: Path, base: dict[str, Path], policy: Any) -> None:
    def args(folder: Path) -> list[str]:
        (folder / "p").mkdir()
        _dump_yaml(folder / "p" / "custom.fuzz.yaml", policy)
        out = str(folder / "out")
        return [
            "evaluate",
            str(base["snapshot"]),
            "--policies",
            str(folder / "p"),
            "--output-dir",
            out,
            "--format",
            "json,sarif",
        ]

    _run(work, args)
