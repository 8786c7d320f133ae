-- Customers: orgs, the people in them, how they sign in, and their trials. An org (a "group"
-- in the API) owns the licenses and subscriptions bought or trialled for it; a customer signs
-- in with a one-time link e-mailed to them, bound to the browser that asked for it. Links and
-- sessions are stored as SHA-256 digests only.

CREATE TABLE orgs (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    billing_email TEXT NOT NULL,
    stripe_customer_id TEXT UNIQUE,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE customers (
    id TEXT PRIMARY KEY,
    -- Lower-case: sign-in names are compared without regard to case.
    email TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    last_sign_in_at INTEGER
);

CREATE TABLE org_members (
    org_id TEXT NOT NULL REFERENCES orgs (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    role TEXT NOT NULL CHECK (role IN ('owner', 'member')),
    added_by TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, customer_id)
);
CREATE INDEX org_members_customer ON org_members (customer_id);

CREATE TABLE customer_sessions (
    token_sha256 TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX customer_sessions_customer ON customer_sessions (customer_id);

CREATE TABLE sign_in_links (
    token_sha256 TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    -- The SHA-256 of the asking browser's sign-in cookie: the link works in that browser only.
    browser_sha256 TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX sign_in_links_customer ON sign_in_links (customer_id, created_at);

-- One row per trial an org started; `round` counts an org's trials of a product, so two
-- concurrent starts of the same trial cannot both be written.
CREATE TABLE trials (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs (id),
    product_id TEXT NOT NULL REFERENCES products (id),
    round INTEGER NOT NULL,
    license_id TEXT NOT NULL REFERENCES licenses (id),
    started_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    -- When a paid license of the product replaced it.
    converted_at INTEGER,
    UNIQUE (org_id, product_id, round)
);

ALTER TABLE licenses ADD COLUMN org_id TEXT REFERENCES orgs (id);
CREATE INDEX licenses_org ON licenses (org_id);
ALTER TABLE checkouts ADD COLUMN org_id TEXT REFERENCES orgs (id);

DROP TRIGGER audit_log_action_check_insert;
DROP TRIGGER audit_log_action_check_update;

CREATE TRIGGER audit_log_action_check_insert BEFORE INSERT ON audit_log
WHEN NEW.action NOT IN ('license.issued', 'license.revoked', 'license.resent', 'license.transferred', 'license.renewed', 'license.multi_install_window', 'key.generated', 'key.imported', 'key.activated', 'key.retired', 'user.created', 'user.password_changed', 'user.password_reset', 'user.role_changed', 'user.disabled', 'user.enabled', 'api_token.created', 'api_token.revoked', 'install.license_installed', 'plugin.registered', 'seat.granted', 'seat.revoked', 'webhook.added', 'webhook.enabled', 'webhook.disabled', 'webhook.redelivered', 'product.created', 'product.updated', 'plan.created', 'plan.updated', 'coupon.created', 'coupon.updated', 'checkout.created', 'license.refunded', 'subscription.changed', 'org.created', 'org.member_added', 'org.member_removed', 'trial.started')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: audit_log_action_check'); END;

CREATE TRIGGER audit_log_action_check_update BEFORE UPDATE OF action ON audit_log
WHEN NEW.action NOT IN ('license.issued', 'license.revoked', 'license.resent', 'license.transferred', 'license.renewed', 'license.multi_install_window', 'key.generated', 'key.imported', 'key.activated', 'key.retired', 'user.created', 'user.password_changed', 'user.password_reset', 'user.role_changed', 'user.disabled', 'user.enabled', 'api_token.created', 'api_token.revoked', 'install.license_installed', 'plugin.registered', 'seat.granted', 'seat.revoked', 'webhook.added', 'webhook.enabled', 'webhook.disabled', 'webhook.redelivered', 'product.created', 'product.updated', 'plan.created', 'plan.updated', 'coupon.created', 'coupon.updated', 'checkout.created', 'license.refunded', 'subscription.changed', 'org.created', 'org.member_added', 'org.member_removed', 'trial.started')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: audit_log_action_check'); END;
