"""The hash-chained audit log: any edit, deletion or reordering is detected."""

from __future__ import annotations

import dataclasses
import sqlite3

import pytest

from coopos.db.models import AuditEntry
from coopos.domain.audit import GENESIS, ChainEntry, canonical, entry_hash, first_broken
from coopos.services import audit as audit_service


def build_chain(n: int) -> list[ChainEntry]:
    entries = []
    prev = GENESIS
    for seq in range(1, n + 1):
        at = f"2026-11-20T09:00:{seq:02d}.000000"
        user = None if seq % 2 else seq
        details = canonical({"n": seq, "note": "زيت أركان"})
        digest = entry_hash(prev, seq, at, at, user, "x", details)
        entries.append(ChainEntry(seq, at, at, user, "x", details, prev, digest))
        prev = digest
    return entries


def test_intact_chain_verifies():
    assert first_broken(build_chain(6)) is None


def test_empty_chain_verifies():
    assert first_broken([]) is None


def test_canonical_is_key_order_independent():
    assert canonical({"b": 1, "a": "é"}) == canonical({"a": "é", "b": 1}) == '{"a":"é","b":1}'


def test_edited_details_is_detected():
    chain = build_chain(6)
    chain[2] = dataclasses.replace(chain[2], details=canonical({"n": 999, "note": "زيت أركان"}))
    assert first_broken(chain) == 3


@pytest.mark.parametrize(
    "change",
    [
        {"action": "y"},
        {"at_utc": "2026-11-21T09:00:03.000000"},
        {"user_id": 42},
    ],
)
def test_other_edited_fields_are_detected(change):
    chain = build_chain(6)
    chain[3] = dataclasses.replace(chain[3], **change)
    assert first_broken(chain) == 4


def test_deleted_entry_is_detected():
    chain = build_chain(6)
    del chain[2]  # seq 3 is gone: seq 4 now comes where 3 was expected
    assert first_broken(chain) == 4


def test_deleted_first_entry_is_detected():
    chain = build_chain(4)
    del chain[0]
    assert first_broken(chain) == 2


def test_swapped_entries_are_detected():
    chain = build_chain(6)
    chain[2], chain[3] = chain[3], chain[2]
    assert first_broken(chain) == 4  # seq 4 found where 3 was expected


def test_changed_prev_hash_is_detected():
    chain = build_chain(6)
    chain[4] = dataclasses.replace(chain[4], prev_hash="f" * 64)
    assert first_broken(chain) == 5


def test_rehashed_entry_still_breaks_the_next_link():
    # Someone edits entry 3 and recomputes its own hash: entry 4's prev_hash no longer fits.
    chain = build_chain(6)
    e = chain[2]
    details = canonical({"n": 999})
    chain[2] = dataclasses.replace(
        e,
        details=details,
        hash=entry_hash(e.prev_hash, e.seq, e.at_utc, e.at_local, e.user_id, e.action, details),
    )
    assert first_broken(chain) == 4


# -- the audit log in the database -----------------------------------------------------------------


def write_entries(ctx, count: int) -> None:
    for i in range(count):
        with ctx.write() as uow:
            uow.audit("x", None, n=i)


def run_sql(ctx, sql: str, *params) -> None:
    with sqlite3.connect(ctx.path) as conn:
        conn.execute(sql, params)
    conn.close()


def test_database_chain_verifies(ctx):
    before = audit_service.verify(ctx)
    assert before.ok
    write_entries(ctx, 5)
    check = audit_service.verify(ctx)
    assert check.ok
    assert check.broken_at is None
    assert check.entries == before.entries + 5


def test_several_entries_in_one_transaction_chain(ctx):
    with ctx.write() as uow:
        first = uow.audit("x", None, n=1)
        second = uow.audit("x", None, n=2)
    assert second == first + 1
    with ctx.read() as session:
        one, two = (session.get(AuditEntry, seq) for seq in (first, second))
    assert two.prev_hash == one.hash
    assert audit_service.verify(ctx).ok


def test_database_edited_details_is_detected(ctx):
    write_entries(ctx, 5)
    run_sql(ctx, "UPDATE audit_log SET details = ? WHERE seq = 3", canonical({"n": 99}))
    check = audit_service.verify(ctx)
    assert not check.ok
    assert check.broken_at == 3


def test_database_edited_local_time_is_detected(ctx):
    # at_local is shown to people as "when it happened": editing it must break the chain.
    write_entries(ctx, 5)
    run_sql(ctx, "UPDATE audit_log SET at_local = '2020-01-01T00:00:00+01:00' WHERE seq = 3")
    assert audit_service.verify(ctx).broken_at == 3


def test_database_deleted_row_is_detected(ctx):
    write_entries(ctx, 5)
    entries = audit_service.verify(ctx).entries
    run_sql(ctx, "DELETE FROM audit_log WHERE seq = 3")
    check = audit_service.verify(ctx)
    assert check.entries == entries - 1
    assert check.broken_at == 4  # the first row that no longer fits


def test_database_changed_prev_hash_is_detected(ctx):
    write_entries(ctx, 5)
    run_sql(ctx, "UPDATE audit_log SET prev_hash = ? WHERE seq = 4", "0" * 64)
    assert audit_service.verify(ctx).broken_at == 4


def test_database_chain_keeps_going_after_verification(ctx):
    write_entries(ctx, 3)
    assert audit_service.verify(ctx).ok
    write_entries(ctx, 2)
    assert audit_service.verify(ctx).ok
    run_sql(ctx, "UPDATE audit_log SET action = 'y' WHERE seq = 5")
    assert audit_service.verify(ctx).broken_at == 5
