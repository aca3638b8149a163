-- models.get_frameworks for given projects reads each project's frameworks from this index (a
-- skip scan: one seek per project and framework) instead of every model of the projects. The
-- index still answers "project = ?" and "project IN (…)" as the one on (project) did.
DROP INDEX ix_models_project;
CREATE INDEX ix_models_project ON models(project, framework);
