-- The project index also holds each model's framework and company, so that
-- - models.get_frameworks for given projects reads each project's frameworks from it by a skip
--   scan (one seek per project and framework), not every model of the projects;
-- - a project's model counts (projects.get_all_ex, the projects page and the model table) read
--   only the index, not every model's row.
-- It still answers "project = ?" and "project IN (…)" as the index on (project) did.
DROP INDEX ix_models_project;
CREATE INDEX ix_models_project ON models(project, framework, company);
