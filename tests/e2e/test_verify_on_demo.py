"""`aurora-scan verify` on the demo estate's scan (issue 16 item 10): the scan's
own snapshot, the built-in policies and its config match what results.json
states; one changed byte in the snapshot does not."""

from __future__ import annotations

from pathlib import Path

from e2e_support import E2E, run_cli


def test_verify_the_demo_scan(e2e: E2E, tmp_path: Path) -> None:
    results = e2e.full_dir / "results.json"
    snapshot = e2e.full_dir / "snapshot.json"
    run = run_cli(["verify", str(results), "--snapshot", str(snapshot)])
    assert run.code == 0, run.stdout + run.stderr
    assert "4 match, 0 mismatch, 0 not checked" in run.stdout
    assert "e2e-config.yml, named in the report" in run.stdout

    tampered = tmp_path / "snapshot.json"
    text = snapshot.read_text()
    tampered.write_text(text.replace('"DeletionProtection":false', '"DeletionProtection":true', 1))
    assert tampered.read_text() != text
    run = run_cli(["verify", str(results), "--snapshot", str(tampered)])
    assert run.code == 1
    assert "snapshot    MISMATCH" in run.stdout
