"""``json.loads`` that refuses NaN and infinities, naming where they are.

Python's ``json`` reads the non-standard ``NaN``, ``Infinity`` and
``-Infinity`` (and turns ``1e999`` into infinity).  No comparison with them
means anything -- ``Port: Infinity`` is outside every port range, so a
world-open security group would PASS -- and results written from them hold
bare ``NaN``, which is not JSON.  Snapshots and results refuse them at parse
time: the parser marks each one, and only then is the document walked (once)
to name the first one's JSON path.
"""

from __future__ import annotations

import json
import math
from typing import Any

from scanner.errors import UserInputError


class _NonFinite:
    """Stands in for a refused number until its path is found."""

    def __init__(self, text: str) -> None:
        self.text = text


def loads_finite(
    raw: str | bytes, *, file: str, expected: str | None = None, hint: str | None = None
) -> Any:
    """Like ``json.loads``; a NaN or infinite number is a UserInputError naming its path.

    ``json.JSONDecodeError``, ``UnicodeDecodeError`` and ``RecursionError``
    pass through for the caller's own messages.
    """
    found: list[_NonFinite] = []

    def constant(text: str) -> Any:
        marker = _NonFinite(text)
        found.append(marker)
        return marker

    def number(text: str) -> Any:
        value = float(text)
        return value if math.isfinite(value) else constant(text)

    data = json.loads(raw, parse_constant=constant, parse_float=number)
    if found:
        raise UserInputError(
            f"'{found[0].text}' is not a finite number",
            file=file,
            location=_path_of_marker(data),
            expected=expected or "finite numbers only (JSON has no NaN or Infinity)",
            hint=hint or "the file was edited or damaged; write the number meant",
        )
    return data


def _path_of_marker(data: Any) -> str:
    """The JSON path of the first marker in document order (iterative: no recursion limit)."""
    stack: list[tuple[Any, str]] = [(data, "$")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, _NonFinite):
            return path
        if isinstance(node, dict):
            items = [(v, f"{path}{_member(str(k))}") for k, v in node.items()]
        elif isinstance(node, list):
            items = [(v, f"{path}[{i}]") for i, v in enumerate(node)]
        else:
            continue
        stack.extend(reversed(items))
    return "$"


def _member(key: str) -> str:
    if key.replace("_", "").isalnum() and key[:1].isalpha():
        return f".{key}"
    return f"[{json.dumps(key)}]"
