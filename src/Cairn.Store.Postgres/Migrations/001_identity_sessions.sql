-- Identity and shared session state, as in the SQLite store's first migration. Times are Unix
-- milliseconds (bigint) like SQLite's, so both providers compare and round them the same way.
-- Text that is sorted or compared is COLLATE "C": byte order, as SQLite's BINARY, whatever the
-- database's default collation.
CREATE TABLE users (
    id            text COLLATE "C" PRIMARY KEY,
    company       text COLLATE "C" NOT NULL,
    name          text COLLATE "C" NOT NULL,
    username      text COLLATE "C" UNIQUE,
    password_hash text,
    role          text NOT NULL,
    created       bigint NOT NULL
);
CREATE INDEX ix_users_company_name ON users (company, name, id);

CREATE TABLE credentials (
    access_key     text COLLATE "C" PRIMARY KEY,
    secret_hash    text NOT NULL,
    user_id        text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label          text,
    created        bigint NOT NULL,
    last_used      bigint,
    last_used_from text
);
CREATE INDEX ix_credentials_user ON credentials (user_id, created, access_key);

-- State every replica must see: revoked token sessions and get_all scroll positions.
CREATE TABLE revoked_tokens (
    session_id text COLLATE "C" PRIMARY KEY,
    expires    bigint NOT NULL
);
CREATE INDEX ix_revoked_tokens_expires ON revoked_tokens (expires);

CREATE TABLE scroll_states (
    id       text COLLATE "C" PRIMARY KEY,
    position bigint NOT NULL,
    cursor   text,
    expires  bigint NOT NULL
);
CREATE INDEX ix_scroll_states_expires ON scroll_states (expires);
