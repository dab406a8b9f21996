"""Errors a user can fix: bad arguments, config, policies, snapshots, waivers.

The CLI turns every ``UserInputError`` into one message on stderr and exit
code 2, never a traceback.  Build the message from its parts so every error
names the file, the location inside it, what was expected and a hint.
"""

from __future__ import annotations


class UserInputError(Exception):
    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        location: str | None = None,
        expected: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = file
        self.location = location
        self.expected = expected
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.location:
                where += f" at {self.location}"
            where += ": "
        elif self.location:
            where = f"{self.location}: "
        text = f"{where}{self.problem}"
        if self.expected:
            text += f" (expected {self.expected})"
        if self.hint:
            text += f"; hint: {self.hint}"
        return text.replace("\n", " ")


class UserInputErrors(UserInputError):
    """Several problems found in one pass (e.g. every bad policy in a set)."""

    def __init__(self, errors: list[UserInputError]) -> None:
        self.errors = errors
        super().__init__(errors[0].problem if errors else "no errors")

    def render(self) -> str:
        return "\n".join(e.render() for e in getattr(self, "errors", []))
