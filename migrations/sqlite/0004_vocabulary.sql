-- Every closed set of words a column holds is checked by the database too. The lists are
-- the vocabulary's (license/src/vocab); a unit test compares them, so they cannot drift.
-- SQLite cannot add a CHECK to an existing table without rebuilding it (and the tables
-- that reference it), so triggers refuse the same rows a CHECK would, with the same
-- message. (signing_keys.status, users.role and superseded_tokens.reason were checked
-- from the start.)

CREATE TRIGGER licenses_status_check_insert BEFORE INSERT ON licenses
WHEN NEW.status NOT IN ('active', 'revoked', 'refunded', 'transferred')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: licenses_status_check'); END;

CREATE TRIGGER licenses_tier_check_insert BEFORE INSERT ON licenses
WHEN NEW.tier NOT IN ('starter', 'pro', 'growth', 'enterprise', 'trial', 'beta', 'dev')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: licenses_tier_check'); END;

CREATE TRIGGER licenses_kind_check_insert BEFORE INSERT ON licenses
WHEN NEW.kind NOT IN ('perpetual', 'subscription', 'trial')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: licenses_kind_check'); END;

CREATE TRIGGER licenses_status_check_update BEFORE UPDATE OF status ON licenses
WHEN NEW.status NOT IN ('active', 'revoked', 'refunded', 'transferred')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: licenses_status_check'); END;

CREATE TRIGGER licenses_tier_check_update BEFORE UPDATE OF tier ON licenses
WHEN NEW.tier NOT IN ('starter', 'pro', 'growth', 'enterprise', 'trial', 'beta', 'dev')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: licenses_tier_check'); END;

CREATE TRIGGER licenses_kind_check_update BEFORE UPDATE OF kind ON licenses
WHEN NEW.kind NOT IN ('perpetual', 'subscription', 'trial')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: licenses_kind_check'); END;

CREATE TRIGGER anomalies_kind_check_insert BEFORE INSERT ON anomalies
WHEN NEW.kind NOT IN ('revoked_token', 'superseded_token', 'unknown_install', 'multiple_installs')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: anomalies_kind_check'); END;

CREATE TRIGGER anomalies_kind_check_update BEFORE UPDATE OF kind ON anomalies
WHEN NEW.kind NOT IN ('revoked_token', 'superseded_token', 'unknown_install', 'multiple_installs')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: anomalies_kind_check'); END;

CREATE TRIGGER audit_log_action_check_insert BEFORE INSERT ON audit_log
WHEN NEW.action NOT IN ('license.issued', 'license.revoked', 'license.resent', 'license.transferred', 'license.multi_install_window', 'key.generated', 'key.imported', 'key.activated', 'key.retired', 'user.created', 'user.password_changed', 'user.password_reset', 'user.role_changed', 'user.disabled', 'user.enabled', 'api_token.created', 'api_token.revoked')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: audit_log_action_check'); END;

CREATE TRIGGER audit_log_action_check_update BEFORE UPDATE OF action ON audit_log
WHEN NEW.action NOT IN ('license.issued', 'license.revoked', 'license.resent', 'license.transferred', 'license.multi_install_window', 'key.generated', 'key.imported', 'key.activated', 'key.retired', 'user.created', 'user.password_changed', 'user.password_reset', 'user.role_changed', 'user.disabled', 'user.enabled', 'api_token.created', 'api_token.revoked')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: audit_log_action_check'); END;
