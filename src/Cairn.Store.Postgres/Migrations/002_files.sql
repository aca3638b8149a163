-- Files the file server stored (path under the storage root, without the leading '/'), and the
-- queue of file-server URLs to delete, as in the SQLite store. Replicas claim deletions with
-- FOR UPDATE SKIP LOCKED; next_attempt is the lease (and the backoff after a failure).
CREATE TABLE files (
    path       text COLLATE "C" PRIMARY KEY,
    size       bigint NOT NULL,
    sha256     text NOT NULL,
    stored     bigint NOT NULL,
    last_write bigint NOT NULL
);

CREATE TABLE file_deletions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url          text COLLATE "C" NOT NULL UNIQUE,
    queued       bigint NOT NULL,
    attempts     integer NOT NULL DEFAULT 0,
    next_attempt bigint NOT NULL,
    last_error   text
);
CREATE INDEX ix_file_deletions_next_attempt ON file_deletions (next_attempt, id);
