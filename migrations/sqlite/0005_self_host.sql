-- The self-hosted side (TESSERA_MODE=self-host): the install's own license, what its vendor
-- last answered, the roles its product's plugins declare, and who holds them.

-- One row: this install. The token is the install's own copy of its license (the owner's
-- copy, as a license file would be); a vendor's database never holds a token.
CREATE TABLE install_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    install_id TEXT NOT NULL,
    token TEXT,
    token_installed_at INTEGER,
    -- The latest time this install has seen (its own clock, its vendor's answers): a clock
    -- set back before it cannot revive an expired license.
    latest_seen INTEGER NOT NULL DEFAULT 0,
    -- The vendor's last answer, as JSON (status, live entitlements, when).
    live_status TEXT,
    last_attempt_at INTEGER,
    last_success_at INTEGER,
    last_error TEXT,
    failures INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE plugin_roles (
    plugin TEXT NOT NULL,
    role TEXT NOT NULL,
    billable INTEGER NOT NULL CHECK (billable IN (0, 1)),
    registered_at INTEGER NOT NULL,
    PRIMARY KEY (plugin, role)
);

CREATE TABLE role_grants (
    plugin TEXT NOT NULL,
    role TEXT NOT NULL,
    user_id TEXT NOT NULL,
    granted_at INTEGER NOT NULL,
    granted_by TEXT NOT NULL,
    PRIMARY KEY (plugin, role, user_id),
    FOREIGN KEY (plugin, role) REFERENCES plugin_roles (plugin, role)
);
CREATE INDEX role_grants_user ON role_grants (plugin, user_id);

DROP TRIGGER audit_log_action_check_insert;
DROP TRIGGER audit_log_action_check_update;

CREATE TRIGGER audit_log_action_check_insert BEFORE INSERT ON audit_log
WHEN NEW.action NOT IN ('license.issued', 'license.revoked', 'license.resent', 'license.transferred', 'license.renewed', 'license.multi_install_window', 'key.generated', 'key.imported', 'key.activated', 'key.retired', 'user.created', 'user.password_changed', 'user.password_reset', 'user.role_changed', 'user.disabled', 'user.enabled', 'api_token.created', 'api_token.revoked', 'install.license_installed', 'plugin.registered', 'seat.granted', 'seat.revoked')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: audit_log_action_check'); END;

CREATE TRIGGER audit_log_action_check_update BEFORE UPDATE OF action ON audit_log
WHEN NEW.action NOT IN ('license.issued', 'license.revoked', 'license.resent', 'license.transferred', 'license.renewed', 'license.multi_install_window', 'key.generated', 'key.imported', 'key.activated', 'key.retired', 'user.created', 'user.password_changed', 'user.password_reset', 'user.role_changed', 'user.disabled', 'user.enabled', 'api_token.created', 'api_token.revoked', 'install.license_installed', 'plugin.registered', 'seat.granted', 'seat.revoked')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: audit_log_action_check'); END;
