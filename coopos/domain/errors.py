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


class StateError(CooposError):
    """The action does not fit the current state (no open shift, sale already completed...)."""
