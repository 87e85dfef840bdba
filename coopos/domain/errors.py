"""Errors a user can cause and fix.  Their message is one translated sentence."""


class CooposError(Exception):
    """A user-facing error: the message is shown as is (already translated)."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class ValidationError(CooposError):
    """Bad input: a value that cannot be parsed or breaks a rule."""


class NotFoundError(CooposError):
    """Something named by the user does not exist."""


class PermissionDenied(CooposError):
    """The user's role does not allow the action (a manager is needed)."""


class ApprovalRequired(PermissionDenied):
    """A manager can allow this: ask for their PIN, then retry with the approver.

    ``action`` names what is approved (``"line_discount"``, ``"order_discount"``,
    ``"price_override"``...), so that a screen or the CLI decides from the error's type and
    action, never from the words of its (translated) message."""

    def __init__(self, message: str, action: str):
        super().__init__(message)
        self.action = action


class StateError(CooposError):
    """The action does not fit the current state (no open shift, sale already completed...)."""


class NumbersOnHold(StateError):
    """A till restored from a backup does not know yet which receipt (note, Z) numbers it
    already issued: it must reach the server once before it numbers another document."""
