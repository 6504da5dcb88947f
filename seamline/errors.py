"""The one domain exception.

Every rule that refuses something raises :class:`RuleViolation` with machine-readable reason
codes and a sentence a person understands. Pages turn it into form errors, the API into a
409/422 problem body, the CLI into a message and exit code 1.
"""

from __future__ import annotations

from typing import NamedTuple


class Reason(NamedTuple):
    """One reason a rule gives: a code for machines, a sentence for people, and the field it is
    about when there is one. (A named tuple: the authorization register makes hundreds of
    thousands, and a tuple is made twice as fast as a frozen dataclass.)"""

    code: str
    message: str
    field: str | None = None

    def as_dict(self) -> dict[str, str]:
        data = {"code": self.code, "message": self.message}
        if self.field:
            data["field"] = self.field
        return data


class RuleViolation(Exception):
    """A request that breaks a rule. `status` is the HTTP status the API answers with."""

    status = 422

    def __init__(self, *reasons: Reason):
        if not reasons:
            raise ValueError("a RuleViolation needs at least one reason")
        self.reasons = list(reasons)
        super().__init__("; ".join(r.message for r in self.reasons))

    @classmethod
    def one(cls, code: str, message: str, field: str | None = None) -> RuleViolation:
        return cls(Reason(code, message, field))

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    def as_dict(self) -> dict[str, object]:
        return {"detail": str(self), "reasons": [r.as_dict() for r in self.reasons]}


class Conflict(RuleViolation):
    """Someone else changed the record first: the caller must reload and try again."""

    status = 409

    @classmethod
    def stale(cls, label: str, expected: int, current: int | None) -> Conflict:
        now = "it has been removed" if current is None else f"it is now at version {current}"
        return cls(
            Reason(
                "stale_version",
                f"{label} was changed by someone else while you were editing (you had version "
                f"{expected}; {now}). Reload it, check the changes and try again.",
                "version",
            )
        )
