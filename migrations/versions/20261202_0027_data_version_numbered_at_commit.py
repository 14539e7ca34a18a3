"""data version: on PostgreSQL each change is numbered as its transaction commits, by a deferred
trigger, so no writer holds the data version's row across a round trip to the client

Revision ID: 0027
Revises: 0025
Create Date: 2026-12-02 08:30:00+00:00

A writing transaction logs its change with a provisional, negative number drawn from
``data_change_pending``. At commit, the constraint trigger (deferred, so it runs inside COMMIT,
after every statement of the transaction) renews ``data_version`` and gives the change the next
number; the version's row is locked from there to the end of the commit only, microseconds
rather than the two client round trips it was held for before. SQLite (one writer at a time)
keeps numbering in the transaction, from the service.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0027"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Also prunes the log, every 100th change, to about the last 1,000 (KEEP_CHANGES in
# app/core/changes.py), as the service did before.
NUMBER_AT_COMMIT = """
CREATE FUNCTION data_change_number() RETURNS trigger AS $$
DECLARE
    number bigint;
BEGIN
    UPDATE data_version SET token = NEW.token, seq = seq + 1 WHERE id = 1
        RETURNING seq INTO number;
    IF number IS NULL THEN
        RAISE EXCEPTION 'data_version has no row: run the migrations';
    END IF;
    UPDATE data_change SET seq = number WHERE seq = NEW.seq;
    IF number % 100 = 0 THEN
        DELETE FROM data_change WHERE seq >= 0 AND seq <= number - 1000;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""
NUMBERED = """
CREATE CONSTRAINT TRIGGER data_change_numbered AFTER INSERT ON data_change
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.seq < 0) EXECUTE FUNCTION data_change_number()
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE SEQUENCE data_change_pending")
    op.execute(NUMBER_AT_COMMIT)
    op.execute(NUMBERED)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER data_change_numbered ON data_change")
    op.execute("DROP FUNCTION data_change_number()")
    op.execute("DROP SEQUENCE data_change_pending")
