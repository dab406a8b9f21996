"""The release helper that records new policy ids in policies/catalogue.txt."""

from __future__ import annotations

from pathlib import Path

from release_ledger import LEDGER, ROOT, policy_ids, with_new_ids


def test_new_ids_are_added_sorted_and_comments_kept() -> None:
    text = "# ledger\naurora.b\naurora.d\n"
    new, added = with_new_ids(text, ["aurora.a", "aurora.b", "aurora.c", "aurora.d"])
    assert added == ["aurora.a", "aurora.c"]
    assert new == "# ledger\naurora.a\naurora.b\naurora.c\naurora.d\n"


def test_nothing_to_add_leaves_the_text_as_it_is() -> None:
    text = LEDGER.read_text(encoding="utf-8")
    ids = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert with_new_ids(text, ids) == (text, [])


def test_a_planted_policy_is_found(tmp_path: Path) -> None:
    (tmp_path / "backup").mkdir()
    (tmp_path / "frameworks").mkdir()
    (tmp_path / "backup" / "aurora.x.y.yaml").write_text("id: aurora.x.y\n", encoding="utf-8")
    (tmp_path / "frameworks" / "f.yaml").write_text("id: f\n", encoding="utf-8")
    assert policy_ids(tmp_path) == ["aurora.x.y"]
    assert len(policy_ids(ROOT / "policies")) >= 47
