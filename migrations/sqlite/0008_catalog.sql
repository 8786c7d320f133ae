-- The catalog: products (what a license is for: its token `aud`, features, caps, plugins
-- and their roles, seat bounds, trial terms), their plans (a price per tier and interval,
-- with a Stripe lookup key) and coupons. A product's and a coupon's terms are one JSON
-- document (`spec`), read and written whole; what is searched or unique has a column.
-- `catalog_revision` is one row every catalog write updates first, so writes queue and the
-- caps are counted by one writer at a time on either engine.

CREATE TABLE catalog_revision (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    revision INTEGER NOT NULL
);
INSERT INTO catalog_revision (id, revision) VALUES (1, 0);

CREATE TABLE products (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    product_key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    active INTEGER NOT NULL CHECK (active IN (0, 1)),
    internal INTEGER NOT NULL CHECK (internal IN (0, 1)),
    spec TEXT NOT NULL,
    stripe_product_id TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE plans (
    id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES products (id),
    lookup_key TEXT NOT NULL UNIQUE,
    tier TEXT NOT NULL CHECK (tier IN ('starter', 'pro', 'growth', 'enterprise', 'trial', 'beta', 'dev')),
    billing_interval TEXT NOT NULL CHECK (billing_interval IN ('month', 'year', 'once')),
    unit_amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    seats_included INTEGER NOT NULL,
    extra_seat_unit_amount INTEGER,
    active INTEGER NOT NULL CHECK (active IN (0, 1)),
    -- The Stripe price that carries `lookup_key` (set by `tessera stripe sync-products`).
    stripe_price_id TEXT,
    -- The Stripe price of one extra seat (lookup key `<lookup_key>.extra_seat`), once synced.
    stripe_extra_seat_price_id TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX plans_product ON plans (product_id);

CREATE TABLE coupons (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    active INTEGER NOT NULL CHECK (active IN (0, 1)),
    public INTEGER NOT NULL CHECK (public IN (0, 1)),
    spec TEXT NOT NULL,
    redemptions INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

DROP TRIGGER audit_log_action_check_insert;
DROP TRIGGER audit_log_action_check_update;

CREATE TRIGGER audit_log_action_check_insert BEFORE INSERT ON audit_log
WHEN NEW.action NOT IN ('license.issued', 'license.revoked', 'license.resent', 'license.transferred', 'license.renewed', 'license.multi_install_window', 'key.generated', 'key.imported', 'key.activated', 'key.retired', 'user.created', 'user.password_changed', 'user.password_reset', 'user.role_changed', 'user.disabled', 'user.enabled', 'api_token.created', 'api_token.revoked', 'install.license_installed', 'plugin.registered', 'seat.granted', 'seat.revoked', 'webhook.added', 'webhook.enabled', 'webhook.disabled', 'webhook.redelivered', 'product.created', 'product.updated', 'plan.created', 'plan.updated', 'coupon.created', 'coupon.updated')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: audit_log_action_check'); END;

CREATE TRIGGER audit_log_action_check_update BEFORE UPDATE OF action ON audit_log
WHEN NEW.action NOT IN ('license.issued', 'license.revoked', 'license.resent', 'license.transferred', 'license.renewed', 'license.multi_install_window', 'key.generated', 'key.imported', 'key.activated', 'key.retired', 'user.created', 'user.password_changed', 'user.password_reset', 'user.role_changed', 'user.disabled', 'user.enabled', 'api_token.created', 'api_token.revoked', 'install.license_installed', 'plugin.registered', 'seat.granted', 'seat.revoked', 'webhook.added', 'webhook.enabled', 'webhook.disabled', 'webhook.redelivered', 'product.created', 'product.updated', 'plan.created', 'plan.updated', 'coupon.created', 'coupon.updated')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: audit_log_action_check'); END;
