-- 011: `fetch --events` can also read listTransactions (Finances API 2024-06-19), each API
-- with its own mark: 'finances.posted' (listFinancialEvents v0) and 'transactions.posted'
-- (listTransactions). Both list the same money, so fetch reads one of them per window; the
-- later of the two marks tells which API read last (spapi_events.c). SQLite cannot widen a
-- CHECK in place: the table is rebuilt with its rows.
CREATE TABLE event_cursor_011 (
    name    TEXT PRIMARY KEY CHECK (name IN ('finances.posted', 'transactions.posted')),
    value   TEXT NOT NULL,
    run_id  INTEGER NOT NULL REFERENCES run(id)
) WITHOUT ROWID;
INSERT INTO event_cursor_011(name, value, run_id) SELECT name, value, run_id FROM event_cursor;
DROP TABLE event_cursor;
ALTER TABLE event_cursor_011 RENAME TO event_cursor;
