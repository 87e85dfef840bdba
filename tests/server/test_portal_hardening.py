"""The portal keeps nothing in a process's memory and leaks nothing to a guesser: signing
out ends the session on the server, a statement check answers only for the statement's
own check code and is rate-limited in the database, and X-Forwarded-For is believed
only from the proxies head office configured."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from coopos.server import consignment as server
from coopos.server.app import create_app
from tests.server.test_portal import sign_in


def test_signing_out_ends_the_session_for_a_copied_cookie_too(db, client, portal):
    sign_in(client, portal["TIFAW"])
    copied = client.cookies.get("coopos_portal")
    thief = TestClient(client.app)
    thief.cookies.set("coopos_portal", copied, path="/portal")
    assert thief.get("/portal/coop/TIFAW").status_code == 200  # a copy works while signed in
    out = client.post("/portal/logout", follow_redirects=False)
    assert out.status_code == 303
    gone = thief.get("/portal/coop/TIFAW", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/portal/login")


def test_a_session_opened_by_one_server_process_works_in_another(db, client, portal):
    sign_in(client, portal["LOUZ"])
    other = TestClient(create_app(database=db))  # another process on the same database
    other.cookies.set("coopos_portal", client.cookies.get("coopos_portal"), path="/portal")
    assert other.get("/portal/coop/LOUZ").status_code == 200


def _verdict_text(page: str) -> list[str]:
    return re.findall(r'<section class="verdict[^>]*>(.*?)</section>', page, re.S)


def test_a_guessed_payable_learns_nothing(db, client, portal):
    """Before: a code with the right payable and any check code said "the amount payable
    is the same, but the details differ"; a guess of any cooperative's payable, for any
    fair or period, could be checked.  Now both guesses get the same answer."""
    with db.read() as s:
        statement = server.settlement(s, "TIFAW", server.Scope.of("SOUK"))
    code = server.statement_code(statement, server.Scope.of("SOUK"))
    payable = statement.payable_cents
    right_guess = code.rsplit(":", 1)[0] + ":0123456789abcdef"
    wrong_guess = right_guess.replace(f":{payable}:", f":{payable + 100}:")
    right = _verdict_text(client.get("/portal/verify", params={"code": right_guess}).text)
    wrong = _verdict_text(client.get("/portal/verify", params={"code": wrong_guess}).text)
    shown_right = [re.sub(r"[\d\s.,\u00a0\u202f]+", "#", t) for t in right]
    shown_wrong = [re.sub(r"[\d\s.,\u00a0\u202f]+", "#", t) for t in wrong]
    assert shown_right == shown_wrong
    assert "is the same" not in " ".join(right) and "est le même" not in " ".join(right)
    ok = client.get("/portal/verify", params={"code": code}).text  # its own check code
    assert "correspond aux données du siège" in ok


def test_statement_checks_are_rate_limited_in_the_database(db, client, portal, monkeypatch):
    from coopos.server.portal import store

    monkeypatch.setattr(store, "VERIFY_MAX", 3)
    code = "COOPOS:S:TIFAW:F=SOUK:1:0123456789abcdef"
    for _ in range(2):
        assert client.get("/portal/verify", params={"code": code}).status_code == 200
    other = TestClient(create_app(database=db))  # the count is shared by every process
    assert other.get("/portal/verify", params={"code": code}).status_code == 200
    refused = client.get("/portal/verify", params={"code": code})
    assert refused.status_code == 429 and "verdict" not in refused.text
    assert client.get("/portal/verify").status_code == 200  # the empty form stays open


@pytest.fixture
def behind_proxy(db, portal):
    """The server behind a proxy at 10.0.0.2; the app trusts 10.0.0.0/8 only."""
    app = create_app(database=db, trusted_proxies="10.0.0.0/8")
    return app


def test_x_forwarded_for_from_a_stranger_is_ignored(behind_proxy):
    stranger = TestClient(behind_proxy, client=("203.0.113.7", 4000))
    # a new made-up address each time: it would dodge the limit if it were believed
    spoofed = [{"X-Forwarded-For": f"198.51.100.{n}"} for n in range(10)]
    for n, headers in enumerate(spoofed[:5]):
        assert _post_wrong(stranger, headers) == 401, n
    assert _post_wrong(stranger, spoofed[5]) == 429


def _post_wrong(client, headers) -> int:
    return client.post(
        "/portal/login", data={"code": "WRONG-0000"}, headers=headers, follow_redirects=False
    ).status_code


def test_x_forwarded_for_from_the_proxy_names_the_client(behind_proxy):
    proxy = TestClient(behind_proxy, client=("10.0.0.2", 4000))
    # what nginx sends: whatever the client wrote, then the address it came from
    alice = {"X-Forwarded-For": "6.6.6.6, 198.51.100.1"}
    bob = {"X-Forwarded-For": "198.51.100.2"}
    for _ in range(5):
        assert _post_wrong(proxy, alice) == 401
    assert _post_wrong(proxy, alice) == 429
    assert _post_wrong(proxy, bob) == 401  # another client behind the same proxy
    cheat = {"X-Forwarded-For": "198.51.100.9, 198.51.100.1"}  # alice pretending
    assert _post_wrong(proxy, cheat) == 429


def test_a_bad_proxy_setting_is_refused(db):
    from coopos.domain.errors import ValidationError

    with pytest.raises(ValidationError, match="not an address"):
        create_app(database=db, trusted_proxies="10.0.0.0/33")
