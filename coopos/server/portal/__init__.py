"""The cooperatives' portal on the central server: each cooperative signs in with its own
access code and sees only its own stock, sales, statements and payouts, in Arabic
(right-to-left) or French, on a phone.  Server-rendered HTML with a server-drawn SVG
chart: no script at all.  Anyone can check a statement's QR code at ``/portal/verify``.

See docs/portal.md.  ``install(app, db)`` adds the routes to the server's application.
"""

from coopos.server.portal.routes import install

__all__ = ["install"]
