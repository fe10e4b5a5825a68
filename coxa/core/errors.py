"""Errors every app raises, each with a code, a message and the field at fault.

Pure Python so that domain modules can raise them. The HTTP layer turns them into
``{"code", "message", "field"}`` with the status below; pages show them beside the field.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input: a machine code, a sentence, and the field."""

    code: str
    message: str
    field: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}


class CoxaError(Exception):
    """Base of every expected error; ``status`` is the HTTP status it maps to."""

    status: ClassVar[int] = 400

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.problems: tuple[Problem, ...] = (Problem(code, message, field),)

    @classmethod
    def of(cls, problems: Sequence[Problem]) -> "CoxaError":
        """Build one error that carries several problems; the first one leads."""
        if not problems:
            raise ValueError("an error needs at least one problem")
        first = problems[0]
        error = cls(first.code, first.message, first.field)
        error.problems = tuple(problems)
        return error

    @property
    def code(self) -> str:
        return self.problems[0].code

    @property
    def message(self) -> str:
        return self.problems[0].message

    @property
    def field(self) -> str | None:
        return self.problems[0].field


class InvalidInput(CoxaError):
    """The request is malformed or a value is out of range or implausible."""

    status = 400


class NotAuthenticated(CoxaError):
    status = 401


class Forbidden(CoxaError):
    """The actor is known but their role or relationship does not allow this."""

    status = 403


class NotFound(CoxaError):
    status = 404


class Conflict(CoxaError):
    """The request is well formed but clashes with what is recorded (duplicate, state)."""

    status = 409
