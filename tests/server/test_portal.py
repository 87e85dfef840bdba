"""The cooperatives' portal: signing in (hashed codes, rate limit, signed cookie), each
cooperative sees only its own data however the URL is edited, pages in French and
Arabic (right-to-left), statement PDFs, and the public check of a statement's QR code."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from coopos.domain import consignment as rules
from coopos.server import consignment as server
from coopos.server.models import PortalAccess


def sign_in(client, code, **kwargs):
    return client.post("/portal/login", data={"code": code, **kwargs}, follow_redirects=False)


@pytest.fixture
def tifaw(client, portal):
    answer = sign_in(client, portal["TIFAW"])
    assert answer.status_code == 303 and answer.headers["location"] == "/portal/coop/TIFAW"
    return client


def test_codes_are_stored_hashed_and_a_new_code_ends_old_sessions(db, client, portal):
    with db.read() as s:
        hashes = set(s.execute(select(PortalAccess.code_hash)).scalars())
    assert len(hashes) == 2 and not {c.replace("-", "") for c in portal.values()} & hashes
    answer = sign_in(client, portal["TIFAW"].lower().replace("-", " "))  # as a person types it
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/portal" in cookie
    assert "Secure" not in cookie  # plain http here; set over https
    assert client.get("/portal/coop/TIFAW").status_code == 200
    server.new_access_code(db, "TIFAW")
    gone = client.get("/portal/coop/TIFAW", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/portal/login")
    assert sign_in(client, portal["TIFAW"]).status_code == 401  # the old code is dead


def test_the_cooperative_sees_its_statement_chart_stock_and_payouts(tifaw, gui):
    home = tifaw.get("/portal/coop/TIFAW")
    assert home.status_code == 200
    text = home.text
    assert 'dir="ltr"' in text and "TIFAW" in text
    assert '<svg class="chart"' in text and "<rect" in text  # the sales chart, no script
    assert "<script" not in text.lower()
    assert "Souk (SOUK)" in text and "MOUSSEM" not in text
    csp = home.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script" not in csp
    assert home.headers["cache-control"] == "no-store"

    statement = tifaw.get("/portal/coop/TIFAW/statements/fair/SOUK")
    assert statement.status_code == 200
    # 3 - 1 oils at 60 MAD, 15 % commission, 50 MAD paid
    assert "120,00" in statement.text and "18,00" in statement.text and "50,00" in statement.text
    assert "BL-S01-00001" in statement.text and "BL-S01-00002" not in statement.text
    assert "ALM-500" not in statement.text and "Amandes" not in statement.text
    code = re.search(r'<p class="code">([^<]+)</p>', statement.text).group(1)
    assert code.startswith("COOPOS:S:TIFAW:F=SOUK:10200:")

    for path in ("stock", "sales", "statements"):
        page = tifaw.get(f"/portal/coop/TIFAW/{path}")
        assert page.status_code == 200, path
        assert "ALM" not in page.text and "LOUZ" not in page.text, path
    assert "ARG-OIL-100" in tifaw.get("/portal/coop/TIFAW/stock").text
    sales = tifaw.get("/portal/coop/TIFAW/sales").text
    assert "2026-10-05" in sales and "2026-11-22" in sales  # the shop's day and the fair's
    month = tifaw.get("/portal/coop/TIFAW/statements/month/2026-10")
    assert month.status_code == 200 and "130,00" in month.text

    pdf = tifaw.get("/portal/coop/TIFAW/statements/fair/SOUK/pdf?lang=ar")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert 'filename="statement-TIFAW-SOUK-ar.pdf"' in pdf.headers["content-disposition"]
    assert tifaw.get("/portal/coop/TIFAW/statements/month/2026-10/pdf").content[:4] == b"%PDF"


OTHERS = [
    "/portal/coop/LOUZ",
    "/portal/coop/louz",
    "/portal/coop/LOUZ/stock",
    "/portal/coop/LOUZ/sales",
    "/portal/coop/LOUZ/statements",
    "/portal/coop/LOUZ/statements/fair/SOUK",
    "/portal/coop/LOUZ/statements/fair/SOUK/pdf?lang=fr",
    "/portal/coop/LOUZ/statements/fair/MOUSSEM",
    "/portal/coop/LOUZ/statements/month/2026-11",
    "/portal/coop/LOUZ/statements/month/2026-11/pdf",
    "/portal/coop/NOBODY",
    "/portal/coop/TIFAW/statements/fair/MOUSSEM",  # a fair TIFAW was never at
    "/portal/coop/TIFAW/statements/fair/MOUSSEM/pdf",
    "/portal/coop/TIFAW/statements/fair/NOWHERE",
    "/portal/coop/TIFAW/statements/fair/SOUK%27--",
    "/portal/coop/TIFAW/statements/month/2026-13",
    "/portal/coop/TIFAW/statements/month/..%2F..%2FLOUZ",
    "/portal/coop/TIFAW%2F..%2FLOUZ/stock",
]


@pytest.mark.parametrize("path", OTHERS)
def test_a_cooperative_cannot_reach_another_ones_data_by_url(tifaw, path):
    answer = tifaw.get(path, follow_redirects=False)
    assert answer.status_code in (403, 404), (path, answer.status_code)
    assert "Amandes" not in answer.text and "ALM-" not in answer.text


def test_without_a_valid_session_every_page_asks_to_sign_in(client, portal):
    paths = ["/portal/coop/TIFAW", "/portal/coop/TIFAW/statements/fair/SOUK/pdf"]
    for path in paths:
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith(
            "/portal/login?next=/portal/coop/TIFAW"
        )
    # an edited session cookie names no session (the session lives on the server)
    sign_in(client, portal["TIFAW"])
    value = client.cookies.get("coopos_portal")
    version, token = value.split(".", 1)
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    for forged in (
        f"{version}.{flipped}",
        f"{version}.{token}{token}",
        "v1.1.1.1.",
        "garbage",
    ):
        client.cookies.clear()
        client.cookies.set("coopos_portal", forged, path="/portal")
        answer = client.get("/portal/coop/LOUZ", follow_redirects=False)
        assert answer.status_code == 303, forged


def test_sessions_expire(db, client, portal):
    sign_in(client, portal["LOUZ"])
    assert client.get("/portal/coop/LOUZ").status_code == 200
    later = db.now() + timedelta(hours=13)
    db.now = lambda: later
    assert client.get("/portal/coop/LOUZ", follow_redirects=False).status_code == 303


def test_sign_in_is_rate_limited_per_address(db, client, portal):
    for _ in range(5):
        answer = sign_in(client, "WRONG-CODE-0000")
        assert answer.status_code == 401 and "pas valide" in answer.text
    refused = sign_in(client, portal["TIFAW"])
    assert refused.status_code == 429 and refused.headers["retry-after"] == "60"
    assert "coopos_portal" not in client.cookies
    later = db.now() + timedelta(minutes=2)
    db.now = lambda: later
    assert sign_in(client, portal["TIFAW"]).status_code == 303


def test_forms_posted_from_elsewhere_are_refused(client, portal):
    answer = client.post(
        "/portal/login",
        data={"code": portal["TIFAW"]},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert answer.status_code == 403
    sign_in(client, portal["TIFAW"])
    assert (
        client.post(
            "/portal/logout", headers={"Origin": "https://evil.example"}, follow_redirects=False
        ).status_code
        == 403
    )
    out = client.post("/portal/logout", follow_redirects=False)
    assert out.status_code == 303 and 'coopos_portal=""' in out.headers["set-cookie"]


def test_after_signing_in_the_page_asked_for_opens_but_never_another_site(client, portal):
    answer = sign_in(client, portal["TIFAW"], next="/portal/coop/TIFAW/statements")
    assert answer.headers["location"] == "/portal/coop/TIFAW/statements"
    client.cookies.clear()
    for evil in ("https://evil.example/", "//evil.example/x", "/portal/coop/LOUZ"):
        client.cookies.clear()
        answer = sign_in(client, portal["TIFAW"], next=evil)
        assert answer.headers["location"] == "/portal/coop/TIFAW", evil
    switch = client.get("/portal/lang/ar?next=https://evil.example", follow_redirects=False)
    assert switch.headers["location"] == "/portal/"


def test_arabic_pages_run_right_to_left(tifaw):
    switch = tifaw.get("/portal/lang/ar?next=/portal/coop/TIFAW/statements", follow_redirects=False)
    assert (
        switch.status_code == 303 and switch.headers["location"] == "/portal/coop/TIFAW/statements"
    )
    page = tifaw.get("/portal/coop/TIFAW/statements")
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "د.م." in page.text  # amounts in the Arabic locale
    back = tifaw.get("/portal/lang/fr?next=/portal/coop/TIFAW")
    assert '<html lang="fr" dir="ltr">' in back.text
    # the browser's language is the default
    fresh = TestClient(tifaw.app)
    assert (
        'dir="rtl"'
        in fresh.get("/portal/login", headers={"Accept-Language": "ar-MA,ar;q=0.9"}).text
    )
    assert 'dir="ltr"' in fresh.get("/portal/login", headers={"Accept-Language": "fr-FR"}).text


def test_the_verify_page_checks_a_statement_against_the_server(db, client, portal):
    with db.read() as s:
        statement = server.settlement(s, "TIFAW", server.Scope.of("SOUK"))
    code = server.statement_code(statement, server.Scope.of("SOUK"))

    def verdicts(text):
        return re.findall(r'<section class="verdict (\w+)" lang="(\w+)" dir="(\w+)"', text)

    answer = client.get("/portal/verify", params={"code": code})
    assert answer.status_code == 200
    assert verdicts(answer.text) == [("ok", "ar", "rtl"), ("ok", "fr", "ltr")]
    assert "correspond aux données du siège" in answer.text and "102,00" in answer.text

    server.add_payout(db, "TIFAW", 2000, "cash", fair_code="SOUK")  # paid since printing
    later = client.get("/portal/verify", params={"code": code}).text
    assert [v[0] for v in verdicts(later)] == ["warn", "warn"]
    assert "20,00" in later and "32,00" in later  # the payout since, and the balance now

    forged = code.replace(":10200:", ":99900:")
    differs = client.get("/portal/verify", params={"code": forged}).text
    assert [v[0] for v in verdicts(differs)] == ["bad", "bad"]
    assert "999,00" in differs and "102,00" not in differs  # the server's amount stays private
    sign_in(client, portal["TIFAW"])  # ...except to the cooperative itself
    assert "102,00" in client.get("/portal/verify", params={"code": forged}).text

    for text, expected in (
        ("COOPOS:S:NOBODY:F=SOUK:1:0123456789abcdef", "ne connaît pas"),
        ("COOPOS:S:TIFAW:F=NOWHERE:1:0123456789abcdef", "ne connaît pas"),
        ("hello", "pas un code de relevé"),
        ("COOPOS:S:TIFAW:P=2026-11-30..2026-11-01:1:0123456789abcdef", "pas un code de relevé"),
    ):
        answer = client.get("/portal/verify", params={"code": text})
        assert answer.status_code == 200 and expected in answer.text, text
    # a period statement verifies too
    scope = server.Scope.of(start="2026-10-01", end="2026-11-30")
    with db.read() as s:
        period = server.settlement(s, "TIFAW", scope)
    assert rules.parse_statement_code(server.statement_code(period, scope)).start == "2026-10-01"
    ok = client.get("/portal/verify", params={"code": server.statement_code(period, scope)})
    assert "correspond aux données du siège" in ok.text


def test_portal_pages_are_not_in_the_api_schema(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/portal")]
    css = client.get("/portal/static/portal.css")
    assert css.status_code == 200 and "margin-inline-start" in css.text
    assert client.get("/portal/static/fonts/NotoSansArabic-Regular.ttf").status_code == 200
    assert client.get("/portal/static/fonts/..%2F..%2Fpyproject.toml").status_code == 404


def test_every_link_on_the_cooperatives_pages_leads_somewhere(tifaw, gui):
    seen, todo = set(), ["/portal/coop/TIFAW"]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        answer = tifaw.get(path)
        assert answer.status_code == 200, path
        if "text/html" in answer.headers["content-type"]:
            for href in re.findall(r'href="(/portal/[^"]*)"', answer.text):
                href = href.replace("&amp;", "&")
                if not href.startswith("/portal/lang/"):
                    todo.append(href)
    assert {
        "/portal/coop/TIFAW/stock",
        "/portal/coop/TIFAW/statements/fair/SOUK/pdf?lang=ar",
    } <= seen
    assert any(p.startswith("/portal/verify?code=") for p in seen)


def test_garbage_never_makes_the_portal_fail(client, portal):
    client.cookies.set("coopos_portal", "v1.%C3%A9.x.y.~~~", path="/portal")
    client.cookies.set("coopos_lang", "zz", path="/portal")
    for path in (
        "/portal/verify?code=" + "COOPOS:S:" + "A" * 5000,
        "/portal/verify?code=COOPOS:S:T:F=:1:0123456789abcdef",
        "/portal/verify?code=COOPOS:S:T:P=..:1:0123456789abcdef",
        "/portal/verify?code=COOPOS:S:T:P=2026-02-30..2026-03-01:1:0123456789abcdef",
        "/portal/verify?code=%00%ff",
        "/portal/lang/xx?next=%00",
        "/portal/lang/ar?next=/portal/%0d%0aSet-Cookie:x=1",
        "/portal/coop/%00",
        "/portal/coop/" + "A" * 300,
        "/portal/coop/TIFAW/statements/month/9999-99/pdf",
        "/portal/login?next=javascript:alert(1)",
        "/portal/static/fonts/%2e%2e",
    ):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code < 500, path
        assert "\r\n" not in answer.headers.get("location", ""), path
    for body in (b"\xff\xfe" * 3000, b"code=" + b"%" * 10, b"code=a&code=b&" * 100, b""):
        answer = client.post(
            "/portal/login",
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            follow_redirects=False,
        )
        assert answer.status_code in (401, 429), body[:20]
