-- Files the file server stored: path under the storage root (as uploaded, without the leading
-- '/'), size and SHA-256 computed while streaming, and the file's modification time after the
-- rename, so a reader can tell whether the record still describes the file on disk.
CREATE TABLE files (
    path       TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    stored     INTEGER NOT NULL,
    last_write INTEGER NOT NULL
);

-- File-server URLs whose files are to be deleted (a deleted model's weights). Kept here rather
-- than in memory so a restart or another replica picks them up; next_attempt moves forward on
-- each claim (a lease) and on each failure (exponential backoff).
CREATE TABLE file_deletions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    url          TEXT NOT NULL UNIQUE,
    queued       INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,
    last_error   TEXT
);
CREATE INDEX ix_file_deletions_next_attempt ON file_deletions(next_attempt);
