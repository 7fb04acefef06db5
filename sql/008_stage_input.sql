-- 008: what each stage last ran on, so an unchanged rerun skips the work. One row per stage
-- and scope (the period, '' for all): the SHA-256 of the stage's inputs and, for a stage that
-- writes a file, the SHA-256 of the file it wrote (a file changed or removed since is written
-- again). Derived data only: deleting every row just makes the next run do the work.
CREATE TABLE stage_input (
    stage           TEXT NOT NULL CHECK (stage IN ('reconcile', 'preview', 'workbook')),
    scope           TEXT NOT NULL,
    input_sha256    TEXT NOT NULL,
    output_sha256   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (stage, scope)
) WITHOUT ROWID;
