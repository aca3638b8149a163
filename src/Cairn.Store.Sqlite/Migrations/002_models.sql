-- Models: the whole document (api.md §3.1). seq is the insertion order ("natural order" of
-- get_all) and the key of the tag and metadata index tables below; id is the public id.
CREATE TABLE models_v2 (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    company         TEXT NOT NULL,
    company_origin  TEXT,
    name            TEXT NOT NULL,
    user_id         TEXT,
    created         INTEGER NOT NULL,
    last_update     INTEGER NOT NULL,
    last_change     INTEGER,
    last_changed_by TEXT,
    task            TEXT,
    parent          TEXT,
    project         TEXT,
    comment         TEXT,
    tags            TEXT NOT NULL DEFAULT '[]',
    system_tags     TEXT NOT NULL DEFAULT '[]',
    framework       TEXT,
    design          TEXT,                       -- JSON object
    labels          TEXT,                       -- JSON object: label -> int or null
    uri             TEXT NOT NULL DEFAULT '',
    ready           INTEGER NOT NULL DEFAULT 1,
    ui_cache        TEXT,                       -- JSON object
    metadata        TEXT NOT NULL DEFAULT '{}', -- JSON object: escaped key -> {key, type, value}
    last_iteration  INTEGER NOT NULL DEFAULT 0,
    last_metrics    TEXT                        -- JSON object: md5(metric) -> md5(variant) -> values
);
INSERT INTO models_v2 (id, company, project, name, user_id, created, last_update, system_tags)
    SELECT id, company, project, name, user_id, created, last_update, system_tags FROM models ORDER BY rowid;
DROP TABLE models;
ALTER TABLE models_v2 RENAME TO models;

CREATE INDEX ix_models_project ON models(project);
CREATE INDEX ix_models_task ON models(task);
CREATE INDEX ix_models_parent ON models(parent);
CREATE INDEX ix_models_name ON models(name);
CREATE INDEX ix_models_uri ON models(uri);
CREATE INDEX ix_models_user ON models(user_id);
CREATE INDEX ix_models_framework ON models(framework);
CREATE INDEX ix_models_created ON models(created);
CREATE INDEX ix_models_last_update ON models(last_update);

-- Indexes over the JSON list and map columns, kept in step by triggers so that every writer
-- (including project deletes) maintains them. The JSON columns stay the source of truth.
-- field: 0 = tags, 1 = system_tags.
CREATE TABLE model_tags (
    field     INTEGER NOT NULL,
    tag       TEXT NOT NULL,
    model_seq INTEGER NOT NULL,
    PRIMARY KEY (field, tag, model_seq)
) WITHOUT ROWID;
CREATE INDEX ix_model_tags_model ON model_tags(model_seq);

-- key is the map key, stored escaped as in models.metadata; item_key is the entry's own "key".
CREATE TABLE model_metadata (
    model_seq INTEGER NOT NULL,
    key       TEXT NOT NULL,
    item_key  TEXT,
    type      TEXT,
    value     TEXT,
    PRIMARY KEY (model_seq, key)
) WITHOUT ROWID;
CREATE INDEX ix_model_metadata_value ON model_metadata(key, value);
CREATE INDEX ix_model_metadata_type ON model_metadata(key, type);

CREATE TRIGGER models_index_insert AFTER INSERT ON models BEGIN
    INSERT OR IGNORE INTO model_tags (field, tag, model_seq) SELECT 0, value, new.seq FROM json_each(new.tags);
    INSERT OR IGNORE INTO model_tags (field, tag, model_seq) SELECT 1, value, new.seq FROM json_each(new.system_tags);
    INSERT OR REPLACE INTO model_metadata (model_seq, key, item_key, type, value)
        SELECT new.seq, key, json_extract(value, '$.key'), json_extract(value, '$.type'), json_extract(value, '$.value')
        FROM json_each(new.metadata);
END;

CREATE TRIGGER models_index_tags AFTER UPDATE OF tags ON models BEGIN
    DELETE FROM model_tags WHERE model_seq = old.seq AND field = 0;
    INSERT OR IGNORE INTO model_tags (field, tag, model_seq) SELECT 0, value, new.seq FROM json_each(new.tags);
END;

CREATE TRIGGER models_index_system_tags AFTER UPDATE OF system_tags ON models BEGIN
    DELETE FROM model_tags WHERE model_seq = old.seq AND field = 1;
    INSERT OR IGNORE INTO model_tags (field, tag, model_seq) SELECT 1, value, new.seq FROM json_each(new.system_tags);
END;

CREATE TRIGGER models_index_metadata AFTER UPDATE OF metadata ON models BEGIN
    DELETE FROM model_metadata WHERE model_seq = old.seq;
    INSERT OR REPLACE INTO model_metadata (model_seq, key, item_key, type, value)
        SELECT new.seq, key, json_extract(value, '$.key'), json_extract(value, '$.type'), json_extract(value, '$.value')
        FROM json_each(new.metadata);
END;

CREATE TRIGGER models_index_delete AFTER DELETE ON models BEGIN
    DELETE FROM model_tags WHERE model_seq = old.seq;
    DELETE FROM model_metadata WHERE model_seq = old.seq;
END;

-- Models copied from version 1 were inserted before the triggers existed: index them now.
INSERT OR IGNORE INTO model_tags (field, tag, model_seq) SELECT 0, j.value, m.seq FROM models m, json_each(m.tags) j;
INSERT OR IGNORE INTO model_tags (field, tag, model_seq) SELECT 1, j.value, m.seq FROM models m, json_each(m.system_tags) j;
INSERT OR REPLACE INTO model_metadata (model_seq, key, item_key, type, value)
    SELECT m.seq, j.key, json_extract(j.value, '$.key'), json_extract(j.value, '$.type'), json_extract(j.value, '$.value')
    FROM models m, json_each(m.metadata) j;

-- A scroll in natural order continues from a cursor (the last row's key) instead of an offset.
ALTER TABLE scroll_states ADD COLUMN cursor TEXT;

-- Tasks: the fields the models service reads and writes. The tasks service adds the rest.
ALTER TABLE tasks ADD COLUMN last_iteration INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN status_changed INTEGER;
ALTER TABLE tasks ADD COLUMN status_reason TEXT;
ALTER TABLE tasks ADD COLUMN status_message TEXT;
ALTER TABLE tasks ADD COLUMN published INTEGER;
ALTER TABLE tasks ADD COLUMN last_change INTEGER;
ALTER TABLE tasks ADD COLUMN last_changed_by TEXT;
ALTER TABLE tasks ADD COLUMN execution TEXT; -- JSON object
ALTER TABLE tasks ADD COLUMN output TEXT;    -- JSON object

-- A task's models.input / models.output lists: one row per entry, in list order (position).
-- Indexed by model so "which tasks use this model" is one lookup.
CREATE TABLE task_models (
    task_id  TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    kind     TEXT NOT NULL CHECK (kind IN ('input', 'output')),
    name     TEXT NOT NULL,
    model    TEXT NOT NULL,
    updated  INTEGER NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (task_id, kind, name)
);
CREATE INDEX ix_task_models_model ON task_models(model, kind);
