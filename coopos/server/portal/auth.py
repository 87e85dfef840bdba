"""Portal sessions: the cookie holds a random token; the session itself (its cooperative,
the generation of its access code, its expiry) is a row of the server database, so that
every server process accepts it and signing out ends it for good (a copied cookie stops
working).  A new access code bumps the generation: every older session ends.  HttpOnly,
SameSite=Lax, Secure over HTTPS, scoped to ``/portal``.

The chosen language is a second, plain cookie (``fr`` or ``ar``).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import Response

from coopos.server import consignment
from coopos.server.db import Database
from coopos.server.portal import store
from coopos.server.portal.html import LANGUAGES

SESSION_COOKIE = "coopos_portal"
LANGUAGE_COOKIE = "coopos_lang"
SESSION_SECONDS = int(store.SESSION_TTL.total_seconds())
LANGUAGE_SECONDS = 365 * 24 * 3600
_NEXT = re.compile(r"^/portal/[A-Za-z0-9_\-./?=&%]*$")
_VERSION = "v2."


class Sessions:
    def __init__(self, db: Database):
        self.db = db

    @staticmethod
    def _token(request: Request) -> str:
        value = request.cookies.get(SESSION_COOKIE, "")
        return value[len(_VERSION) :] if value.startswith(_VERSION) else ""

    def read(self, request: Request) -> consignment.PortalUser | None:
        """The signed-in cooperative, or None (no cookie, unknown, expired, signed out,
        replaced)."""
        return store.session_user(self.db, self._token(request))

    def open(self, response: Response, request: Request, user: consignment.PortalUser) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            _VERSION + store.open_session(self.db, user),
            max_age=SESSION_SECONDS,
            path="/portal",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )

    def close(self, response: Response, request: Request) -> None:
        store.close_session(self.db, self._token(request))
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
