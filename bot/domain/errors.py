"""Domain errors: what a service refuses, phrased as data for the view to translate."""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every refusal a service can raise."""


class InvalidInput(DomainError):
    """A value a person typed does not fit: `reason` says why, `limit` carries the bound if any."""

    def __init__(self, field: str, reason: str, limit: int | None = None) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.limit = limit


class NotFound(DomainError):
    """The thing a button or command names does not exist (any more)."""


class ConsentRequired(DomainError):
    """The person has not given consent to the current privacy notice."""
