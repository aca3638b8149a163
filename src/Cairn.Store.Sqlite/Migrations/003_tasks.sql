-- Tasks: the rest of the task document (api.md §5.1). The events service maintains last_metrics.
ALTER TABLE tasks ADD COLUMN last_metrics TEXT; -- JSON object: md5(metric) -> md5(variant) -> values
