"""Meta-tests over the shipped catalogue: the data keeps the promises the docs make.

The rules are in docs/adding-a-policy.md (the checklist) and
docs/policy-language.md (scope, cluster-owned settings).  Nothing here is a
hand-kept list of policies: what a check needs to know about a policy it
reads from the policy (``inherited_by``, ``resource``, ``tests``), so adding a
policy file (and its framework mapping) is all a new policy takes.
``policies/catalogue.txt`` is the ledger of released ids, which may never
disappear (see ``test_released_ids_still_have_their_policy``).

``AURORA_SCAN_META_POLICIES=DIR`` points every check at another policy
directory laid out like ``policies/`` (``tests/e2e/test_new_policy_planted.py``
runs this module on a copy of the catalogue with a planted policy).

These read the YAML files directly (not through the loader) so that a broken
loader cannot hide a broken catalogue, and the two are checked independently.
Each check is parametrized per policy so a failure names the file to fix.
"""

from __future__ import annotations

import os
import re
import shlex
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import botocore
import botocore.loaders
import jmespath
import pytest
import yaml

from scanner.resource_types import TYPES
from scanner.typeinfo import ResourceType

ROOT = Path(__file__).resolve().parents[2]
POLICIES = Path(os.environ.get("AURORA_SCAN_META_POLICIES") or ROOT / "policies")
# The ledger of released policy ids is the repository's, whichever directory is checked.
CATALOGUE = ROOT / "policies" / "catalogue.txt"
RESERVED = ("frameworks", "data")
AREAS = ("encryption", "network", "backup", "availability", "identity", "logging", "lifecycle")

# Types whose records carry Engine, so Neptune and DocumentDB can show up in them.
ENGINE_TYPES = {
    "aws.rds.db_cluster",
    "aws.rds.db_instance",
    "aws.rds.db_cluster_snapshot",
    "aws.rds.global_cluster",
}

# Where each resource type's raw record comes from in botocore, plus the fields
# a collector adds from a second call: read from the type declarations
# (scanner/resource_types.py), see _record_shapes below.
CASE_KEYS = {"type", "id", "account", "region"}

# Official documentation only: the vendor's docs and the standards bodies.
OFFICIAL_HOSTS = (
    "docs.aws.amazon.com",
    "aws.amazon.com",
    "csrc.nist.gov",
    "www.cisecurity.org",
    "docs-prv.pcisecuritystandards.org",
    "www.pcisecuritystandards.org",
    "www.rfc-editor.org",
    "datatracker.ietf.org",
    "www.postgresql.org",
    "dev.mysql.com",
    "endoflife.date",
)

_PLACEHOLDER = re.compile(r"(?<!\{)\{([^{}]+)\}(?!\})")
_IDENTIFYING = re.compile(r"(Identifier|Arn|ARN|Name|Id|Group)$")
# JMESPath node types whose first child is evaluated against the record itself
# (the rest are evaluated against its result); all other nodes pass the record
# to every child.
_LEFT_ONLY = {
    "subexpression",
    "index_expression",
    "projection",
    "value_projection",
    "filter_projection",
    "flatten",
    "pipe",
}


def _policy_files() -> list[Path]:
    return sorted(
        p for p in POLICIES.rglob("*.yaml") if p.relative_to(POLICIES).parts[0] not in RESERVED
    )


@cache
def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path} is not a mapping"
    return data


def _framework_files() -> list[Path]:
    return sorted((POLICIES / "frameworks").glob("*.yaml"))


def _catalogue() -> list[str]:
    """The released ids (policies/catalogue.txt)."""
    lines = CATALOGUE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _ids_on_disk() -> list[str]:
    return sorted(_load(p)["id"] for p in _policy_files())


def _types(policy: dict[str, Any]) -> list[str]:
    resource = policy["resource"]
    return [resource] if isinstance(resource, str) else list(resource)


def _placeholders(template: str) -> list[str]:
    return [p.strip() for p in _PLACEHOLDER.findall(template)]


def _root_fields(node: dict[str, Any]) -> set[str]:
    """The record fields a JMESPath AST reads directly (not fields of fields)."""
    kind = node.get("type")
    if kind == "field":
        return {str(node["value"])}
    children = node.get("children") or []
    if kind in _LEFT_ONLY:
        children = children[:1]
    out: set[str] = set()
    for child in children:
        if isinstance(child, dict):
            out |= _root_fields(child)
    return out


def _shape_members(service: str, shape: str) -> frozenset[str]:
    return frozenset(_service_model(service)["shapes"][shape].get("members", {}))


def _record_shape_name(declared: ResourceType) -> str:
    """The botocore shape of one stored record: a listing's item, a fetched call's output."""
    model = _service_model(declared.service)
    output = model["operations"][declared.operation]["output"]["shape"]
    member = declared.items_key or declared.output_member
    if member is None:
        return str(output)
    shape = model["shapes"][output]["members"][member]["shape"]
    if declared.items_key is not None:
        shape = model["shapes"][shape]["member"]["shape"]
    return str(shape)


@cache
def _record_shapes() -> dict[str, tuple[str, str, tuple[str, ...]]]:
    return {
        t.name: (t.service, _record_shape_name(t), tuple(a.field for a in t.augments))
        for t in TYPES.all()
    }


def _fields_of(resource_type: str) -> frozenset[str] | None:
    spec = _record_shapes().get(resource_type)
    if spec is None:
        return None
    service, shape, extra = spec
    return _shape_members(service, shape) | frozenset(extra)


FILES = _policy_files()
IDS = [p.stem for p in FILES]


# Options every aws CLI command takes, besides its operation's parameters.
CLI_GLOBAL_OPTIONS = {
    "query",
    "output",
    "region",
    "profile",
    "endpoint-url",
    "cli-input-json",
    "no-cli-pager",
    "debug",
}


@cache
def _service_model(service: str) -> dict[str, Any]:
    model: dict[str, Any] = botocore.loaders.Loader().load_service_model(service, "service-2")
    return model


def _cli_problems(command: str) -> list[str]:
    """Why ``command`` is not an operation and options of the AWS CLI (botocore's model)."""
    # Placeholders become plain words so shlex sees the command as a user would type it.
    text = re.sub(r"\{[^{}]+\}", "X", command).replace("<", "").replace(">", "")
    problems: list[str] = []
    for segment in text.split("&&"):
        words = shlex.split(segment)
        if len(words) < 3 or words[0] != "aws":
            problems.append(f"not an aws CLI command: {segment.strip()!r}")
            continue
        service, operation = words[1], words[2]
        try:
            model = _service_model(service)
        except botocore.exceptions.UnknownServiceError:
            problems.append(f"unknown service {service!r}")
            continue
        ops = {botocore.xform_name(name, "-"): spec for name, spec in model["operations"].items()}
        if operation not in ops:
            problems.append(f"aws {service} has no operation {operation!r}")
            continue
        shape_name = ops[operation].get("input", {}).get("shape")
        members = model["shapes"][shape_name]["members"] if shape_name else {}
        options = set(CLI_GLOBAL_OPTIONS)
        for member, spec in members.items():
            option = botocore.xform_name(member, "-")
            options.add(option)
            if model["shapes"][spec["shape"]]["type"] == "boolean":
                options.add(f"no-{option}")
        for word in words[3:]:
            if word.startswith("--") and word[2:] not in options:
                problems.append(f"aws {service} {operation} has no option {word}")
    return problems


# ----- the catalogue as a whole ----------------------------------------------


def test_catalogue_list_is_sorted_and_unique() -> None:
    ids = _catalogue()
    assert ids == sorted(set(ids))


def released_id_problems(released: list[str], on_disk: list[str]) -> list[str]:
    """Released ids without a policy file: ids are permanent (SARIF ruleId, waivers, baselines)."""
    return [
        f"{policy_id} was released (policies/catalogue.txt) but has no policy file: ids are "
        f"permanent; restore policies/<area>/{policy_id}.yaml (to retire a check, replace it "
        "with a new id and keep the old file)"
        for policy_id in released
        if policy_id not in set(on_disk)
    ]


def test_released_ids_still_have_their_policy() -> None:
    problems = released_id_problems(_catalogue(), _ids_on_disk())
    assert not problems, "\n".join(problems)


def test_released_id_check_catches_a_removal() -> None:
    released = ["aurora.a", "aurora.b"]
    assert released_id_problems(released, ["aurora.a", "aurora.b", "aurora.new"]) == []
    (problem,) = released_id_problems(released, ["aurora.a"])
    assert problem.startswith("aurora.b was released")


def test_catalogue_never_shrinks() -> None:
    # docs/adding-a-policy.md: the first catalogue had 47 policies; it grows and
    # ids are fixed (deprecate and replace, never remove or rename).
    assert len(_catalogue()) >= 47
    assert len(_ids_on_disk()) >= len(_catalogue())


def test_ids_are_unique() -> None:
    ids = _ids_on_disk()
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


# ----- each policy -------------------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_file_lives_at_area_and_id(path: Path) -> None:
    policy = _load(path)
    rel = path.relative_to(POLICIES)
    assert len(rel.parts) == 2, f"{rel}: expected policies/<area>/<id>.yaml"
    assert rel.parts[0] in AREAS, f"{rel}: area must be one of {AREAS}"
    assert path.stem == policy["id"], f"{rel}: file name must be the policy id"


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_has_a_passing_and_a_failing_case(path: Path) -> None:
    verdicts = {v for case in _load(path).get("tests", []) for v in case["expect"].values()}
    assert "pass" in verdicts, "no test case expects pass"
    assert "fail" in verdicts, "no test case expects fail"


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_remediation_cli_is_aws_and_names_the_resource(path: Path) -> None:
    remediation = _load(path).get("remediation") or {}
    cli = " ".join(str(remediation.get("cli", "")).split())
    assert cli.startswith("aws "), f"remediation.cli must be an aws CLI command: {cli!r}"
    assert remediation.get("text"), "remediation.text is missing"
    names = [
        p
        for p in _placeholders(cli)
        if not p.startswith("param.") and (p in ("id", "name") or _IDENTIFYING.search(p))
    ]
    assert names, f"remediation.cli names no resource identifier placeholder: {cli!r}"


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_remediation_cli_exists_in_the_aws_cli(path: Path) -> None:
    cli = str((_load(path).get("remediation") or {}).get("cli", ""))
    assert not _cli_problems(cli)


def test_cli_check_catches_mistakes() -> None:
    ok = "aws rds modify-db-cluster --db-cluster-identifier {X} --deletion-protection"
    assert _cli_problems(ok) == []
    assert _cli_problems(ok.replace("--deletion", "--no-deletion")) == []
    assert _cli_problems("aws rds modify-db-cluster --cluster-id c") == [
        "aws rds modify-db-cluster has no option --cluster-id"
    ]
    assert _cli_problems("aws rds modify-cluster --x 1") == [
        "aws rds has no operation 'modify-cluster'"
    ]
    assert _cli_problems("rds modify-db-cluster") != []


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_message_states_an_observed_value(path: Path) -> None:
    message = _load(path)["message"]
    observed = [p for p in _placeholders(message) if not p.startswith("param.")]
    assert observed, f"message shows no observed value: {message!r}"


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_placeholders_are_real_fields(path: Path) -> None:
    policy = _load(path)
    allowed: set[str] = {"id", "name", "type", "account", "region"}
    for resource_type in _types(policy):
        fields = _fields_of(resource_type)
        if fields is None:
            return
        allowed |= fields
    remediation = policy.get("remediation") or {}
    for template in (policy["message"], str(remediation.get("cli", ""))):
        for placeholder in _placeholders(template):
            if placeholder.startswith("param."):
                continue
            expr, types, fields_ok = placeholder, _types(policy), allowed
            if placeholder.startswith("via."):
                # {via.REL[.REL...].EXPR}: EXPR is read on the node the relations reach.
                expr, target = _via_target(placeholder)
                types = [target]
                end_fields = _fields_of(target)
                if end_fields is None or not expr:
                    continue
                fields_ok = end_fields
            for field in _root_fields(jmespath.compile(expr).parsed):
                assert field.startswith("x_") or field in fields_ok, (
                    f"placeholder {{{placeholder}}}: {field} is not a field of {types}"
                )


def _via_target(placeholder: str) -> tuple[str, str]:
    """(expression, resource type reached) of a {via...} placeholder."""
    from scanner.vocabulary import RELATIONS

    rest, target = placeholder.removeprefix("via."), ""
    while rest.partition(".")[0] in RELATIONS:
        head, _, rest = rest.partition(".")
        target = RELATIONS[head].target
    return rest, target


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_case_resources_use_boto3_field_names(path: Path) -> None:
    for case in _load(path).get("tests", []):
        for resource in case["resources"]:
            fields = _fields_of(resource["type"])
            if fields is None:
                continue
            unknown = sorted(
                k
                for k in resource
                if k not in CASE_KEYS and not k.startswith("x_") and k not in fields
            )
            where = f"case {case['name']!r}: {resource['type']}"
            assert not unknown, f"{where} has no field(s) {unknown} in boto3's model"


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_references_are_official_https_docs(path: Path) -> None:
    references = _load(path).get("references") or []
    assert references, "no references"
    for url in references:
        parsed = urlparse(url)
        assert parsed.scheme == "https", f"{url}: not https"
        assert parsed.hostname in OFFICIAL_HOSTS, f"{url}: not official documentation"


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_engine_scope_is_explicit_and_excludes_neptune_and_docdb(path: Path) -> None:
    policy = _load(path)
    if not set(_types(policy)) <= ENGINE_TYPES:
        pytest.skip("resource type carries no Engine")
    scope = yaml.safe_dump(policy.get("scope"))
    assert "Engine" in scope and "aurora" in scope, "scope must name the Aurora engines"
    for engine in ("neptune", "docdb"):
        shown = any(
            resource.get("Engine") == engine
            and case["expect"].get(resource["id"]) == "not_applicable"
            for case in policy.get("tests", [])
            for resource in case["resources"]
        )
        assert shown, f"no test case shows a {engine} resource NOT_APPLICABLE"


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_cluster_owned_settings_report_members_not_applicable(path: Path) -> None:
    # `inherited_by: member` is the one declaration of a cluster-owned setting
    # (docs/policy-language.md); the e2e test checks the demo's members with it.
    policy = _load(path)
    if policy.get("inherited_by") != "member":
        return
    shown = any(
        resource["type"] == "aws.rds.db_instance"
        and case["expect"].get(resource["id"]) == "not_applicable"
        for case in policy.get("tests", [])
        for resource in case["resources"]
    )
    assert shown, "no test case shows a member instance NOT_APPLICABLE"


# ----- frameworks --------------------------------------------------------------


@pytest.mark.parametrize("path", _framework_files(), ids=lambda p: p.stem)
def test_framework_entries_point_at_existing_policies(path: Path) -> None:
    framework = _load(path)
    assert framework["id"] == path.stem, "framework file name must be its id"
    assert str(framework.get("url", "")).startswith("https://")
    known = set(_ids_on_disk())
    seen: set[str] = set()
    for requirement in framework["requirements"]:
        assert requirement["id"] not in seen, f"duplicate requirement {requirement['id']}"
        seen.add(requirement["id"])
        assert requirement["title"], f"requirement {requirement['id']} has no title"
        assert requirement["policies"], f"requirement {requirement['id']} maps no policy"
        unknown = sorted(set(requirement["policies"]) - known)
        assert not unknown, f"requirement {requirement['id']} names unknown policies {unknown}"


def test_expected_frameworks_ship() -> None:
    shipped = {p.stem for p in _framework_files()}
    expected = {"aws-fsbp", "cis-aws-foundations", "pci-dss-4.0", "nist-800-53-r5", "aurora-guide"}
    assert expected <= shipped


def test_every_policy_is_in_a_guide_section() -> None:
    guide = _load(POLICIES / "frameworks" / "aurora-guide.yaml")
    covered = {p for r in guide["requirements"] for p in r["policies"]}
    assert set(_ids_on_disk()) <= covered, sorted(set(_ids_on_disk()) - covered)
    titles = {r["title"] for r in guide["requirements"]}
    assert titles == {
        "Security",
        "Backup and Recovery",
        "Architecture",
        "Serverless",
        "Global Database",
        "Performance and Monitoring",
        "Best Practices",
    }


# ----- the embedded cases, through the engine ------------------------------------


@cache
def _policy_set() -> Any:
    from scanner.policy.loader import load_policies

    return load_policies([POLICIES], include_builtin=False)


def test_loader_accepts_the_whole_catalogue() -> None:
    policy_set = _policy_set()
    assert policy_set.ids() == _ids_on_disk()
    assert {f.id for f in policy_set.frameworks} == {p.stem for p in _framework_files()}


@pytest.mark.parametrize("policy_id", sorted(IDS))
def test_embedded_cases_pass(policy_id: str) -> None:
    from scanner.policy.testing import run_case

    policy_set = _policy_set()
    policy = policy_set.get(policy_id)
    problems = [
        f"[{case['name']}] {problem}"
        for case in policy.tests
        for problem in run_case(policy, case, policy_set.frameworks_of(policy_id))
    ]
    assert not problems, "\n".join(problems)


def test_findings_carry_framework_requirements() -> None:
    from scanner.model import Resource, Snapshot
    from scanner.policy.engine import evaluate

    cluster = Resource(
        id="arn:aws:rds:us-east-1:123456789012:cluster:c1",
        type="aws.rds.db_cluster",
        account="123456789012",
        region="us-east-1",
        attrs={"DBClusterIdentifier": "c1", "Engine": "aurora-mysql", "StorageEncrypted": False},
    )
    snapshot = Snapshot(
        collected_at="2026-11-28T00:00:00Z",
        accounts=("123456789012",),
        regions=("us-east-1",),
        resources=(cluster,),
    )
    policy_set = _policy_set().subset(["aurora.cluster.storage_encrypted"])
    result = evaluate(snapshot, policy_set)
    assert len(result.findings) == 1
    (meta,) = result.policies
    pairs = {(m["framework"], m["requirement"]) for m in meta["frameworks"]}
    assert ("aws-fsbp", "RDS.27") in pairs
    assert ("cis-aws-foundations", "2.3.1") in pairs
    assert ("nist-800-53-r5", "SC-28") in pairs
    assert ("aurora-guide", "security") in pairs
