"""Item 6: Hypothesis-generated policy documents never cause a traceback.

The strategies build near-valid documents (the real keys, operators, resource
types and relations, mixed with wrong types, unknown keys, missing keys, bad
JMESPath, bad regexes, unknown params and refs, deep nesting) and plain junk.
Loading one either yields a policy -- which must then evaluate on a small
graph and run its own embedded tests without raising -- or raises the
loader's UserInputError(s), which the CLI maps to exit 2.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.errors import UserInputError
from scanner.model import Resource, Snapshot
from scanner.policy.operators import OPERATORS
from scanner.vocabulary import RELATIONS, RESOURCE_TYPES

TYPES = sorted(RESOURCE_TYPES)
RELS = sorted(RELATIONS)
OPS = sorted(OPERATORS)
ATTRS = [
    "Engine",
    "DeletionProtection",
    "StorageEncrypted",
    "BackupRetentionPeriod",
    "x_tags.env",
    "x_ingress[].cidr",
    "TagList[?Key=='env'].Value | [0]",
    "DBClusterMembers[0].IsClusterWriter",
    "length(DBClusterMembers)",
    "Port",
]
BAD_ATTRS = ["", "Foo[", "a..b", "`x", "[?", "&&", "length(", "\n", "{a: b", "x" * 300]


def usually(valid: Any, junk: Any) -> Any:
    """``valid`` most of the time, ``junk`` now and then: near-valid documents."""
    return st.integers(min_value=0, max_value=9).flatmap(lambda n: junk if n == 0 else valid)


junk_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    junk_text,
    st.sampled_from(["aurora-mysql", "ON", "1", "0.0.0.0/0", "^a(", "[", "2026-01-01", "*"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(junk_text, inner, max_size=3)
    ),
    max_leaves=8,
)
values = st.one_of(
    json_values,
    st.builds(lambda n: {"param": n}, st.one_of(st.sampled_from(["min_days", "p"]), junk_text)),
    st.builds(
        lambda r: {"ref": r},
        st.sampled_from(["subject.Port", "scan.accounts", "subject.", "other.X", "subject.[", ""]),
    ),
    st.builds(lambda d: {"data": d}, junk_text),
)
attr_paths = usually(st.sampled_from(ATTRS), st.one_of(st.sampled_from(BAD_ATTRS), junk_text))
ops = usually(
    st.sampled_from(OPS), st.one_of(st.sampled_from(["equals", "EQ", "", "~="]), junk_text)
)


def _maybe_mangle(doc: dict[str, Any], draw: Any) -> Any:
    """Sometimes drop a key, add an unknown key, or turn the mapping into junk."""
    choice = draw(st.integers(min_value=0, max_value=24))
    if choice == 0 and doc:
        doc.pop(draw(st.sampled_from(sorted(doc))))
    elif choice == 1:
        doc[draw(st.sampled_from(["extra", "attrs", "ops", "where", "value", "not"]))] = draw(
            json_values
        )
    elif choice == 2:
        return draw(json_values)
    return doc


@st.composite
def attr_conditions(draw: Any) -> Any:
    doc: dict[str, Any] = {"attr": draw(attr_paths), "op": draw(ops)}
    if draw(st.booleans()):
        doc["value"] = draw(values)
    return _maybe_mangle(doc, draw)


@st.composite
def steps(draw: Any, conditions: Any) -> Any:
    name = draw(usually(st.sampled_from(RELS), junk_text))
    if draw(st.booleans()):
        return name
    step: dict[str, Any] = {"relation": name}
    if draw(st.booleans()):
        step["where"] = draw(conditions)
    return _maybe_mangle(step, draw)


def _extend(conditions: Any) -> Any:
    @st.composite
    def compound(draw: Any) -> Any:
        kind = draw(
            usually(st.sampled_from(["all", "any", "not", "any_item", "path"]), st.just("two"))
        )
        if kind in ("all", "any"):
            doc: dict[str, Any] = {kind: draw(st.lists(conditions, min_size=1, max_size=3))}
        elif kind == "not":
            doc = {"not": draw(conditions)}
        elif kind == "any_item":
            doc = {"any_item": {"attr": draw(attr_paths), "where": draw(conditions)}}
        elif kind == "path":
            path: dict[str, Any] = {
                "via": draw(st.lists(steps(conditions), min_size=1, max_size=3)),
                "to": draw(usually(st.sampled_from(TYPES), junk_text)),
            }
            if draw(st.booleans()):
                path["where"] = draw(conditions)
            doc = {"path": _maybe_mangle(path, draw)}
        else:  # two kinds in one mapping: the tagged union forbids it
            doc = {"all": [draw(conditions)], "not": draw(conditions)}
        return _maybe_mangle(doc, draw)

    return compound()


conditions = st.recursive(attr_conditions(), _extend, max_leaves=6)

ID_RE = re.compile(r"^[a-z0-9_.-]{1,80}$")


@st.composite
def policy_docs(draw: Any) -> Any:
    policy_id = draw(
        usually(
            st.sampled_from(["aurora.fuzz.one", "custom.fuzz_x"]),
            st.one_of(st.sampled_from(["a", "Aurora.Bad", "x..y"]), junk_text),
        )
    )
    doc: dict[str, Any] = {
        "id": policy_id,
        "title": draw(usually(st.just("A fuzzed policy"), st.one_of(junk_text, json_values))),
        "severity": draw(
            usually(st.sampled_from(["critical", "high", "medium", "low", "info"]), junk_text)
        ),
        "resource": draw(
            usually(
                st.one_of(st.sampled_from(TYPES), st.lists(st.sampled_from(TYPES), max_size=3)),
                junk_text,
            )
        ),
        "require": draw(conditions),
        "message": draw(
            usually(
                st.sampled_from(["Cluster {DBClusterIdentifier} is {Engine}", "{Port}", "x"]),
                st.one_of(st.sampled_from(["{", "}{", "{param.p}", "{ref:"]), junk_text),
            )
        ),
    }
    if draw(st.booleans()):
        doc["scope"] = draw(conditions)
    if draw(st.booleans()):
        doc["params"] = draw(
            st.dictionaries(
                st.sampled_from(["min_days", "p", "bad key"]),
                st.one_of(st.builds(lambda v: {"default": v}, json_values), json_values),
                max_size=2,
            )
        )
    if draw(st.booleans()):
        doc["inherited_by"] = draw(usually(st.sampled_from(RELS), junk_text))
    if draw(st.booleans()):
        doc["remediation"] = draw(
            usually(
                st.fixed_dictionaries({"text": junk_text}, optional={"cli": junk_text}),
                json_values,
            )
        )
    if draw(st.booleans()):
        doc["references"] = draw(
            st.lists(st.sampled_from(["https://docs.aws.amazon.com/x", "not a url"]), max_size=2)
        )
    if draw(st.booleans()):
        resource = {"type": draw(st.sampled_from(TYPES)), "id": "r1", "Engine": "aurora-mysql"}
        case: dict[str, Any] = {
            "name": draw(usually(st.just("case"), junk_text)),
            "resources": [resource],
            "expect": {
                "r1": draw(usually(st.sampled_from(["pass", "fail", "unknown"]), junk_text))
            },
        }
        if draw(st.booleans()):
            case["errors"] = [{"type": resource["type"], "operation": "DescribeX"}]
        doc["tests"] = [_maybe_mangle(case, draw)]
    return _maybe_mangle(doc, draw)


# Well-formed conditions on a cluster: valid operators with values of the right
# type and paths along relations that start from the subject, so a good share
# of documents pass every phase and go on to be evaluated.
CLUSTER_PATHS = [
    (["member"], "aws.rds.db_instance"),
    (["protected_by"], "aws.ec2.security_group"),
    (["encrypted_with"], "aws.kms.key"),
    (["in_subnet_group", "in_subnet", "routed_by", "routes_to"], "aws.ec2.internet_gateway"),
    (["uses_parameter_group"], "aws.rds.db_cluster_parameter_group"),
]
typed_attr = st.one_of(
    st.builds(
        lambda a, op, v: {"attr": a, "op": op, "value": v},
        st.sampled_from(ATTRS),
        st.sampled_from(["eq", "ne", "contains", "starts_with", "ends_with"]),
        st.one_of(st.booleans(), st.integers(-5, 70000), st.sampled_from(["aurora-mysql", "ON"])),
    ),
    st.builds(
        lambda a, op, v: {"attr": a, "op": op, "value": v},
        st.sampled_from(ATTRS),
        st.sampled_from(["in", "not_in", "contains_any", "contains_all"]),
        st.lists(st.sampled_from(["aurora-mysql", "aurora-postgresql", "1", "ON"]), max_size=3),
    ),
    st.builds(
        lambda a, op, v: {"attr": a, "op": op, "value": v},
        st.sampled_from(ATTRS),
        st.sampled_from(["ge", "gt", "le", "lt"]),
        st.integers(-5, 70000),
    ),
    st.builds(
        lambda a, v: {"attr": a, "op": "exists", "value": v}, st.sampled_from(ATTRS), st.booleans()
    ),
    st.builds(lambda a: {"attr": a, "op": "empty"}, st.sampled_from(ATTRS)),
    st.builds(
        lambda a, v: {"attr": a, "op": "regex", "value": v},
        st.sampled_from(ATTRS),
        st.sampled_from(["^aurora", "(?i)on|1", ".*"]),
    ),
)


def _extend_clean(inner: Any) -> Any:
    return st.one_of(
        st.builds(lambda c: {"all": c}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda c: {"any": c}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda c: {"not": c}, inner),
        st.builds(
            lambda a, c: {"any_item": {"attr": a, "where": c}},
            st.sampled_from(["DBClusterMembers", "TagList", "VpcSecurityGroups"]),
            inner,
        ),
        st.builds(
            lambda p, c: {"path": {"via": p[0], "to": p[1], "where": c}},
            st.sampled_from(CLUSTER_PATHS),
            inner,
        ),
    )


clean_conditions = st.recursive(typed_attr, _extend_clean, max_leaves=5)
clean_docs = st.builds(
    lambda require, scope: {
        **({"scope": scope} if scope is not None else {}),
        "id": "custom.fuzz_clean",
        "title": "A clean fuzzed policy",
        "severity": "high",
        "resource": "aws.rds.db_cluster",
        "require": require,
        "message": "Cluster {DBClusterIdentifier} runs {Engine}",
    },
    clean_conditions,
    st.one_of(st.none(), clean_conditions),
)

documents = st.one_of(clean_docs, policy_docs(), json_values)

_SNAPSHOT = Snapshot(
    collected_at="2026-01-01T00:00:00Z",
    accounts=("123456789012",),
    regions=("us-east-1",),
    resources=(
        Resource(
            "arn:aws:rds:us-east-1:123456789012:cluster:c1",
            "aws.rds.db_cluster",
            "123456789012",
            "us-east-1",
            {
                "DBClusterIdentifier": "c1",
                "Engine": "aurora-mysql",
                "Port": 3306,
                "DBClusterMembers": [{"DBInstanceIdentifier": "i1", "IsClusterWriter": True}],
                "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-1", "Status": "active"}],
                "TagList": [{"Key": "env", "Value": "<prod>"}],
            },
        ),
        Resource(
            "arn:aws:rds:us-east-1:123456789012:db:i1",
            "aws.rds.db_instance",
            "123456789012",
            "us-east-1",
            {"DBInstanceIdentifier": "i1", "DBClusterIdentifier": "c1", "Engine": "aurora-mysql"},
        ),
        Resource(
            "arn:aws:ec2:us-east-1:123456789012:security-group/sg-1",
            "aws.ec2.security_group",
            "123456789012",
            "us-east-1",
            {
                "GroupId": "sg-1",
                "IpPermissions": [
                    {
                        "IpProtocol": "-1",
                        "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                        "Ipv6Ranges": [],
                        "UserIdGroupPairs": [],
                    }
                ],
            },
        ),
    ),
)


def _file_name(doc: Any) -> str:
    policy_id = doc.get("id") if isinstance(doc, dict) else None
    if isinstance(policy_id, str) and ID_RE.match(policy_id) and policy_id not in (".", ".."):
        return f"{policy_id}.yaml"
    return "fuzzed.yaml"


def check_document(doc: Any, root: Path) -> str:
    """Load ``doc`` as the only policy of a directory: 'valid' or 'refused', never a crash."""
    from scanner.policy.engine import evaluate
    from scanner.policy.loader import load_policies
    from scanner.policy.testing import run_policy_tests

    area = root / "fuzz"
    if area.exists():
        shutil.rmtree(area)
    area.mkdir(parents=True)
    (area / _file_name(doc)).write_text(
        yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    try:
        policy_set = load_policies([root], include_builtin=False)
    except UserInputError as exc:
        text = exc.render()
        assert text.strip(), "an error with no message"
        return "refused"
    assert len(policy_set.policies) == 1
    # An accepted policy must evaluate, and run its own cases, without raising.
    result = evaluate(_SNAPSHOT, policy_set)
    result.to_dict()
    run_policy_tests(policy_set)
    return "valid"


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(doc=documents)
def test_fuzzed_policy_loads_or_is_refused_cleanly(doc: Any) -> None:
    root = Path(tempfile.mkdtemp(prefix="fuzz-policy-"))
    try:
        check_document(doc, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


VALID = {
    "id": "custom.fuzz_valid",
    "title": "A valid policy",
    "severity": "low",
    "resource": "aws.rds.db_cluster",
    "require": {"attr": "Port", "op": "eq", "value": 3306},
    "message": "Cluster {DBClusterIdentifier} listens on {Port}",
}


def test_the_generators_reach_valid_policies_too(tmp_path: Path) -> None:
    """The loader accepts a plain valid document, so 'refused' above is not vacuous."""
    assert check_document(dict(VALID), tmp_path) == "valid"


NEAR_MISSES: dict[str, Any] = {
    "unknown_op": {**VALID, "id": "custom.a", "require": {"attr": "Port", "op": "equals"}},
    "bad_regex": {
        **VALID,
        "id": "custom.b",
        "require": {"attr": "Engine", "op": "regex", "value": "^aurora("},
    },
    "unknown_relation": {
        **VALID,
        "id": "custom.c",
        "require": {"path": {"via": ["routes_to_moon"], "to": "aws.kms.key"}},
    },
    "bad_jmespath": {**VALID, "id": "custom.d", "require": {"attr": "Tags[?", "op": "exists"}},
    "two_kinds": {**VALID, "id": "custom.e", "require": {"all": [], "not": {"attr": "P"}}},
    "not_a_mapping": ["id", "custom.f"],
}


def test_policies_validate_cli_exits_2_without_traceback(tmp_path: Path, run_cli: Any) -> None:
    for name, doc in NEAR_MISSES.items():
        directory = tmp_path / name / "custom"
        directory.mkdir(parents=True)
        file_id = doc["id"] if isinstance(doc, dict) else "custom.f"
        (directory / f"{file_id}.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    args = ["policies", "validate", "--no-builtin"]
    for name in NEAR_MISSES:
        args += ["--policies", str(tmp_path / name)]
    run = run_cli(args, cwd=tmp_path)
    assert run.code == 2, (run.code, run.stderr)
    assert "Traceback" not in run.stderr
    for doc in NEAR_MISSES.values():
        file_id = doc["id"] if isinstance(doc, dict) else "custom.f"
        assert f"{file_id}.yaml" in run.stderr, (file_id, run.stderr)


@pytest.mark.parametrize("name", sorted(NEAR_MISSES))
def test_near_misses_are_refused_in_process(name: str, tmp_path: Path) -> None:
    assert check_document(NEAR_MISSES[name], tmp_path) == "refused"
