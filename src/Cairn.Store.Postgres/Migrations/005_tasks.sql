-- Tasks: the rest of the task document (api.md §5.1), as the SQLite store keeps it. The events
-- store maintains last_metrics.
ALTER TABLE tasks
    ADD COLUMN last_metrics    text,  -- JSON object: md5(metric) -> md5(variant) -> values
    ADD COLUMN type            text COLLATE "C" NOT NULL DEFAULT 'training',
    ADD COLUMN comment         text COLLATE "C",
    ADD COLUMN parent          text COLLATE "C",
    ADD COLUMN tags            text[] COLLATE "C" NOT NULL DEFAULT '{}',
    ADD COLUMN active_duration double precision,
    ADD COLUMN script          text,  -- JSON object
    ADD COLUMN hyperparams     text,  -- JSON object: escaped section -> escaped name -> item
    ADD COLUMN configuration   text,  -- JSON object: escaped name -> item
    ADD COLUMN container       text,  -- JSON object
    ADD COLUMN runtime         text,  -- JSON object
    ADD COLUMN artifacts       text;  -- JSON object: md5(key) + "_" + mode -> artifact

CREATE INDEX ix_tasks_parent ON tasks (parent);
CREATE INDEX ix_tasks_name ON tasks (name, id);
CREATE INDEX ix_tasks_created ON tasks (created, id);
CREATE INDEX ix_tasks_created_desc ON tasks (created DESC, id);
CREATE INDEX ix_tasks_last_update_desc ON tasks (last_update DESC, id);
CREATE INDEX ix_tasks_tags ON tasks USING gin (tags);
CREATE INDEX ix_tasks_system_tags ON tasks USING gin (system_tags);
-- The watchdog looks for in-progress tasks that stopped pinging.
CREATE INDEX ix_tasks_status_last_update ON tasks (status, last_update);
