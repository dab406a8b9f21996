"""The Action's dismissal step against a local fake of GitHub's code-scanning API.

The fake is a real HTTP server on 127.0.0.1 that keeps alerts in memory,
pages them (``Link: rel="next"``) and records every request (method, path,
query, body, headers); the step talks to it with urllib exactly as it talks
to api.github.com.  The SARIF is a real one, rendered with the waived
findings included.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from report_factory import rich_result

from scanner.report import SarifOptions, render
from scanner.report.github_dismiss import MARKER, main
from scanner.report.sarif import render_sarif

REPO = "acme/infra"
TOKEN = "ghs_test_token"
BASE = f"/repos/{REPO}/code-scanning"


class FakeCodeScanning:
    """Alerts by number; requests as (method, path, query, body, headers)."""

    def __init__(self) -> None:
        self.alerts: dict[int, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self.processing = ["pending", "complete"]
        self.page_size = 2
        self.fail_with: int | None = None

    def add(self, number: int, rule: str, path: str, category: str, **extra: Any) -> None:
        self.alerts[number] = {
            "number": number,
            "state": extra.pop("state", "open"),
            "dismissed_comment": extra.pop("dismissed_comment", None),
            "rule": {"id": rule},
            "tool": {"name": "aurora-scan"},
            "most_recent_instance": {
                "ref": "refs/heads/main",
                "category": category,
                "location": {"path": path, "start_line": 1},
            },
        }

    def handle(self, handler: BaseHTTPRequestHandler) -> tuple[int, Any, dict[str, str]]:
        url = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = json.loads(handler.rfile.read(length)) if length else None
        self.requests.append(
            {
                "method": handler.command,
                "path": url.path,
                "query": {k: v[0] for k, v in parse_qs(url.query).items()},
                "body": body,
                "headers": dict(handler.headers),
            }
        )
        if self.fail_with:
            return self.fail_with, {"message": "Resource not accessible by integration"}, {}
        if handler.command == "GET" and url.path.startswith(f"{BASE}/sarifs/"):
            state = self.processing.pop(0) if len(self.processing) > 1 else self.processing[0]
            return 200, {"processing_status": state}, {}
        if handler.command == "GET" and url.path == f"{BASE}/alerts":
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            matching = [
                a
                for a in self.alerts.values()
                if a["state"] == query["state"] and a["tool"]["name"] == query["tool_name"]
            ]
            page = int(query.get("page", "1"))
            start = (page - 1) * self.page_size
            headers = {}
            if start + self.page_size < len(matching):
                nxt = dict(query, page=str(page + 1))
                link = "&".join(f"{k}={v}" for k, v in nxt.items())
                host = handler.headers["Host"]
                headers["Link"] = f'<http://{host}{BASE}/alerts?{link}>; rel="next"'
            return 200, matching[start : start + self.page_size], headers
        if handler.command == "PATCH" and url.path.startswith(f"{BASE}/alerts/"):
            alert = self.alerts[int(url.path.rsplit("/", 1)[1])]
            alert["state"] = body["state"]
            alert["dismissed_comment"] = body.get("dismissed_comment")
            return 200, alert, {}
        return 404, {"message": "Not Found"}, {}

    def patches(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["method"] == "PATCH"]


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeCodeScanning, str]]:
    fake = FakeCodeScanning()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            status, payload, headers = fake.handle(self)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PATCH = _serve

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    monkeypatch.setenv("GITHUB_API_URL", url)
    monkeypatch.setenv("GITHUB_REF", "refs/heads/main")
    try:
        yield fake, url
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def sarif(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    path = tmp_path_factory.mktemp("sarif") / "results.sarif"
    render_sarif(rich_result(), path, SarifOptions(include_waived=True))
    return path, json.loads(path.read_text(encoding="utf-8"))


def _run_data(doc: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    run = doc["runs"][0]
    return run["automationDetails"]["id"], run["results"]


def _where(result: dict[str, Any]) -> tuple[str, str]:
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    return result["ruleId"], uri


def test_waived_alerts_are_dismissed_with_the_waiver_and_expired_ones_reopened(
    github: tuple[FakeCodeScanning, str], sarif: tuple[Path, dict[str, Any]]
) -> None:
    fake, _ = github
    path, doc = sarif
    category, results = _run_data(doc)
    waived = [r for r in results if r.get("suppressions")]
    failing = [r for r in results if r["properties"]["status"] == "FAIL"]
    assert len(waived) >= 2 and len(failing) >= 3
    fake.add(1, *_where(waived[0]), category)  # open, waived: dismiss
    fake.add(2, *_where(waived[1]), category)  # open, waived: dismiss
    fake.add(3, *_where(failing[0]), category)  # open, failing: leave open
    # Dismissed by this step before; the waiver expired, so it fails again: reopen.
    fake.add(4, *_where(failing[1]), category, state="dismissed", dismissed_comment=f"{MARKER} x")
    # Dismissed by a person: never touched.
    fake.add(5, *_where(failing[2]), category, state="dismissed", dismissed_comment="checked")
    # Another scope's category with the same rule and location: not ours.
    fake.add(6, *_where(waived[0]), "aurora-scan/999999999999/us-west-2/")

    assert main([str(path), "--sarif-id", "abc-123", "--wait-seconds", "0"]) == 0

    gets = [r for r in fake.requests if r["method"] == "GET"]
    assert [g["path"] for g in gets[:2]] == [f"{BASE}/sarifs/abc-123"] * 2  # waited once
    listing = [g for g in gets if g["path"] == f"{BASE}/alerts"]
    assert {g["query"]["state"] for g in listing} == {"open", "dismissed"}
    assert all(g["query"]["tool_name"] == "aurora-scan" for g in listing)
    assert all(g["query"]["ref"] == "refs/heads/main" for g in listing)
    assert any(g["query"].get("page") == "2" for g in listing)  # followed the Link header
    for request in fake.requests:
        assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
        assert request["headers"]["Accept"] == "application/vnd.github+json"

    patches = {r["path"]: r["body"] for r in fake.patches()}
    assert set(patches) == {f"{BASE}/alerts/1", f"{BASE}/alerts/2", f"{BASE}/alerts/4"}
    justification = waived[0]["suppressions"][0]["justification"]
    assert patches[f"{BASE}/alerts/1"] == {
        "state": "dismissed",
        "dismissed_reason": "won't fix",
        "dismissed_comment": (
            f"{MARKER} {justification} (owner dba-team@example.com, expires 2027-01-31)"
        ),
    }
    assert patches[f"{BASE}/alerts/4"] == {"state": "open"}
    assert [fake.alerts[n]["state"] for n in range(1, 7)] == [
        "dismissed",
        "dismissed",
        "open",
        "open",
        "dismissed",
        "open",
    ]

    # Run again: everything already matches, so nothing is patched.
    fake.requests.clear()
    assert main([str(path)]) == 0
    assert fake.patches() == []


def test_api_refusal_is_exit_3_with_the_call_named(
    github: tuple[FakeCodeScanning, str],
    sarif: tuple[Path, dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake, _ = github
    fake.fail_with = 403
    assert main([str(sarif[0])]) == 3
    err = capsys.readouterr().err
    assert f"GET {BASE}/alerts" not in err  # the URL is named in full, with its host
    assert f"{BASE}/alerts?" in err
    assert "HTTP 403" in err and "Resource not accessible" in err


def test_missing_token_and_bad_repository_are_exit_2_before_any_request(
    github: tuple[FakeCodeScanning, str],
    sarif: tuple[Path, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake, _ = github
    monkeypatch.delenv("GITHUB_TOKEN")
    assert main([str(sarif[0]), "--repository", "not a repo"]) == 2
    err = capsys.readouterr().err
    assert "GITHUB_TOKEN is not set" in err and "is not OWNER/NAME" in err
    assert fake.requests == []


def test_unreadable_sarif_is_exit_2(
    github: tuple[FakeCodeScanning, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake, _ = github
    bad = tmp_path / "broken-sarif.json"  # not *.sarif: the conftest checks those
    bad.write_text("{not json", encoding="utf-8")
    assert main([str(bad)]) == 2
    assert "not a readable single-run SARIF file" in capsys.readouterr().err
    assert fake.requests == []


# -- the Action's steps, run as the runner runs them ------------------------

ROOT = Path(__file__).resolve().parents[2]


def _step(action: Path, name: str) -> dict[str, Any]:
    steps = yaml.safe_load(action.read_text(encoding="utf-8"))["runs"]["steps"]
    return next(s for s in steps if s.get("id") == name or s.get("name") == name)


def _bash(script: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    bash = shutil.which("bash")
    assert bash is not None
    path = tmp_path / "step.sh"
    path.write_text(script, encoding="utf-8")
    # GitHub runs `shell: bash` as `bash --noprofile --norc -eo pipefail {0}`.
    return subprocess.run(
        [bash, "--noprofile", "--norc", "-eo", "pipefail", str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_dismiss_action_runs_the_step_with_a_bare_python(
    github: tuple[FakeCodeScanning, str], sarif: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    """The dismiss action's script needs only the standard library: run with a
    ``python3`` that has no aurora-scan installed, against the fake API."""
    fake, url = github
    path, doc = sarif
    category, results = _run_data(doc)
    waived = next(r for r in results if r.get("suppressions"))
    fake.add(7, *_where(waived), category)
    step = _step(ROOT / "dismiss" / "action.yml", "Dismiss alerts of waived findings")
    env = {
        "PATH": os.environ["PATH"],
        "ACTION_PATH": str(ROOT / "dismiss"),
        "IN_SARIF_FILE": str(path),
        "IN_SARIF_ID": "upload-1",
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": url,
        "GITHUB_REF": "refs/heads/main",
    }
    assert set(step["env"]) <= set(env)
    proc = _bash(step["run"], env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "dismissed 1 alert(s)" in proc.stdout
    assert [r["path"] for r in fake.patches()] == [f"{BASE}/alerts/7"]
    assert fake.alerts[7]["state"] == "dismissed"


@pytest.mark.parametrize(
    ("mode", "waivers", "include", "expect_waived"),
    [
        ("scan", "waivers.yml", "auto", True),
        ("scan", "", "auto", False),
        ("scan", "waivers.yml", "false", False),
        # iac: alerts would be matched by rule and file, one template many resources.
        ("iac", "waivers.yml", "auto", False),
    ],
)
def test_action_puts_waived_findings_in_the_sarif_whenever_waivers_are_given(
    tmp_path: Path, mode: str, waivers: str, include: str, expect_waived: bool
) -> None:
    """The main action's step re-renders the SARIF with the real CLI from the
    scan's results.json; the outputs step then reports ``waived-in-sarif``."""
    out = tmp_path / "out"
    render(rich_result(), ["json", "sarif"], out)
    step = _step(ROOT / "action.yml", "waived")
    output_file = tmp_path / "github_output"
    cli = Path(sys.executable).parent / "aurora-scan"
    assert cli.is_file()
    env = {
        # The action's virtualenv is never on PATH: the step runs the CLI the
        # install step names (AURORA_SCAN), not whatever `aurora-scan` PATH has.
        "PATH": "/usr/bin:/bin",
        "AURORA_SCAN": str(cli),
        "MODE": mode,
        "IN_WAIVERS": waivers,
        "IN_INCLUDE_WAIVED": include,
        "IN_OUTPUT_DIR": str(out),
        "GITHUB_OUTPUT": str(output_file),
        # The scan finished with failing findings: its reports are this run's.
        "CODE": "1",
        "EXIT_CODE": "1",
    }
    assert set(step["env"]) <= set(env)
    proc = _bash(step["run"], env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "::warning::" not in proc.stdout, proc.stdout + proc.stderr
    doc = json.loads((out / "results.sarif").read_text(encoding="utf-8"))
    suppressed = [r for r in doc["runs"][0]["results"] if r.get("suppressions")]
    assert bool(suppressed) is expect_waived

    outputs = _step(ROOT / "action.yml", "outputs")
    proc = subprocess.run(
        [sys.executable, "-c", outputs["run"]],
        # The scan step's "formats" output: the reports this run wrote.
        env={**env, "IN_OUTPUT_DIR": str(out), "FORMATS": "json,sarif,md"},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    values = dict(line.split("=", 1) for line in output_file.read_text().splitlines())
    assert values["waived-in-sarif"] == ("true" if expect_waived else "false")
