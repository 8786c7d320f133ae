-- Trust: tokens superseded by a resend or a renewal, so a heartbeat can tell an old token
-- from a stale one; installs are pruned by last contact. Never edit once landed.

CREATE TABLE superseded_tokens (
    token_sha256  TEXT PRIMARY KEY NOT NULL,
    license_id    TEXT NOT NULL,
    superseded_at BIGINT NOT NULL,
    -- resent: the token may have leaked, it answers `superseded`; renewed: a newer token goes
    -- only to installs seen before it was signed.
    reason        TEXT NOT NULL CHECK (reason IN ('resent', 'renewed'))
);
CREATE INDEX superseded_tokens_license ON superseded_tokens (license_id);

CREATE INDEX installs_last_seen ON installs (last_seen);

-- Accounts: a disabled user cannot sign in and has no sessions; a reset password (and the
-- first administrator's generated one) must be replaced at the next sign-in.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;
CREATE INDEX sessions_expires ON sessions (expires_at);
