"""One exception root for the legal-basis package."""


class LegalBasisError(Exception):
    """Root of legal-basis errors."""


class PolicyError(LegalBasisError):
    """The policy file is missing, malformed or inconsistent."""


class NotPermitted(LegalBasisError):
    """The action is not allowed for this user or in this state. ``conditions`` lists what is missing."""

    def __init__(self, message: str, conditions: list[str] | None = None) -> None:
        super().__init__(message)
        self.conditions = conditions or []


class Conflict(LegalBasisError):
    """The action conflicts with the current state (e.g. already decided)."""


class NotFound(LegalBasisError):
    """The case, device or record does not exist."""
