-- Events (api.md §5.4). A series is one (entity, type, metric, variant) of a task or a model; it
-- carries the running aggregates that last_metrics is built from, so a batch never rereads points.
-- model_event: 0 = the entity is a task, 1 = a model. Hashes are md5(metric) and md5(variant),
-- the keys of last_metrics.
CREATE TABLE event_series (
    id              INTEGER PRIMARY KEY,
    model_event     INTEGER NOT NULL,
    entity          TEXT NOT NULL,
    type            TEXT NOT NULL,
    metric          TEXT NOT NULL,
    variant         TEXT NOT NULL,
    metric_hash     TEXT NOT NULL,
    variant_hash    TEXT NOT NULL,
    x_axis_label    TEXT,
    count           INTEGER NOT NULL DEFAULT 0,
    sum_value       REAL NOT NULL DEFAULT 0,
    min_value       REAL,
    min_iter        INTEGER,
    max_value       REAL,
    max_iter        INTEGER,
    first_value     REAL,
    first_iter      INTEGER,
    last_value      REAL,
    last_iter       INTEGER,
    last_timestamp  INTEGER,
    UNIQUE (model_event, entity, type, metric, variant)
);

-- One row per scalar point, 30-odd bytes: the (series, iter) key is ClearML's deterministic event
-- id, so re-sending a point overwrites it, and a histogram reads one series as one index range.
CREATE TABLE scalar_events (
    series    INTEGER NOT NULL,
    iter      INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    value     REAL NOT NULL,
    PRIMARY KEY (series, iter)
) WITHOUT ROWID;

-- Every other event (plots, vectors, debug images, logs) as its JSON document. event_key is the
-- rest of the deterministic id (the image key); NULL for logs, which always append because NULLs
-- never collide in a UNIQUE index. A large document is stored gzip-compressed (compressed = 1).
CREATE TABLE other_events (
    seq        INTEGER PRIMARY KEY,
    series     INTEGER NOT NULL,
    iter       INTEGER NOT NULL,
    timestamp  INTEGER NOT NULL,
    event_key  TEXT,
    compressed INTEGER NOT NULL DEFAULT 0,
    document   BLOB NOT NULL,
    UNIQUE (series, iter, event_key)
);
CREATE INDEX ix_other_events_timestamp ON other_events(series, timestamp);
