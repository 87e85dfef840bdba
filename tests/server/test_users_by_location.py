"""A till receives only the users of its own location: the PIN hashes of the other shops
never reach it, a user moved away is withdrawn (deactivated, hash wiped), and an older
snapshot of a user (an older PIN hash) is never served again."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coopos.db.models import User as TillUser
from coopos.domain.errors import ValidationError
from coopos.server import admin
from coopos.services.sync import apply_changes
from tests.server.test_catalog_pull import pull_all


@pytest.fixture
def shops(db, catalog):
    admin.add_location(db, "CASA", "shop", "Casablanca")
    admin.add_user(db, "Fatima", "seller", "1111")  # default: SHOP
    admin.add_user(db, "Karim", "seller", "2468", locations=["CASA"])
    admin.add_user(db, "Salma", "manager", "741852", locations=["SHOP", "CASA"])


def users_pulled(client, till) -> dict[str, dict]:
    changes, _cursor = pull_all(client, till.headers)
    return {c["key"]: c["data"] for c in changes if c["entity"] == "user"}


def names(db) -> dict[str, str]:
    from coopos.server.models import User

    with db.read() as s:
        return {u.uuid: u.name for u in s.execute(select(User)).scalars()}


def test_each_till_receives_the_users_of_its_location_only(client, db, shops, new_till):
    by_uuid = names(db)
    shop, casa = new_till("SHOP"), new_till("CASA", prefix="C01")
    for till, expected in ((shop, {"Fatima", "Salma"}), (casa, {"Karim", "Salma"})):
        pulled = users_pulled(client, till)
        full = {by_uuid[k] for k, d in pulled.items() if not d.get("withdrawn")}
        assert full == expected
        for key, data in pulled.items():
            if by_uuid[key] not in expected:  # another shop's user: no hash, no name
                assert data == {"uuid": key, "version": data["version"], "withdrawn": True}


def test_a_user_moved_away_is_withdrawn_from_the_till(client, db, shops, new_till, ctx):
    shop = new_till("SHOP")
    changes, cursor = pull_all(client, shop.headers)
    with ctx.write() as uow:
        apply_changes(uow.session, changes)
    with ctx.read() as s:
        fatima = s.execute(select(TillUser).where(TillUser.name == "Fatima")).scalar_one()
        assert fatima.active and fatima.pin_hash.startswith("scrypt$")
    admin.set_user_locations(db, "Fatima", ["CASA"])
    more, _cursor = pull_all(client, shop.headers, cursor)
    assert [c["data"].get("withdrawn") for c in more if c["entity"] == "user"] == [True]
    with ctx.write() as uow:
        apply_changes(uow.session, more)
    with ctx.read() as s:
        fatima = s.execute(select(TillUser).where(TillUser.name == "Fatima")).scalar_one()
        assert not fatima.active and fatima.pin_hash == "!"


def test_an_older_snapshot_of_a_user_is_not_served_again(client, db, shops, new_till):
    """A new till pulling from the start gets each user's newest snapshot only: the hash
    of a PIN changed since (kept in an older catalog change) never leaves the server."""
    from coopos.server.models import CatalogChange

    admin.set_user_locations(db, "Fatima", ["SHOP", "CASA"])
    with db.read() as s:
        snapshots = s.execute(select(CatalogChange.key).where(CatalogChange.entity == "user")).all()
    assert len(snapshots) == 4  # Fatima twice
    casa = new_till("CASA", prefix="C01")
    changes, _cursor = pull_all(client, casa.headers)
    users = [c for c in changes if c["entity"] == "user"]
    assert len(users) == 3 and all(not c["data"].get("withdrawn") for c in users)


def test_head_office_still_pulls_everything(client, db, shops):
    token = admin.new_admin_token(db, "hq")[1]
    pulled = users_pulled(client, type("T", (), {"headers": {"Authorization": f"Bearer {token}"}}))
    assert sorted(d["name"] for d in pulled.values()) == ["Fatima", "Karim", "Salma"]


def test_an_unknown_location_and_a_weak_manager_pin_are_refused(db, shops):
    with pytest.raises(Exception, match="Unknown location"):
        admin.add_user(db, "Nadia", "seller", "1357", locations=["NOWHERE"])
    with pytest.raises(ValidationError, match="too easy"):
        admin.add_user(db, "Omar", "manager", "123456")
    with pytest.raises(ValidationError, match="at least 6 digits"):
        admin.add_user(db, "Omar", "manager", "2222")
    with pytest.raises(ValidationError, match="cannot be used"):
        admin.add_user(db, "Omar", "seller", "1111")  # Fatima's


def test_head_office_gives_a_user_a_new_pin_for_their_tills(client, db, shops, new_till, ctx):
    """The way out for an old short manager PIN of a server-managed user: the tills get
    the new hash at their next pull."""
    from coopos.domain.security import verify_pin

    with pytest.raises(ValidationError, match="at least 6 digits"):
        admin.set_user_pin(db, "Salma", "2468")
    with pytest.raises(ValidationError, match="cannot be used"):
        admin.set_user_pin(db, "Fatima", "2468")  # Karim's
    admin.set_user_pin(db, "Salma", "385026")
    changes, _cursor = pull_all(client, new_till("CASA", prefix="C01").headers)
    with ctx.write() as uow:
        apply_changes(uow.session, changes)
    with ctx.read() as s:
        salma = s.execute(select(TillUser).where(TillUser.name == "Salma")).scalar_one()
    assert verify_pin("385026", salma.pin_hash) and not verify_pin("741852", salma.pin_hash)
