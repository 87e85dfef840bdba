"""Portal sessions: a cookie holding the cooperative, the generation of its access code and
when it was opened, signed with HMAC-SHA256 under a key kept in the server database (so
every server process accepts it).  HttpOnly, SameSite=Lax, Secure over HTTPS, scoped to
``/portal``.  A new access code bumps the generation: every older session ends.

The chosen language is a second, plain cookie (``fr`` or ``ar``).
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import re
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import Response

from coopos.server import consignment
from coopos.server.db import Database
from coopos.server.portal.html import LANGUAGES

SESSION_COOKIE = "coopos_portal"
LANGUAGE_COOKIE = "coopos_lang"
SESSION_SECONDS = 12 * 3600
LANGUAGE_SECONDS = 365 * 24 * 3600
_NEXT = re.compile(r"^/portal/[A-Za-z0-9_\-./?=&%]*$")


class Sessions:
    def __init__(self, db: Database):
        self.db = db
        self._key: bytes | None = None

    @property
    def key(self) -> bytes:
        if self._key is None:
            self._key = consignment.secret_key(self.db)
        return self._key

    def _now(self) -> int:
        return calendar.timegm(self.db.now().timetuple())

    def _sign(self, payload: str) -> str:
        mac = hmac.new(self.key, payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def issue(self, user: consignment.PortalUser) -> str:
        payload = f"v1.{user.cooperative_id}.{user.generation}.{self._now()}"
        return f"{payload}.{self._sign(payload)}"

    def read(self, request: Request) -> consignment.PortalUser | None:
        """The signed-in cooperative, or None (no cookie, forged, expired, replaced)."""
        value = request.cookies.get(SESSION_COOKIE, "")
        if not value or len(value) > 200:
            return None
        payload, _dot, mac = value.rpartition(".")
        if not hmac.compare_digest(mac.encode(), self._sign(payload).encode()):
            return None
        try:
            version, coop_id, generation, issued = payload.split(".")
            coop_id_n, generation_n, issued_n = int(coop_id), int(generation), int(issued)
        except ValueError:
            return None
        if version != "v1" or not 0 <= self._now() - issued_n <= SESSION_SECONDS:
            return None
        return consignment.portal_user(self.db, coop_id_n, generation_n)

    def open(self, response: Response, request: Request, user: consignment.PortalUser) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            self.issue(user),
            max_age=SESSION_SECONDS,
            path="/portal",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )

    def close(self, response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/portal", httponly=True, samesite="lax")


def language(request: Request) -> str:
    """``?lang=``, else the language cookie, else the browser's (Arabic or French)."""
    for wanted in (request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if wanted in LANGUAGES:
            return wanted
    accept = request.headers.get("accept-language", "").lower()
    first = accept.split(",")[0].strip()
    return "ar" if first.startswith("ar") else "fr"


def remember_language(response: Response, request: Request, lang: str) -> None:
    response.set_cookie(
        LANGUAGE_COOKIE,
        lang,
        max_age=LANGUAGE_SECONDS,
        path="/portal",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def safe_next(target: str | None, default: str = "/portal/") -> str:
    """Only a portal path of this server (no scheme, host or ``//``)."""
    if not target or len(target) > 300 or "//" in target or "\\" in target:
        return default
    return target if _NEXT.match(target) else default


def same_origin(request: Request) -> bool:
    """A form posted from one of our own pages (browsers send Origin, or at least
    Referer, with a POST); a request without either is not from a browser page."""
    sent = request.headers.get("origin") or request.headers.get("referer")
    if not sent:
        return True
    if sent == "null":
        return False
    host = request.headers.get("host", "")
    return urlsplit(sent).netloc == host
