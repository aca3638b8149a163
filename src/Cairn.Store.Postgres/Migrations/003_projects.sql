-- Projects: name is the full path, path the ancestor ids from the root. Tags and paths are
-- text[] (GIN-indexed: && any, @> all), kept de-duplicated and sorted by the store.
CREATE TABLE projects (
    id                         text COLLATE "C" PRIMARY KEY,
    company                    text COLLATE "C" NOT NULL,
    name                       text COLLATE "C" NOT NULL,
    basename                   text COLLATE "C" NOT NULL,
    description                text COLLATE "C",
    user_id                    text COLLATE "C",
    created                    bigint NOT NULL,
    last_update                bigint NOT NULL,
    tags                       text[] COLLATE "C" NOT NULL DEFAULT '{}',
    system_tags                text[] COLLATE "C" NOT NULL DEFAULT '{}',
    default_output_destination text COLLATE "C",
    parent                     text COLLATE "C" REFERENCES projects (id),
    path                       text[] COLLATE "C" NOT NULL DEFAULT '{}',
    seq                        bigint GENERATED ALWAYS AS IDENTITY,
    UNIQUE (company, name)
);
CREATE INDEX ix_projects_parent ON projects (parent);
CREATE INDEX ix_projects_path ON projects USING gin (path);
CREATE INDEX ix_projects_company_last_update ON projects (company, last_update);
CREATE INDEX ix_projects_company_created ON projects (company, created);

-- Models and tasks: the columns projects need (counts, delete rules, task statistics). The
-- models and tasks stores extend these tables in later migrations.
CREATE TABLE models (
    id          text COLLATE "C" PRIMARY KEY,
    company     text COLLATE "C" NOT NULL,
    project     text COLLATE "C",
    name        text COLLATE "C" NOT NULL,
    user_id     text COLLATE "C",
    created     bigint NOT NULL,
    last_update bigint NOT NULL,
    system_tags text[] COLLATE "C" NOT NULL DEFAULT '{}'
);
CREATE INDEX ix_models_project ON models (project, company);

CREATE TABLE tasks (
    id          text COLLATE "C" PRIMARY KEY,
    company     text COLLATE "C" NOT NULL,
    project     text COLLATE "C",
    name        text COLLATE "C" NOT NULL,
    user_id     text COLLATE "C",
    status      text COLLATE "C" NOT NULL DEFAULT 'created',
    created     bigint NOT NULL,
    started     bigint,
    completed   bigint,
    last_update bigint NOT NULL,
    system_tags text[] COLLATE "C" NOT NULL DEFAULT '{}'
);
CREATE INDEX ix_tasks_project ON tasks (project, company);
