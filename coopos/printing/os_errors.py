"""Why the system refused a printer, in the user's words: the system says it in English
("No such file or directory"), and the seller reads the sentence in Arabic or Tamazight."""

from __future__ import annotations

import errno

from coopos.i18n import N_, _

_REASONS = {
    errno.ENOENT: N_("not found: is it plugged in?"),
    errno.ENODEV: N_("not found: is it plugged in?"),
    errno.ENXIO: N_("not found: is it plugged in?"),
    errno.EACCES: N_("access refused"),
    errno.EPERM: N_("access refused"),
    errno.EBUSY: N_("busy with another program"),
    errno.EIO: N_("it stopped answering"),
    errno.ECONNREFUSED: N_("the connection was refused"),
    errno.ETIMEDOUT: N_("no answer in time"),
    errno.EHOSTUNREACH: N_("the network does not reach it"),
    errno.ENETUNREACH: N_("the network does not reach it"),
    errno.EHOSTDOWN: N_("the network does not reach it"),
    errno.ECONNRESET: N_("the connection was cut"),
    errno.ECONNABORTED: N_("the connection was cut"),
    errno.EPIPE: N_("the connection was cut"),
    errno.ENOSPC: N_("no space left"),
}


def os_reason(exc: BaseException) -> str:
    """The cause of an ``OSError`` in the current language (the system's own words for an
    unusual one, so that support can still look it up)."""
    if isinstance(exc, TimeoutError):
        return _(_REASONS[errno.ETIMEDOUT])
    reason = _REASONS.get(getattr(exc, "errno", None))
    if reason is not None:
        return _(reason)
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
