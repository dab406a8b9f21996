"""The one place that masks credentials in text the scanner stores or prints.

An endpoint may quote the request back in an error body (its headers, a
presigned query string), a user may put ``user:password@`` in
``--endpoint-url``, and a command line may carry ``--external-id``.  Every
collection error message, every log line, the stored command line and the
reports' evidence header pass through here, so the rules live in one module:

* AWS access key ids (``AKIA``/``ASIA``/``ABIA``/``ACCA`` + 16 characters);
* the values of ``Authorization``, ``X-Amz-Security-Token``,
  ``X-Amz-Credential``, ``X-Amz-Signature`` and similar named fields
  (``name: value``, ``name=value``, ``"name": "value"``, ``<name>value</name>``);
* secret-access-key and session-token shaped blobs: 40 or more base64
  characters with upper and lower case letters and digits (a hex digest, a
  path or an ARN never qualifies: they lack a case or have ``:``/``-``/``.``);
* the password of URL userinfo (``scheme://user:***@host``);
* the exact values of the credentials in this process's environment.

Masked values become ``***`` so a reader still sees that something was there.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

MASK = "***"

_ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{12,}(?![A-Z0-9])")
# Field names whose value is a credential wherever they appear.
_NAMES = (
    r"authorization|proxy-authorization|x-amz-security-token|x-amz-credential|x-amz-signature"
    r"|x-amz-content-sha256|credential|signature|securitytoken|security[-_]token"
    r"|session[-_]?token|secret[-_]?access[-_]?key|aws_secret_access_key|aws_session_token"
    r"|secret[-_]?key|password|passwd|external[-_]?id"
)
# An AWS SigV4 Authorization value: the scheme, then comma-separated k=v parts.
_SIGV4 = r"AWS4-HMAC-SHA256(?:[ \t]+[A-Za-z]+=[^\s,\"'<>&;]*,?)+"
_NAMED_VALUE = re.compile(
    rf"(?i)(?<![\w-])({_NAMES})([\"']?[ \t]*[:=][ \t]*[\"']?)"
    rf"({_SIGV4}|(?:Bearer|Basic|AWS)[ \t]+[^\s\"'<>&;,]+|[^\s\"'<>&;,]+)"
)
_XML_VALUE = re.compile(rf"(?i)<({_NAMES})>([^<]*)</")
_BLOB = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40,}(?![A-Za-z0-9/+=])")
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^/\s@:\"'<>]*):([^/\s@\"'<>]*)@")
# Credentials a process may hold in its environment; shorter values
# ("testing" in tests) would mask ordinary words.
_ENV_SECRETS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
_MIN_ENV_SECRET = 16
# Command-line options whose value is a secret (the option name says so).
_SECRET_OPTION = re.compile(r"(secret|token|password|passwd|credential|external-id|key)", re.I)
_SECRET_FLAG = re.compile(
    r"(--[\w-]*(?:secret|token|password|passwd|credential|external-id|key)[\w-]*)(=|\s+)"
    r"(?!\*\*\*)(\S+)",
    re.I,
)


def _looks_random(blob: str) -> bool:
    # Keys and tokens are random base64: upper, lower and digits all occur.
    return (
        any(c.isupper() for c in blob)
        and any(c.islower() for c in blob)
        and any(c.isdigit() for c in blob)
    )


def _mask_blob(match: re.Match[str]) -> str:
    return MASK if _looks_random(match[0]) else match[0]


def redact(text: str) -> str:
    """``text`` with every credential-looking value replaced by ``***``."""
    if not text:
        return text
    for name in _ENV_SECRETS:
        value = os.environ.get(name, "")
        if len(value) >= _MIN_ENV_SECRET and value in text:
            text = text.replace(value, MASK)
    text = _USERINFO.sub(lambda m: f"{m[1]}{m[2]}:{MASK}@", text)
    text = _NAMED_VALUE.sub(lambda m: f"{m[1]}{m[2]}{MASK}", text)
    text = _XML_VALUE.sub(lambda m: f"<{m[1]}>{MASK}</", text)
    text = _ACCESS_KEY_ID.sub(MASK, text)
    return _BLOB.sub(_mask_blob, text)


def redact_url(url: str) -> str:
    """A URL with the password of its userinfo masked (``http://user:***@host``)."""
    return _USERINFO.sub(lambda m: f"{m[1]}{m[2]}:{MASK}@", url)


def redact_argv(argv: Sequence[str]) -> list[str]:
    """A command line's words, the value of every secret-named option masked."""
    out: list[str] = []
    mask_next = False
    for arg in argv:
        if mask_next:
            out.append(MASK)
            mask_next = False
            continue
        if arg.startswith("--") and _SECRET_OPTION.search(arg):
            if "=" in arg:
                out.append(arg.split("=", 1)[0] + "=" + MASK)
            else:
                out.append(arg)
                mask_next = True
            continue
        out.append(redact(arg))
    return out


def redacted_command_line(argv: Sequence[str] | None = None) -> str:
    """This process's command line for the evidence header, secret-looking values masked."""
    args = list(sys.argv if argv is None else argv)
    if args:
        args[0] = Path(args[0]).name
    return " ".join(shlex.quote(a) for a in redact_argv(args))


def redact_command_line(command_line: str) -> str:
    """A command line already joined into one string (a result from elsewhere)."""
    masked = _SECRET_FLAG.sub(lambda m: f"{m[1]}{m[2]}{MASK}", command_line)
    return redact(masked)


class RedactingFilter(logging.Filter):
    """Masks credentials in a log record's message and string extras before any
    handler formats it (a message may quote an endpoint's error body)."""

    _STANDARD = frozenset(vars(logging.makeLogRecord({})))

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = redact(message), None
        for key, value in list(vars(record).items()):
            if key not in self._STANDARD and isinstance(value, str):
                setattr(record, key, redact(value))
        return True
