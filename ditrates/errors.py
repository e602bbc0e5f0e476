"""Errors that the command line turns into one line on stderr and exit code 2."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class DitratesError(ValueError):
    """Base class: bad input, never a bug. Its message is one line meant for the user."""

    exit_code = 2


class RunError(DitratesError):
    """A run that could not be done (a missing tool such as pdflatex, a LaTeX error): exit code 1."""

    exit_code = 1


class DomainError(DitratesError):
    """A value lies outside its parameter's domain (negative dimension, eps outside (0, 1), ...)."""


class ConditionError(DitratesError):
    """A condition of a theorem fails at the given numbers; the message names the condition.

    ``condition`` is the :class:`~ditrates.conditions.Condition` that failed (None where none applies) and
    ``hint`` what it asks at these numbers, in words (empty where the condition has no hint).
    """

    def __init__(self, message: str, condition=None, hint: str = ""):
        super().__init__(message)
        self.condition = condition
        self.hint = hint


class Unreachable(DitratesError):
    """A target below a bound everywhere in the search range: ``minimum_log10`` is log10 of the bound's smallest
    value there, ``where`` the parameter's value at it and ``at`` any other value it was taken at (``eps`` where
    it is free and taken at its best)."""

    def __init__(self, message: str, minimum_log10: float, where, at: dict | None = None):
        super().__init__(message)
        self.minimum_log10, self.where, self.at = minimum_log10, where, dict(at or {})


class MissingValue(DitratesError):
    """A result needs a value that was neither given nor has a default (e.g. ``n``); ``key`` names it."""

    def __init__(self, message: str, key: str | None = None):
        super().__init__(message)
        self.key = key


class UnknownName(DitratesError):
    """An unknown result, parameter or preset name."""

    @classmethod
    def for_choice(cls, what: str, name: str, choices: Iterable[str]) -> UnknownName:
        """An error naming the closest choices.

        >>> print(UnknownName.for_choice("result", "score-estimaton", ["score-estimation", "xi"]))
        unknown result 'score-estimaton'; did you mean 'score-estimation'?
        """
        choices = list(choices)
        close = difflib.get_close_matches(name, choices, n=3, cutoff=0.7)
        if close:
            hint = "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
        else:
            hint = "choose from " + ", ".join(choices)
        return cls(f"unknown {what} '{name}'; {hint}")
