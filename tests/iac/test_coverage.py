"""Every policy that applies to IaC has a passing and a failing case in the corpus.

The policies come from the registry (`aurora-scan policies list`, ``applies``
containing ``iac``: every built-in policy not in ``scanner/iac/runtime.py``),
so a new IaC-applicable policy without corpus cases fails here: add a passing
and a failing resource to ``tests/iac/corpus/`` (CloudFormation, and the
Terraform plans through ``tests/iac/make_plans.py``), or, if a template
genuinely cannot express what it reads, make it runtime only with the reason.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from scanner.cli import main
from scanner.iac.runtime import RUNTIME_ONLY
from scanner.policy.loader import load_policies
from scanner.result_file import read_result

CORPUS = Path(__file__).parent / "corpus"
IAC_POLICIES = sorted(p.id for p in load_policies().policies if p.id not in RUNTIME_ONLY)

# What CloudFormation cannot declare at all (Terraform can: its corpus covers them).
NOT_IN_CLOUDFORMATION = {
    "aurora.cluster_snapshot.encrypted": "CloudFormation has no DB cluster snapshot resource",
    "aurora.cluster_snapshot.kms_customer_managed_key": (
        "CloudFormation has no DB cluster snapshot resource"
    ),
    "aurora.cluster.not_in_default_vpc": (
        "CloudFormation cannot declare the default VPC or its subnets (Terraform's "
        "aws_default_vpc and aws_default_subnet adopt them)"
    ),
}

Verdicts = dict[str, dict[str, set[str]]]  # format -> policy -> statuses


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> Verdicts:
    out: Verdicts = {}
    for folder in ("cloudformation", "terraform"):
        target = tmp_path_factory.mktemp(folder)
        main(
            [
                "iac",
                str(CORPUS / folder),
                "--config",
                str(CORPUS / "aurora-scan.yml"),
                "--output-dir",
                str(target),
                "--format",
                "json",
                "--quiet",
            ]
        )
        statuses: dict[str, set[str]] = defaultdict(set)
        for f in read_result(target / "results.json").findings:
            statuses[f.policy_id].add(f.status.value)
        out[folder] = statuses
    return out


def test_the_list_is_what_policies_list_says_applies_to_iac(capsys) -> None:
    assert main(["policies", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert sorted(r["id"] for r in rows if "iac" in r["applies"]) == IAC_POLICIES
    assert len(IAC_POLICIES) > 30


@pytest.mark.parametrize("policy", IAC_POLICIES)
def test_each_iac_policy_passes_and_fails_somewhere_in_the_corpus(verdicts, policy) -> None:
    seen = verdicts["cloudformation"][policy] | verdicts["terraform"][policy]
    assert {"PASS", "FAIL"} <= seen, f"{policy}: the corpus gives only {sorted(seen)}"


@pytest.mark.parametrize("policy", IAC_POLICIES)
def test_each_iac_policy_passes_and_fails_in_the_terraform_plans(verdicts, policy) -> None:
    seen = verdicts["terraform"][policy]
    assert {"PASS", "FAIL"} <= seen, f"{policy}: the plans give only {sorted(seen)}"


@pytest.mark.parametrize("policy", [p for p in IAC_POLICIES if p not in NOT_IN_CLOUDFORMATION])
def test_each_iac_policy_passes_and_fails_in_the_templates(verdicts, policy) -> None:
    seen = verdicts["cloudformation"][policy]
    assert {"PASS", "FAIL"} <= seen, f"{policy}: the templates give only {sorted(seen)}"


def test_what_cloudformation_cannot_declare_is_still_not_decided_there(verdicts) -> None:
    # The exceptions stay true: were a template to pass and fail one of them,
    # it should move into the checked list above.
    for policy in NOT_IN_CLOUDFORMATION:
        assert not {"PASS", "FAIL"} <= verdicts["cloudformation"][policy], policy
