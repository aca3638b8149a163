-- Identity: users and their API credentials. Secrets and passwords are stored hashed.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    company       TEXT NOT NULL,
    name          TEXT NOT NULL,
    username      TEXT UNIQUE,
    password_hash TEXT,
    role          TEXT NOT NULL,
    created       INTEGER NOT NULL
);

CREATE TABLE credentials (
    access_key     TEXT PRIMARY KEY,
    secret_hash    TEXT NOT NULL,
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    label          TEXT,
    created        INTEGER NOT NULL,
    last_used      INTEGER,
    last_used_from TEXT
);
CREATE INDEX ix_credentials_user ON credentials(user_id);

-- State every replica must see: revoked token sessions and get_all scroll positions.
CREATE TABLE revoked_tokens (
    session_id TEXT PRIMARY KEY,
    expires    INTEGER NOT NULL
);
CREATE INDEX ix_revoked_tokens_expires ON revoked_tokens(expires);

CREATE TABLE scroll_states (
    id       TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    expires  INTEGER NOT NULL
);
CREATE INDEX ix_scroll_states_expires ON scroll_states(expires);

-- Projects: name is the full path, path the JSON array of ancestor ids from the root.
CREATE TABLE projects (
    id                         TEXT PRIMARY KEY,
    company                    TEXT NOT NULL,
    name                       TEXT NOT NULL,
    basename                   TEXT NOT NULL,
    description                TEXT,
    user_id                    TEXT,
    created                    INTEGER NOT NULL,
    last_update                INTEGER NOT NULL,
    tags                       TEXT NOT NULL DEFAULT '[]',
    system_tags                TEXT NOT NULL DEFAULT '[]',
    default_output_destination TEXT,
    parent                     TEXT REFERENCES projects(id),
    path                       TEXT NOT NULL DEFAULT '[]',
    UNIQUE (company, name)
);
CREATE INDEX ix_projects_parent ON projects(parent);
CREATE INDEX ix_projects_company_last_update ON projects(company, last_update);
CREATE INDEX ix_projects_company_created ON projects(company, created);

-- Models and tasks: the columns projects need (counts, delete rules). The models and tasks
-- issues extend these tables in later migrations.
CREATE TABLE models (
    id          TEXT PRIMARY KEY,
    company     TEXT NOT NULL,
    project     TEXT,
    name        TEXT NOT NULL,
    user_id     TEXT,
    created     INTEGER NOT NULL,
    last_update INTEGER NOT NULL,
    system_tags TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX ix_models_project ON models(project);

CREATE TABLE tasks (
    id          TEXT PRIMARY KEY,
    company     TEXT NOT NULL,
    project     TEXT,
    name        TEXT NOT NULL,
    user_id     TEXT,
    status      TEXT NOT NULL DEFAULT 'created',
    created     INTEGER NOT NULL,
    started     INTEGER,
    completed   INTEGER,
    last_update INTEGER NOT NULL,
    system_tags TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX ix_tasks_project ON tasks(project);
