"""Dismiss the code-scanning alerts of waived findings, reopen those whose waiver ended.

GitHub code scanning does not act on SARIF ``suppressions``: a suppressed
result still opens an alert, and leaving waived findings out of the upload
closes their alerts as *fixed*.  So, after upload-sarif has processed a SARIF
written with ``--sarif-include-waived``, this step (the approach of
``advanced-security/dismiss-alerts``) goes through the repository's alerts
of this tool and category through the REST API:

- an open alert whose result in the SARIF carries a suppression is dismissed
  as "won't fix", with the waiver's reason, owner and expiry as the comment;
- an alert this step dismissed earlier (its comment starts with ``MARKER``)
  whose result is in the SARIF again without a suppression (the waiver
  expired or was removed) is reopened.  Alerts people dismissed by hand are
  never touched.

Alerts are matched to results by rule id and location (aurora-scan's
pseudo-path URI; every result is on line 1), within the SARIF's category.

    python -m scanner.report.github_dismiss results.sarif [--sarif-id ID]

reads ``GITHUB_TOKEN`` (``security-events: write``), ``GITHUB_REPOSITORY``,
``GITHUB_API_URL`` and ``GITHUB_REF`` as a workflow sets them.  Exit codes:
0 done, 2 bad input (no token, no repository, an unreadable SARIF), 3 the
GitHub API refused or failed (the message says which call and why).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MARKER = "aurora-scan waiver:"
DISMISSED_REASON = "won't fix"  # a waiver accepts the risk; it is not a false positive
MAX_COMMENT = 280  # GitHub's limit for dismissed_comment
API_VERSION = "2022-11-28"
_NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="next"')


class DismissError(Exception):
    """A call to the code-scanning API failed; the message names it."""


@dataclass(frozen=True)
class Expected:
    """What the SARIF says about one alert location: waived (with why) or not."""

    rule_id: str
    path: str
    comment: str | None  # the dismissal comment when the result is suppressed


@dataclass
class Outcome:
    dismissed: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)
    unchanged: int = 0


def expected_states(sarif: Mapping[str, Any]) -> tuple[str, str, dict[tuple[str, str], Expected]]:
    """Tool name, category, and (rule id, path) -> what the SARIF says, for its one run."""
    runs = sarif.get("runs") or []
    if len(runs) != 1:
        raise ValueError(f"expected one run, found {len(runs)}")
    run = runs[0]
    tool = str(((run.get("tool") or {}).get("driver") or {}).get("name") or "")
    category = str((run.get("automationDetails") or {}).get("id") or "")
    states: dict[tuple[str, str], Expected] = {}
    for result in run.get("results") or []:
        location = (result.get("locations") or [{}])[0].get("physicalLocation") or {}
        path = str((location.get("artifactLocation") or {}).get("uri") or "")
        key = (str(result.get("ruleId") or ""), path)
        accepted = [
            s for s in result.get("suppressions") or [] if s.get("status", "accepted") == "accepted"
        ]
        comment = dismissal_comment(accepted[0]) if accepted else None
        states[key] = Expected(key[0], path, comment)
    return tool, category, states


def dismissal_comment(suppression: Mapping[str, Any]) -> str:
    """The waiver as GitHub's dismissal comment: reason, owner, expiry, ticket."""
    props = suppression.get("properties") or {}
    reason = str(suppression.get("justification") or "waived")
    details = [
        f"{label} {props[key]}"
        for key, label in (("owner", "owner"), ("expires", "expires"), ("ticket", "ticket"))
        if props.get(key)
    ]
    text = f"{MARKER} {reason}" + (f" ({', '.join(details)})" if details else "")
    return text if len(text) <= MAX_COMMENT else text[: MAX_COMMENT - 1] + "…"


class CodeScanning:
    """The few code-scanning REST calls this step makes, with urllib."""

    def __init__(self, api_url: str, repository: str, token: str, *, timeout: float = 30) -> None:
        self.base = f"{api_url.rstrip('/')}/repos/{repository}/code-scanning"
        self.token = token
        self.timeout = timeout

    def _request(self, method: str, url: str, body: Mapping[str, Any] | None = None) -> Any:
        return self._send(method, url, body)[0]

    def _send(
        self, method: str, url: str, body: Mapping[str, Any] | None = None
    ) -> tuple[Any, str | None]:
        """The decoded response and the ``rel="next"`` link of its ``Link`` header."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("X-GitHub-Api-Version", API_VERSION)
        request.add_header("User-Agent", "aurora-scan-github-dismiss")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = response.read()
                next_link = _next_link(response.headers.get("Link", ""))
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:300]
            raise DismissError(f"{method} {url} failed: HTTP {exc.code} {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DismissError(f"{method} {url} failed: {reason}") from None
        return (json.loads(payload) if payload else None), next_link

    def wait_for_processing(self, sarif_id: str, *, attempts: int, interval: float) -> None:
        """Until GitHub has turned the upload into alerts (upload-sarif's ``sarif-id``)."""
        url = f"{self.base}/sarifs/{urllib.parse.quote(sarif_id, safe='')}"
        for attempt in range(attempts):
            status = self._request("GET", url) or {}
            state = status.get("processing_status")
            if state == "complete":
                return
            if state == "failed":
                raise DismissError(f"GitHub could not process the upload: {status.get('errors')}")
            if attempt + 1 < attempts:
                time.sleep(interval)
        raise DismissError(f"the upload {sarif_id} was still being processed; try again later")

    def alerts(self, tool: str, ref: str, state: str) -> Iterator[dict[str, Any]]:
        query = {"tool_name": tool, "state": state, "per_page": "100"}
        if ref:
            query["ref"] = ref
        url: str | None = f"{self.base}/alerts?{urllib.parse.urlencode(query)}"
        while url:
            page, next_link = self._send("GET", url)
            yield from page or []
            # Only follow "next" links to the same API: the token goes with them.
            url = next_link if next_link and next_link.startswith(self.base) else None

    def set_state(self, number: int, body: Mapping[str, Any]) -> None:
        self._request("PATCH", f"{self.base}/alerts/{int(number)}", body)


def _next_link(header: str) -> str | None:
    match = _NEXT_LINK.search(header)
    return match.group(1) if match else None


def _location(alert: Mapping[str, Any]) -> tuple[str, str, str]:
    instance = alert.get("most_recent_instance") or {}
    path = str((instance.get("location") or {}).get("path") or "")
    rule = str((alert.get("rule") or {}).get("id") or "")
    return rule, path, str(instance.get("category") or "")


def reconcile(api: CodeScanning, sarif: Mapping[str, Any], ref: str) -> Outcome:
    """Dismiss the alerts of waived results, reopen the ones whose waiver ended."""
    tool, category, expected = expected_states(sarif)
    outcome = Outcome()
    for alert in api.alerts(tool, ref, "open"):
        rule, path, alert_category = _location(alert)
        want = expected.get((rule, path))
        if want is None or want.comment is None or not _same_category(alert_category, category):
            outcome.unchanged += 1
            continue
        api.set_state(
            alert["number"],
            {
                "state": "dismissed",
                "dismissed_reason": DISMISSED_REASON,
                "dismissed_comment": want.comment,
            },
        )
        outcome.dismissed.append(int(alert["number"]))
    for alert in api.alerts(tool, ref, "dismissed"):
        rule, path, alert_category = _location(alert)
        want = expected.get((rule, path))
        ours = str(alert.get("dismissed_comment") or "").startswith(MARKER)
        if want is None or want.comment is not None or not ours:
            outcome.unchanged += 1
            continue
        if not _same_category(alert_category, category):
            outcome.unchanged += 1
            continue
        api.set_state(alert["number"], {"state": "open"})
        outcome.reopened.append(int(alert["number"]))
    return outcome


def _same_category(alert_category: str, category: str) -> bool:
    # GitHub reports the category as uploaded; an alert without one is matched
    # by rule and location alone (older uploads, or a category set elsewhere).
    if not alert_category or not category:
        return True
    return alert_category.rstrip("/") == category.rstrip("/")


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scanner.report.github_dismiss",
        description="Dismiss code-scanning alerts of waived findings (SARIF suppressions) "
        "and reopen those whose waiver expired.",
    )
    parser.add_argument("sarif", type=Path, help="the results.sarif that was uploaded")
    parser.add_argument(
        "--sarif-id", default="", help="upload-sarif's sarif-id output: wait for it"
    )
    parser.add_argument("--ref", default=os.environ.get("GITHUB_REF", ""), help="git ref")
    parser.add_argument("--repository", default=os.environ.get("GITHUB_REPOSITORY", ""))
    parser.add_argument(
        "--api-url", default=os.environ.get("GITHUB_API_URL", "https://api.github.com")
    )
    parser.add_argument("--wait-attempts", type=int, default=30)
    parser.add_argument("--wait-seconds", type=float, default=10.0)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    token = os.environ.get("GITHUB_TOKEN", "")
    problems = []
    if not token:
        problems.append("GITHUB_TOKEN is not set (a token with security-events: write)")
    if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", args.repository):
        problems.append(f"repository {args.repository!r} is not OWNER/NAME (--repository)")
    sarif: Any = None
    try:
        sarif = json.loads(args.sarif.read_text(encoding="utf-8"))
        expected_states(sarif)
    except (OSError, ValueError, AttributeError) as exc:
        problems.append(f"{args.sarif}: not a readable single-run SARIF file ({exc})")
    if problems:
        for problem in problems:
            print(f"aurora-scan github-dismiss: {problem}", file=sys.stderr)
        return 2
    api = CodeScanning(args.api_url, args.repository, token)
    try:
        if args.sarif_id:
            api.wait_for_processing(
                args.sarif_id, attempts=max(1, args.wait_attempts), interval=args.wait_seconds
            )
        outcome = reconcile(api, sarif, args.ref)
    except DismissError as exc:
        print(f"aurora-scan github-dismiss: {exc}", file=sys.stderr)
        return 3
    print(
        f"aurora-scan github-dismiss: dismissed {len(outcome.dismissed)} alert(s) of waived "
        f"findings, reopened {len(outcome.reopened)} whose waiver ended"
        + (
            f" (dismissed {outcome.dismissed}, reopened {outcome.reopened})"
            if outcome.dismissed or outcome.reopened
            else ""
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
