"""Per device, the highest number of each document series received (recovery of
restored and re-enrolled tills)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 17:00:00.000000
"""

import json

import sqlalchemy as sa
from alembic import op

from coopos.protocol import numbers

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("numbers", sa.Text(), nullable=False, server_default="{}"))
    # What was received so far, from the projected documents (the raw events say the same
    # for every event the server could read).
    conn = op.get_bind()
    prefixes = dict(conn.execute(sa.text("SELECT id, receipt_prefix FROM devices")).all())
    found: dict[int, list[dict[str, int]]] = {device: [] for device in prefixes}
    for device, receipt_no in conn.execute(sa.text("SELECT device_id, receipt_no FROM sales")):
        value = numbers.receipt_number(receipt_no, prefixes.get(device, ""))
        if value:
            found[device].append({numbers.RECEIPT: value})
    notes = sa.text("SELECT device_id, kind, number FROM consignment_notes")
    for device, kind, number in conn.execute(notes):
        value = numbers.note_number(number, prefixes.get(device, ""))
        if value and kind in numbers.NOTE_KINDS:
            found[device].append({f"note:{kind}": value})
    shifts = sa.text("SELECT device_id, z_number FROM shifts WHERE z_number IS NOT NULL")
    for device, z in conn.execute(shifts):
        if device in found and z and z > 0:
            found[device].append({numbers.Z_REPORT: int(z)})
    for device, maps in found.items():
        if maps:
            conn.execute(
                sa.text("UPDATE devices SET numbers = :n WHERE id = :id"),
                {"n": json.dumps(numbers.highest(maps), sort_keys=True), "id": device},
            )


def downgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_column("numbers")
