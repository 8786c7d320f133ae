-- Every closed set of words a column holds is checked by the database too. The lists are
-- the vocabulary's (license/src/vocab); a unit test compares them, so they cannot drift.
-- (signing_keys.status, users.role and superseded_tokens.reason were checked from the start.)

ALTER TABLE licenses ADD CONSTRAINT licenses_status_check CHECK (status IN ('active', 'revoked', 'refunded', 'transferred'));
ALTER TABLE licenses ADD CONSTRAINT licenses_tier_check CHECK (tier IN ('starter', 'pro', 'growth', 'enterprise', 'trial', 'beta', 'dev'));
ALTER TABLE licenses ADD CONSTRAINT licenses_kind_check CHECK (kind IN ('perpetual', 'subscription', 'trial'));
ALTER TABLE anomalies ADD CONSTRAINT anomalies_kind_check CHECK (kind IN ('revoked_token', 'superseded_token', 'unknown_install', 'multiple_installs'));
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (action IN ('license.issued', 'license.revoked', 'license.resent', 'license.transferred', 'license.multi_install_window', 'key.generated', 'key.imported', 'key.activated', 'key.retired', 'user.created', 'user.password_changed', 'user.password_reset', 'user.role_changed', 'user.disabled', 'user.enabled', 'api_token.created', 'api_token.revoked'));
