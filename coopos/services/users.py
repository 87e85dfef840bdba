"""Users, PIN login and manager approval.

A PIN alone identifies a user at login (one PIN, Enter), so PINs are unique.  Each
stored hash carries a 6-bit hint (``domain.security``): the slow scrypt check runs only
for the user or two whose hint matches, not once per user.  Wrong PINs are counted,
delayed and locked out by ``pin_guard``; each is audited.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from coopos.db.models import User
from coopos.domain import events
from coopos.domain.catalog import Role
from coopos.domain.errors import PermissionDenied, ValidationError
from coopos.domain.pin_policy import change_reason, check_pin
from coopos.domain.security import (
    burn_time,
    hash_pin,
    might_match,
    needs_rehash,
    normalise_pin,
    verify_pin,
)
from coopos.i18n import SUPPORTED_LANGUAGES, _
from coopos.services import pin_guard
from coopos.services.context import Context


class PinUnavailable(ValidationError):
    """The PIN cannot be used, for a reason not to be told (another user has it)."""

    def __init__(self) -> None:
        super().__init__(_("This PIN cannot be used: choose another one."))


def _holder(session: Session, pin: str, except_id: int | None = None) -> User | None:
    """The active user whose PIN this is (scrypt only where the hint matches)."""
    users = session.execute(select(User).where(User.active)).scalars()
    return next(
        (
            u
            for u in users
            if u.id != except_id and might_match(pin, u.pin_hash) and verify_pin(pin, u.pin_hash)
        ),
        None,
    )


def _taken(uow, pin: str, except_id: int | None, actor_id: int | None) -> bool:
    """True if someone else has this PIN.  Whoever typed it now knows a PIN that opens
    the till: its holder must choose a new one at the next login, and the attempt counts
    as a wrong PIN (so PINs cannot be collected by trying them here)."""
    holder = _holder(uow.session, pin, except_id)
    if holder is None:
        return False
    holder.pin_change_required = True
    uow.audit("pin_collision", actor_id)
    pin_guard.record_failure(uow, "pin_collision")
    return True


def create_user(
    ctx: Context, name: str, role: Role | str, pin: str, actor_id: int | None = None
) -> User:
    """Add a user.  A PIN alone identifies a user at login, so PINs are unique."""
    name = name.strip()
    if not name:
        raise ValidationError(_("A user needs a name."))
    role = Role(role)
    pin = check_pin(pin, role)
    pin_hash = hash_pin(pin)  # slow: before the write transaction
    with ctx.write() as uow:
        s = uow.session
        pin_guard.check(s, uow.stamp.utc)
        if s.execute(select(User.id).where(User.name == name)).first():
            raise ValidationError(_("A user named “{name}” already exists.", name=name))
        user = None
        if not _taken(uow, pin, None, actor_id):
            user = User(name=name, role=role.value, pin_hash=pin_hash)
            s.add(user)
            s.flush()
            uow.audit("user_created", actor_id, user=name, role=role.value)
            uow.publish(events.USERS_CHANGED)
    if user is None:
        raise PinUnavailable()  # after the commit: the holder's flag is kept
    return user


def change_pin(ctx: Context, user_id: int, new_pin: str, actor_id: int) -> None:
    """A new PIN for a user, set by a manager (``actor_id``) or by the user themselves."""
    with ctx.read() as s:
        role = s.get(User, user_id).role
    pin = check_pin(new_pin, role)
    pin_hash = hash_pin(pin)
    with ctx.write() as uow:
        pin_guard.check(uow.session, uow.stamp.utc)
        user = uow.session.get(User, user_id)
        taken = _taken(uow, pin, user_id, actor_id)
        if not taken:
            user.pin_hash, user.pin_change_required = pin_hash, False
            uow.audit("pin_changed", actor_id, user=user.name)
    if taken:
        raise PinUnavailable()


def set_active(
    ctx: Context, user_id: int, active: bool, actor_id: int, new_pin: str | None = None
) -> None:
    """Deactivate (or reactivate) a user; the last active admin cannot be deactivated."""
    with ctx.read() as s:
        role = s.get(User, user_id).role
    pin_hash = None
    if active:
        # PINs are salted hashes: whether the old PIN now clashes with someone else's
        # cannot be known, so a returning user gets a PIN checked like a new one.
        if new_pin is None:
            with ctx.read() as s:
                name = s.get(User, user_id).name
            raise ValidationError(_("Give {name} a PIN to reactivate them.", name=name))
        pin = check_pin(new_pin, role)
        pin_hash = hash_pin(pin)
    taken = False
    with ctx.write() as uow:
        s = uow.session
        user = s.get(User, user_id)
        if not active and user.role == Role.ADMIN.value:
            admins = s.execute(
                select(User.id).where(User.role == Role.ADMIN.value, User.active)
            ).all()
            if len(admins) <= 1:
                raise ValidationError(_("The last admin cannot be deactivated."))
        if active and not user.active:
            pin_guard.check(s, uow.stamp.utc)
            taken = _taken(uow, pin, user_id, actor_id)
            if not taken:
                user.pin_hash, user.pin_change_required = pin_hash, False
        if not taken:
            user.active = active
            uow.audit(
                "user_deactivated" if not active else "user_reactivated", actor_id, user=user.name
            )
            uow.publish(events.USERS_CHANGED)
    if taken:
        raise PinUnavailable()


def set_user_language(
    ctx: Context, user_id: int, language: str | None, actor_id: int | None
) -> None:
    """A user's own language (None: the shop's), applied when they log in."""
    if language is not None and language not in SUPPORTED_LANGUAGES:
        raise ValidationError(_("Unknown language “{language}”.", language=language))
    with ctx.write() as uow:
        user = uow.session.get(User, user_id)
        user.language = language
        uow.audit("user_language", actor_id, user=user.name, language=language or "")
        uow.publish(events.USERS_CHANGED)


def list_users(ctx: Context) -> list[User]:
    with ctx.read() as s:
        return list(s.execute(select(User).order_by(User.name)).scalars())


def authenticate(ctx: Context, pin: str, audit: bool = True, purpose: str = "login") -> User:
    """The active user whose PIN this is.

    Every wrong PIN is counted and audited (``pin_guard``); before the delay it earned
    has passed no PIN is checked.  On a locked till only a manager's PIN is accepted,
    and it unlocks.  ``audit`` writes the successful login too (not for an approval,
    which its action audits)."""
    pin = normalise_pin(pin)
    user, locked_out = None, False
    # One write transaction for the check, the scrypt and the count: two processes
    # cannot try PINs side by side to get around the delay.
    with ctx.write() as uow:
        s = uow.session
        guard = pin_guard.check(s, uow.stamp.utc)
        candidates = [
            u
            for u in s.execute(select(User).where(User.active)).scalars()
            if might_match(pin, u.pin_hash)
        ]
        user = next((u for u in candidates if verify_pin(pin, u.pin_hash)), None)
        if not candidates:
            burn_time()  # a wrong PIN takes as long as a right one
        if user is None:
            pin_guard.record_failure(uow, purpose)
        elif guard.locked and not Role(user.role).is_manager:
            locked_out = True
            uow.audit("pin_refused_locked", user.id, purpose=purpose)
        else:
            if guard.locked:
                pin_guard.clear(uow, user.id)
            if needs_rehash(user.pin_hash):
                user.pin_hash = hash_pin(pin)  # today's cost, with the hint
            if audit:
                uow.audit("login", user.id, user=user.name)
    if locked_out:
        raise pin_guard.PinLocked()
    if user is None:
        if pin_guard.status(ctx).locked:
            raise pin_guard.PinLocked()
        raise PermissionDenied(_("Wrong PIN."))
    return user


def require_manager(ctx: Context, pin: str, action: str) -> User:
    """A manager's (or admin's) approval given by PIN; ``action`` names it in the audit."""
    user = authenticate(ctx, pin, audit=False, purpose=f"approval:{action}")
    if not Role(user.role).is_manager:
        with ctx.write() as uow:
            uow.audit("approval_refused", user.id, requested=action)
        raise PermissionDenied(_("This needs a manager's PIN."))
    return user


def pin_change_due(user: User, pin: str) -> str | None:
    """Why the user who just logged in with ``pin`` must choose a new PIN (one sentence),
    or None: a PIN set before today's rules for their role, or one another user tried
    to take."""
    reason = change_reason(normalise_pin(pin), user.role)
    if reason is None and user.pin_change_required:
        reason = _("For security, choose a new PIN now.")
    return reason


def unlock_pins(ctx: Context, actor_id: int) -> bool:
    """A manager unlocks the till's PIN entry; True if it was locked."""
    with ctx.write() as uow:
        return pin_guard.clear(uow, actor_id)


def is_manager(user: User | None) -> bool:
    return user is not None and Role(user.role).is_manager
