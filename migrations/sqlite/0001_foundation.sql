-- Foundation: signing keys, licenses, hash-chained audit log, users and sessions.
-- Times are unix seconds. Never edit this file once landed; add a new migration.

CREATE TABLE signing_keys (
    kid          TEXT PRIMARY KEY NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('active', 'accepted', 'retired')),
    public_key   BLOB NOT NULL,
    -- XChaCha20-Poly1305(nonce || ciphertext) of the Ed25519 seed under the KEK; NULL = verify-only.
    private_enc  BLOB,
    created_at   INTEGER NOT NULL,
    activated_at INTEGER,
    retired_at   INTEGER
);
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (status) WHERE status = 'active';

CREATE TABLE licenses (
    id             TEXT PRIMARY KEY NOT NULL,
    kid            TEXT NOT NULL REFERENCES signing_keys (kid),
    token_sha256   TEXT NOT NULL UNIQUE,
    customer_email TEXT NOT NULL,
    company        TEXT NOT NULL,
    tax_id         TEXT,
    tier           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    product        TEXT NOT NULL,
    plan           TEXT,
    status         TEXT NOT NULL DEFAULT 'active',
    issued_at      INTEGER NOT NULL,
    expires_at     INTEGER,
    support_until  INTEGER,
    claims         TEXT NOT NULL,
    created_at     INTEGER NOT NULL
);
CREATE INDEX licenses_email ON licenses (customer_email);
CREATE INDEX licenses_kid ON licenses (kid, expires_at);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY NOT NULL,
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject);

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('sysadmin', 'operator', 'viewer')),
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_sha256 TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
