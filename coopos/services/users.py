"""Users, PIN login and manager approval."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from coopos.db.models import User
from coopos.domain import events
from coopos.domain.catalog import Role
from coopos.domain.errors import PermissionDenied, ValidationError
from coopos.domain.security import check_pin_format, hash_pin, verify_pin
from coopos.i18n import SUPPORTED_LANGUAGES, _
from coopos.services.context import Context


def _pin_taken(session: Session, pin: str, except_id: int | None = None) -> bool:
    users = session.execute(select(User).where(User.active)).scalars()
    return any(u.id != except_id and verify_pin(pin, u.pin_hash) for u in users)


def create_user(
    ctx: Context, name: str, role: Role | str, pin: str, actor_id: int | None = None
) -> User:
    """Add a user.  A PIN alone identifies a user at login, so PINs are unique."""
    name = name.strip()
    if not name:
        raise ValidationError(_("A user needs a name."))
    role = Role(role)
    pin = check_pin_format(pin)
    with ctx.write() as uow:
        s = uow.session
        if s.execute(select(User.id).where(User.name == name)).first():
            raise ValidationError(_("A user named “{name}” already exists.", name=name))
        if _pin_taken(s, pin):
            raise ValidationError(_("This PIN is already used by another user."))
        user = User(name=name, role=role.value, pin_hash=hash_pin(pin))
        s.add(user)
        s.flush()
        uow.audit("user_created", actor_id, user=name, role=role.value)
        uow.publish(events.USERS_CHANGED)
        return user


def change_pin(ctx: Context, user_id: int, new_pin: str, actor_id: int) -> None:
    pin = check_pin_format(new_pin)
    with ctx.write() as uow:
        user = uow.session.get(User, user_id)
        if _pin_taken(uow.session, pin, except_id=user_id):
            raise ValidationError(_("This PIN is already used by another user."))
        user.pin_hash = hash_pin(pin)
        uow.audit("pin_changed", actor_id, user=user.name)


def set_active(
    ctx: Context, user_id: int, active: bool, actor_id: int, new_pin: str | None = None
) -> None:
    """Deactivate (or reactivate) a user; the last active admin cannot be deactivated."""
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
            # PINs are salted hashes: whether the old PIN now clashes with someone else's
            # cannot be known, so a returning user gets a PIN checked like a new one.
            if new_pin is None:
                raise ValidationError(_("Give {name} a PIN to reactivate them.", name=user.name))
            pin = check_pin_format(new_pin)
            if _pin_taken(s, pin, except_id=user_id):
                raise ValidationError(_("This PIN is already used by another user."))
            user.pin_hash = hash_pin(pin)
        user.active = active
        uow.audit(
            "user_deactivated" if not active else "user_reactivated", actor_id, user=user.name
        )
        uow.publish(events.USERS_CHANGED)


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


def authenticate(ctx: Context, pin: str, audit: bool = True) -> User:
    """The active user whose PIN this is; every login (and failed try) is audited."""
    with ctx.write() as uow:
        users = uow.session.execute(select(User).where(User.active)).scalars().all()
        user = next((u for u in users if verify_pin(pin.strip(), u.pin_hash)), None)
        if audit:
            if user is None:
                uow.audit("login_failed", None)
            else:
                uow.audit("login", user.id, user=user.name)
    if user is None:
        raise PermissionDenied(_("Wrong PIN."))
    return user


def require_manager(ctx: Context, pin: str, action: str) -> User:
    """A manager's (or admin's) approval given by PIN; ``action`` names it in the audit."""
    user = authenticate(ctx, pin, audit=False)
    if not Role(user.role).is_manager:
        with ctx.write() as uow:
            uow.audit("approval_refused", user.id, requested=action)
        raise PermissionDenied(_("This needs a manager's PIN."))
    return user


def is_manager(user: User | None) -> bool:
    return user is not None and Role(user.role).is_manager
