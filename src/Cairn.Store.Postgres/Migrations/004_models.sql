-- Models: the whole document (api.md §3.1), as the SQLite store keeps it. JSON documents are text
-- (returned byte for byte, keys in their order) and read with ::json in queries; tags are text[]
-- (GIN: && any, @> all), kept de-duplicated and sorted by the store. seq is the insertion order
-- ("natural order" of get_all and its keyset cursor).
CREATE COLLATION cairn_natural (provider = icu, locale = 'und-u-kn-true');

ALTER TABLE models
    ADD COLUMN seq             bigint GENERATED ALWAYS AS IDENTITY,
    ADD COLUMN company_origin  text COLLATE "C",
    ADD COLUMN last_change     bigint,
    ADD COLUMN last_changed_by text COLLATE "C",
    ADD COLUMN task            text COLLATE "C",
    ADD COLUMN parent          text COLLATE "C",
    ADD COLUMN comment         text COLLATE "C",
    ADD COLUMN tags            text[] COLLATE "C" NOT NULL DEFAULT '{}',
    ADD COLUMN framework       text COLLATE "C",
    ADD COLUMN design          text,                       -- JSON object
    ADD COLUMN labels          text,                       -- JSON object: label -> int or null
    ADD COLUMN uri             text COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN ready           boolean NOT NULL DEFAULT true,
    ADD COLUMN ui_cache        text,                       -- JSON object
    ADD COLUMN metadata        text NOT NULL DEFAULT '{}', -- JSON object: escaped key -> {key, type, value}
    ADD COLUMN last_iteration  bigint NOT NULL DEFAULT 0,
    ADD COLUMN last_metrics    text;                       -- JSON object: md5(metric) -> md5(variant) -> values

CREATE UNIQUE INDEX ix_models_seq ON models (seq);
DROP INDEX ix_models_project;
CREATE INDEX ix_models_project ON models (project, framework, company);
CREATE INDEX ix_models_task ON models (task);
CREATE INDEX ix_models_parent ON models (parent);
CREATE INDEX ix_models_uri ON models (uri);
CREATE INDEX ix_models_user ON models (user_id);
CREATE INDEX ix_models_framework ON models (framework);
-- Sorted pages read in index order: ORDER BY key [DESC], id (id breaks ties ascending, as in
-- SQLite), one index per direction.
CREATE INDEX ix_models_name ON models (name, id);
CREATE INDEX ix_models_name_desc ON models (name DESC, id);
CREATE INDEX ix_models_created ON models (created, id);
CREATE INDEX ix_models_created_desc ON models (created DESC, id);
CREATE INDEX ix_models_last_update ON models (last_update, id);
CREATE INDEX ix_models_last_update_desc ON models (last_update DESC, id);
CREATE INDEX ix_models_tags ON models USING gin (tags);
CREATE INDEX ix_models_system_tags ON models USING gin (system_tags);
-- Exact metadata filters are containments of {"key": {"value": "x"}} in the map's jsonb form.
CREATE INDEX ix_models_metadata ON models USING gin ((metadata::jsonb) jsonb_path_ops);

-- Tasks: the fields the models service reads and writes. The tasks store adds the rest.
ALTER TABLE tasks
    ADD COLUMN seq             bigint GENERATED ALWAYS AS IDENTITY,
    ADD COLUMN last_iteration  bigint NOT NULL DEFAULT 0,
    ADD COLUMN status_changed  bigint,
    ADD COLUMN status_reason   text COLLATE "C",
    ADD COLUMN status_message  text COLLATE "C",
    ADD COLUMN published       bigint,
    ADD COLUMN last_change     bigint,
    ADD COLUMN last_changed_by text COLLATE "C",
    ADD COLUMN execution       text,  -- JSON object
    ADD COLUMN output          text;  -- JSON object
CREATE UNIQUE INDEX ix_tasks_seq ON tasks (seq);

-- A task's models.input / models.output lists: one row per entry, in list order (position).
CREATE TABLE task_models (
    task_id  text COLLATE "C" NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    kind     text COLLATE "C" NOT NULL CHECK (kind IN ('input', 'output')),
    name     text COLLATE "C" NOT NULL,
    model    text COLLATE "C" NOT NULL,
    updated  bigint NOT NULL,
    position integer NOT NULL,
    PRIMARY KEY (task_id, kind, name)
);
CREATE INDEX ix_task_models_model ON task_models (model, kind);
