-- Operations: license lifecycle columns, search keys, heartbeats (raw + daily roll-up),
-- installs seen, anomalies, and API tokens. Never edit once landed.

ALTER TABLE licenses ADD COLUMN revoked_at INTEGER;
ALTER TABLE licenses ADD COLUMN revoke_reason TEXT;
ALTER TABLE licenses ADD COLUMN niches TEXT NOT NULL DEFAULT ',';
ALTER TABLE licenses ADD COLUMN last_heartbeat_at INTEGER;
ALTER TABLE licenses ADD COLUMN multi_install_until INTEGER;
ALTER TABLE licenses ADD COLUMN replaced_by TEXT;
ALTER TABLE licenses ADD COLUMN transferred_from TEXT;
ALTER TABLE licenses ADD COLUMN email_lc TEXT NOT NULL DEFAULT '';
ALTER TABLE licenses ADD COLUMN company_lc TEXT NOT NULL DEFAULT '';
ALTER TABLE licenses ADD COLUMN tax_id_lc TEXT;
UPDATE licenses SET email_lc = lower(customer_email), company_lc = lower(company), tax_id_lc = lower(tax_id);

CREATE INDEX licenses_newest ON licenses (created_at, id);
CREATE INDEX licenses_status_newest ON licenses (status, created_at, id);
CREATE INDEX licenses_email_lc ON licenses (email_lc);
CREATE INDEX licenses_company_lc ON licenses (company_lc);
CREATE INDEX licenses_tax_id_lc ON licenses (tax_id_lc);
CREATE INDEX licenses_heartbeat ON licenses (last_heartbeat_at);

CREATE TABLE heartbeats (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    license_id    TEXT NOT NULL,
    at            INTEGER NOT NULL,
    install_id    TEXT NOT NULL,
    kid           TEXT,
    version       TEXT NOT NULL,
    ip            TEXT NOT NULL,
    fingerprint   TEXT,
    -- ",kid1,kid2," so one kid can be matched with LIKE '%,kid,%'
    accepted_kids TEXT NOT NULL
);
CREATE INDEX heartbeats_license_at ON heartbeats (license_id, at);
CREATE INDEX heartbeats_at ON heartbeats (at);

CREATE TABLE heartbeat_days (
    license_id   TEXT NOT NULL,
    day          INTEGER NOT NULL,
    install_id   TEXT NOT NULL,
    hits         INTEGER NOT NULL,
    last_version TEXT NOT NULL,
    PRIMARY KEY (license_id, day, install_id)
);

CREATE TABLE installs (
    license_id   TEXT NOT NULL,
    install_id   TEXT NOT NULL,
    first_seen   INTEGER NOT NULL,
    last_seen    INTEGER NOT NULL,
    last_ip      TEXT NOT NULL,
    last_version TEXT NOT NULL,
    PRIMARY KEY (license_id, install_id)
);

CREATE TABLE anomalies (
    id          TEXT PRIMARY KEY NOT NULL,
    license_id  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    detected_at INTEGER NOT NULL,
    detail      TEXT NOT NULL,
    resolved_at INTEGER
);
CREATE UNIQUE INDEX anomalies_open ON anomalies (license_id, kind) WHERE resolved_at IS NULL;
CREATE INDEX anomalies_detected ON anomalies (detected_at);

CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
