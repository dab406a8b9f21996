"""Every embedded test case of every built-in policy, one pytest case each.

The catalogue grows; this test follows it (it is parametrized over whatever
policies/ holds when the tests are collected).
"""

from __future__ import annotations

from typing import Any

import pytest

from scanner.policy.loader import PolicySet, load_policies
from scanner.policy.policy import Policy
from scanner.policy.testing import run_case

CATALOGUE: PolicySet = load_policies()
CASES: list[tuple[Policy, dict[str, Any]]] = [
    (policy, case) for policy in CATALOGUE.policies for case in policy.tests
]


def test_the_catalogue_has_cases() -> None:
    assert len(CATALOGUE) > 0
    assert CASES


@pytest.mark.parametrize(
    ("policy", "case"), CASES, ids=[f"{p.id}[{c.get('name')}]" for p, c in CASES]
)
def test_embedded_case(policy: Policy, case: dict[str, Any]) -> None:
    problems = run_case(policy, case, CATALOGUE.frameworks_of(policy.id))
    assert not problems, "; ".join(problems)
