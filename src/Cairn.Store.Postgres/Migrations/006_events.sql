-- Events (api.md §5.4), as the SQLite store keeps them. A series is one (entity, type, metric,
-- variant) of a task or a model and carries the running aggregates last_metrics is built from.
-- model_event: false = the entity is a task, true = a model.
CREATE TABLE event_series (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model_event     boolean NOT NULL,
    entity          text COLLATE "C" NOT NULL,
    type            text COLLATE "C" NOT NULL,
    metric          text COLLATE "C" NOT NULL,
    variant         text COLLATE "C" NOT NULL,
    metric_hash     text COLLATE "C" NOT NULL,
    variant_hash    text COLLATE "C" NOT NULL,
    x_axis_label    text COLLATE "C",
    count           bigint NOT NULL DEFAULT 0,
    sum_value       double precision NOT NULL DEFAULT 0,
    min_value       double precision,
    min_iter        bigint,
    max_value       double precision,
    max_iter        bigint,
    first_value     double precision,
    first_iter      bigint,
    last_value      double precision,
    last_iter       bigint,
    last_timestamp  bigint,
    UNIQUE (model_event, entity, type, metric, variant)
);

-- One row per scalar point: the (series, iter) key is ClearML's deterministic event id, so
-- re-sending a point overwrites it, and a histogram reads one series as one index range.
CREATE TABLE scalar_events (
    series    bigint NOT NULL,
    iter      bigint NOT NULL,
    timestamp bigint NOT NULL,
    value     double precision NOT NULL,
    PRIMARY KEY (series, iter)
);

-- Every other event as its JSON document (UTF-8, gzip-compressed when large). event_key is the
-- rest of the deterministic id; NULL for logs, which always append (NULLs never collide).
CREATE TABLE other_events (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    series     bigint NOT NULL,
    iter       bigint NOT NULL,
    timestamp  bigint NOT NULL,
    event_key  text COLLATE "C",
    compressed boolean NOT NULL DEFAULT false,
    document   bytea NOT NULL,
    UNIQUE (series, iter, event_key)
);
CREATE INDEX ix_other_events_timestamp ON other_events (series, timestamp);
