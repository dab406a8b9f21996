"""'Did you mean' for a mistyped verb, choice or option.

argparse (3.11) lists the valid choices but never says which one was meant,
and reports an unknown option with no hint at all.  Both messages name the
closest valid spelling here (``difflib``, the standard library's fuzzy
matcher), so ``aurora-scan scna`` answers "did you mean 'scan'?" and
``--regoin`` answers "did you mean --region?".
"""

from __future__ import annotations

import argparse
import difflib
import re

# argparse's wording: "argument COMMAND: invalid choice: 'scna' (choose from 'a', 'b')".
_INVALID_CHOICE = re.compile(r"invalid choice: '(?P<given>[^']*)' \(choose from (?P<choices>.*)\)")
_CUTOFF = 0.6  # difflib's default: close enough that the suggestion is rarely absurd


def closest(given: str, candidates: list[str]) -> str | None:
    matches = difflib.get_close_matches(given, candidates, n=1, cutoff=_CUTOFF)
    return matches[0] if matches else None


def suggest_choice(message: str) -> str | None:
    """ "did you mean 'scan'?" for argparse's invalid-choice message, else None."""
    match = _INVALID_CHOICE.search(message)
    if match is None:
        return None
    choices = re.findall(r"'([^']*)'", match["choices"])
    best = closest(match["given"], choices) or closest(match["given"].lower(), choices)
    return f"did you mean '{best}'?" if best else None


def _verb_parser(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> argparse.ArgumentParser:
    """The deepest parser the command line selected (``policies test`` -> its own)."""
    current = parser
    while True:
        sub = next((a for a in current._actions if isinstance(a, argparse._SubParsersAction)), None)
        chosen = getattr(args, sub.dest, None) if sub is not None and sub.dest else None
        if sub is None or chosen not in sub.choices:
            return current
        current = sub.choices[chosen]


def unknown_arguments_message(
    parser: argparse.ArgumentParser, args: argparse.Namespace, extras: list[str]
) -> tuple[argparse.ArgumentParser, str]:
    """(the verb's parser, "unrecognized arguments: ... (did you mean --region?)")."""
    verb = _verb_parser(parser, args)
    options = sorted({o for a in verb._actions for o in a.option_strings if o.startswith("--")})
    pairs = []
    for extra in extras:
        if extra.startswith("--"):
            name = extra.split("=", 1)[0]
            best = closest(name, options)
            if best:
                pairs.append((name, best))
    text = "unrecognized arguments: " + " ".join(extras)
    if len(pairs) == 1:
        text += f" (did you mean {pairs[0][1]}?)"
    elif pairs:
        text += " (did you mean " + ", ".join(f"{b} for {n}" for n, b in pairs) + "?)"
    return verb, text
