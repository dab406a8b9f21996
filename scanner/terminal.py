"""Text from AWS made safe to show: control characters and bidi overrides made visible.

Resource names, tag values and error messages come from the scanned
accounts (or an endpoint).  Printed raw, an ESC sequence recolours or
rewrites the terminal, a newline or carriage return forges a line of our own
output, and a bidirectional override (U+202E) shows text in an order other
than the bytes' order.  ``visible`` replaces each such character by a
visible escape (``\\x1b``, ``\\n``, ``\\u202e``) so the reader sees that it
was there and nothing else changes; ``visible_lines`` does it per line of a
multi-line text that is meant to have lines.
"""

from __future__ import annotations

import re

from scanner.errors import UserInputError
from scanner.redact import redact

# C0 controls, DEL, C1 controls; the bidirectional embeddings, overrides,
# isolates and marks; the Unicode line and paragraph separators; lone
# surrogates (unencodable, and they would crash a UTF-8 stream).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# The same but keeping TAB, LF and CR: for HTML text, where whitespace is inert.
_UNSAFE_KEEP_WHITESPACE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
    "\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match[0]
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` on one line, every control, bidi or separator character escaped."""
    if text.isascii() and text.isprintable():
        return text  # the common case: nothing to do, no regex pass
    return _UNSAFE.sub(_escape, text)


def visible_keep_whitespace(text: str) -> str:
    """Like ``visible`` but TAB, LF and CR stay (HTML, where they are inert)."""
    if text.isascii() and text.isprintable():
        return text
    return _UNSAFE_KEEP_WHITESPACE.sub(_escape, text)


def visible_lines(text: str) -> str:
    """A multi-line text (one message per line) with each line made ``visible``."""
    return "\n".join(visible(line) for line in text.split("\n"))


def error_text(exc: Exception) -> str:
    """A user error's message for stderr: credentials masked, one visible line per problem."""
    text = exc.render() if isinstance(exc, UserInputError) else str(exc)
    return visible_lines(redact(text))
