-- The catalog: products (what a license is for: its token `aud`, features, caps, plugins
-- and their roles, seat bounds, trial terms), their plans (a price per tier and interval,
-- with a Stripe lookup key) and coupons. A product's and a coupon's terms are one JSON
-- document (`spec`), read and written whole; what is searched or unique has a column.
-- `catalog_revision` is one row every catalog write updates first, so writes queue and the
-- caps are counted by one writer at a time on either engine.

CREATE TABLE catalog_revision (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    revision BIGINT NOT NULL
);
INSERT INTO catalog_revision (id, revision) VALUES (1, 0);

CREATE TABLE products (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    product_key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    active BIGINT NOT NULL CHECK (active IN (0, 1)),
    internal BIGINT NOT NULL CHECK (internal IN (0, 1)),
    spec TEXT NOT NULL,
    stripe_product_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE plans (
    id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES products (id),
    lookup_key TEXT NOT NULL UNIQUE,
    tier TEXT NOT NULL CHECK (tier IN ('starter', 'pro', 'growth', 'enterprise', 'trial', 'beta', 'dev')),
    billing_interval TEXT NOT NULL CHECK (billing_interval IN ('month', 'year', 'once')),
    unit_amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    seats_included BIGINT NOT NULL,
    extra_seat_unit_amount BIGINT,
    active BIGINT NOT NULL CHECK (active IN (0, 1)),
    -- The Stripe price that carries `lookup_key` (set by `tessera stripe sync-products`).
    stripe_price_id TEXT,
    -- The Stripe price of one extra seat (lookup key `<lookup_key>.extra_seat`), once synced.
    stripe_extra_seat_price_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX plans_product ON plans (product_id);

CREATE TABLE coupons (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    active BIGINT NOT NULL CHECK (active IN (0, 1)),
    public BIGINT NOT NULL CHECK (public IN (0, 1)),
    spec TEXT NOT NULL,
    redemptions BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (action IN ('license.issued', 'license.revoked', 'license.resent', 'license.transferred', 'license.renewed', 'license.multi_install_window', 'key.generated', 'key.imported', 'key.activated', 'key.retired', 'user.created', 'user.password_changed', 'user.password_reset', 'user.role_changed', 'user.disabled', 'user.enabled', 'api_token.created', 'api_token.revoked', 'install.license_installed', 'plugin.registered', 'seat.granted', 'seat.revoked', 'webhook.added', 'webhook.enabled', 'webhook.disabled', 'webhook.redelivered', 'product.created', 'product.updated', 'plan.created', 'plan.updated', 'coupon.created', 'coupon.updated'));
