"""The one error base of the DATEV engine.

Every error the engine raises for its caller derives from `DatevError`, so a caller (the CLI, the
import pipeline) catches exactly the engine's refusals and lets a bug's KeyError or LookupError
surface as the bug it is. Messages are German and meant for the user.
"""

from __future__ import annotations


class DatevError(Exception):
    """The engine cannot do what was asked; str() is a German message for the user."""


class RulesMissing(DatevError):
    """No rule set applies (no "*" set and none for the marketplace)."""
