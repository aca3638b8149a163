-- The web UI's data-protection key ring (ASP.NET Core's XML elements: keys and revocations),
-- in the database rather than a folder, so every replica signs and reads the same sign-in cookies.
CREATE TABLE data_protection_keys (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    friendly_name text NOT NULL,
    xml           text NOT NULL
);
