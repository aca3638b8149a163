-- Tasks: the rest of the task document (api.md §5.1). The events service maintains last_metrics.
ALTER TABLE tasks ADD COLUMN last_metrics TEXT; -- JSON object: md5(metric) -> md5(variant) -> values
ALTER TABLE tasks ADD COLUMN type TEXT NOT NULL DEFAULT 'training';
ALTER TABLE tasks ADD COLUMN comment TEXT;
ALTER TABLE tasks ADD COLUMN parent TEXT;
ALTER TABLE tasks ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE tasks ADD COLUMN active_duration REAL;
ALTER TABLE tasks ADD COLUMN script TEXT;        -- JSON object
ALTER TABLE tasks ADD COLUMN hyperparams TEXT;   -- JSON object: escaped section -> escaped name -> item
ALTER TABLE tasks ADD COLUMN configuration TEXT; -- JSON object: escaped name -> item
ALTER TABLE tasks ADD COLUMN container TEXT;     -- JSON object
ALTER TABLE tasks ADD COLUMN runtime TEXT;       -- JSON object
ALTER TABLE tasks ADD COLUMN artifacts TEXT;     -- JSON object: md5(key) + "_" + mode -> artifact

CREATE INDEX ix_tasks_parent ON tasks(parent);
CREATE INDEX ix_tasks_name ON tasks(name);
CREATE INDEX ix_tasks_created ON tasks(created);
-- The watchdog looks for in-progress tasks that stopped pinging.
CREATE INDEX ix_tasks_status_last_update ON tasks(status, last_update);
