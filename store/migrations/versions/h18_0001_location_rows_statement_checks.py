"""PostgreSQL: location records checked against their custody item once per statement, not three times per row

Revision ID: h18_0001
Revises: h15_0001
Create Date: 2026-12-04 19:00:00

A location record names its case, its job and its custody item. As three foreign keys, PostgreSQL checks
each of them with one index lookup per inserted row (row-level triggers), and the extraction waits for every
part it copies: ``bench/bench_record_checks.py`` (1e6 records) measured 16.6-17.5 s of database time with them,
4.7-6.3 s with the checks below.
This migration replaces them, on PostgreSQL only, with checks that run once per statement over its
transition table, and that are stricter than the foreign keys were:

- after an insert or update of ``location_records``: every new row's (custody_id, case_id, job_id) is one
  custody item's (id, case_id, job_id) — a record cannot name a custody item of another case or job;
  the custody item's own foreign keys tie it to its case and job;
- after an update or delete of ``custody_items``: no location record is left naming a custody item that no
  longer exists as it names it. The code deletes a case's records before its custody items
  (``legal_basis.retention``, ``store.job_sink``); deleting a custody item that still has records is
  refused instead of cascading (a case's records are never removed as a side effect).

SQLite keeps its foreign keys (it has no statement-level triggers with transition tables, and its own
foreign-key checks are cheap next to an insert there).
"""

from alembic import op

revision = "h18_0001"
down_revision = "h15_0001"
branch_labels = None
depends_on = None

# Each check is planned afresh (EXECUTE) on every statement: a plan cached by the first statement of a
# connection, made while custody_items held a handful of rows, would scan that table once per new row when it
# holds twenty thousand (seen: one COPY of a batch of photos took minutes). The distinct keys of a statement
# are few (one per custody item), so the check costs one pass over the new rows and a lookup per item.
CHECK_NEW_ROWS = """
CREATE OR REPLACE FUNCTION location_records_name_custody() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing boolean;
BEGIN
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM (SELECT DISTINCT custody_id, case_id, job_id FROM new_rows) n '
            'LEFT JOIN custody_items c ON c.id = n.custody_id AND c.case_id = n.case_id AND c.job_id = n.job_id '
            'WHERE c.id IS NULL)' INTO missing;
    IF missing THEN
        RAISE EXCEPTION 'location record without its custody item (case, job and custody item must match)'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$
"""

CHECK_OLD_CUSTODY = """
CREATE OR REPLACE FUNCTION custody_items_keep_records() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    orphaned boolean;
BEGIN
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM location_records r '
            'JOIN (SELECT DISTINCT id, case_id FROM old_rows) o ON r.case_id = o.case_id AND r.custody_id = o.id '
            'WHERE NOT EXISTS (SELECT 1 FROM custody_items c '
            'WHERE c.id = r.custody_id AND c.case_id = r.case_id AND c.job_id = r.job_id))' INTO orphaned;
    IF orphaned THEN
        RAISE EXCEPTION 'custody item still has location records: delete the records first'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$
"""

TRIGGERS = (  # (name, table, event, transition table, function)
    ("location_records_insert_check", "location_records", "INSERT", "NEW TABLE AS new_rows",
     "location_records_name_custody"),
    ("location_records_update_check", "location_records", "UPDATE", "NEW TABLE AS new_rows",
     "location_records_name_custody"),
    ("custody_items_delete_check", "custody_items", "DELETE", "OLD TABLE AS old_rows", "custody_items_keep_records"),
    ("custody_items_update_check", "custody_items", "UPDATE", "OLD TABLE AS old_rows", "custody_items_keep_records"),
)  # fmt: skip

FOREIGN_KEYS = (  # (column, referenced table) as the initial schema made them
    ("case_id", "cases"),
    ("job_id", "extraction_jobs"),
    ("custody_id", "custody_items"),
)


def _foreign_key_names() -> list[str]:
    rows = op.get_bind().exec_driver_sql(
        "SELECT conname FROM pg_constraint WHERE conrelid = 'location_records'::regclass AND contype = 'f'"
    )
    return [row[0] for row in rows]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in _foreign_key_names():
        op.execute(f'ALTER TABLE location_records DROP CONSTRAINT "{name}"')
    op.execute(CHECK_NEW_ROWS)
    op.execute(CHECK_OLD_CUSTODY)
    for name, table, event, transition, function in TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {transition} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
    # existing rows were held by the foreign keys, but check them once against the stricter rule
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM location_records n LEFT JOIN custody_items c ON c.id = n.custody_id"
        " AND c.case_id = n.case_id AND c.job_id = n.job_id WHERE c.id IS NULL) THEN RAISE EXCEPTION"
        " 'location records whose case or job differs from their custody item''s' USING ERRCODE ="
        " 'foreign_key_violation'; END IF; END $$"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, *_rest in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS location_records_name_custody()")
    op.execute("DROP FUNCTION IF EXISTS custody_items_keep_records()")
    for column, table in FOREIGN_KEYS:
        op.execute(
            f"ALTER TABLE location_records ADD FOREIGN KEY ({column}) REFERENCES {table} (id) ON DELETE CASCADE"
        )
