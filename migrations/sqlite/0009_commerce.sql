-- Selling through Stripe. A checkout is a Stripe Checkout Session Tessera started (its id is
-- the session's); it is completed exactly once, in the transaction that issues its license.
-- Every Stripe event handled is recorded by id, so a redelivery does nothing. A subscription
-- ties a Stripe subscription to the license it pays for; a payment is money received, once
-- per Stripe invoice (or per session, for a one-off purchase).

CREATE TABLE checkouts (
    id TEXT PRIMARY KEY,
    -- Tessera's own name for it, in the session's and the subscription's metadata.
    reference TEXT NOT NULL UNIQUE,
    product_id TEXT NOT NULL REFERENCES products (id),
    plan_id TEXT NOT NULL REFERENCES plans (id),
    seats INTEGER NOT NULL,
    coupon_code TEXT,
    -- The domains the license will bind, comma-separated.
    domains TEXT NOT NULL,
    company TEXT NOT NULL,
    email TEXT NOT NULL,
    url TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'completed', 'expired')),
    license_id TEXT REFERENCES licenses (id),
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    completed_at INTEGER
);
CREATE INDEX checkouts_product ON checkouts (product_id, status);

CREATE TABLE stripe_events (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    -- The event's own `created`, and when Tessera handled it.
    created INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    -- What handling it did, in words (`issued license ...`, `ignored: ...`).
    outcome TEXT NOT NULL
);
CREATE INDEX stripe_events_received ON stripe_events (received_at);

CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    license_id TEXT NOT NULL UNIQUE REFERENCES licenses (id),
    checkout_id TEXT REFERENCES checkouts (id),
    customer_id TEXT,
    -- Stripe's word: active, trialing, past_due, unpaid, canceled, incomplete, paused, ...
    status TEXT NOT NULL,
    lookup_key TEXT NOT NULL,
    seats INTEGER NOT NULL,
    current_period_end INTEGER,
    cancel_at_period_end INTEGER NOT NULL CHECK (cancel_at_period_end IN (0, 1)),
    ended_at INTEGER,
    updated_at INTEGER NOT NULL
);

CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    license_id TEXT NOT NULL REFERENCES licenses (id),
    -- The Stripe object the money came through: an invoice (in_...) or, for a one-off
    -- purchase, the checkout session (cs_...). One payment per source.
    source TEXT NOT NULL UNIQUE,
    charge_id TEXT,
    payment_intent_id TEXT,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('paid', 'refunded', 'disputed')),
    amount_refunded INTEGER NOT NULL DEFAULT 0,
    refund_id TEXT,
    product TEXT NOT NULL,
    company TEXT NOT NULL,
    email TEXT NOT NULL,
    paid_at INTEGER NOT NULL
);
CREATE INDEX payments_paid_at ON payments (paid_at);
CREATE INDEX payments_license ON payments (license_id);
CREATE INDEX payments_charge ON payments (charge_id);
CREATE INDEX payments_intent ON payments (payment_intent_id);

DROP TRIGGER audit_log_action_check_insert;
DROP TRIGGER audit_log_action_check_update;

CREATE TRIGGER audit_log_action_check_insert BEFORE INSERT ON audit_log
WHEN NEW.action NOT IN ('license.issued', 'license.revoked', 'license.resent', 'license.transferred', 'license.renewed', 'license.multi_install_window', 'key.generated', 'key.imported', 'key.activated', 'key.retired', 'user.created', 'user.password_changed', 'user.password_reset', 'user.role_changed', 'user.disabled', 'user.enabled', 'api_token.created', 'api_token.revoked', 'install.license_installed', 'plugin.registered', 'seat.granted', 'seat.revoked', 'webhook.added', 'webhook.enabled', 'webhook.disabled', 'webhook.redelivered', 'product.created', 'product.updated', 'plan.created', 'plan.updated', 'coupon.created', 'coupon.updated', 'checkout.created', 'license.refunded', 'subscription.changed')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: audit_log_action_check'); END;

CREATE TRIGGER audit_log_action_check_update BEFORE UPDATE OF action ON audit_log
WHEN NEW.action NOT IN ('license.issued', 'license.revoked', 'license.resent', 'license.transferred', 'license.renewed', 'license.multi_install_window', 'key.generated', 'key.imported', 'key.activated', 'key.retired', 'user.created', 'user.password_changed', 'user.password_reset', 'user.role_changed', 'user.disabled', 'user.enabled', 'api_token.created', 'api_token.revoked', 'install.license_installed', 'plugin.registered', 'seat.granted', 'seat.revoked', 'webhook.added', 'webhook.enabled', 'webhook.disabled', 'webhook.redelivered', 'product.created', 'product.updated', 'plan.created', 'plan.updated', 'coupon.created', 'coupon.updated', 'checkout.created', 'license.refunded', 'subscription.changed')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: audit_log_action_check'); END;
