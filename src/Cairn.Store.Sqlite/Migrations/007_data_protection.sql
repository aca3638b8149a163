-- The web UI's data-protection key ring (ASP.NET Core's XML elements: keys and revocations),
-- here rather than in a folder, so every process on this database signs and reads the same
-- sign-in cookies.
CREATE TABLE data_protection_keys (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    friendly_name TEXT NOT NULL,
    xml           TEXT NOT NULL
);
