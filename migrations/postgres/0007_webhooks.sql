-- Webhooks (Standard Webhooks) to the vendor's own endpoints: the endpoints, with their
-- signing secret sealed under the KEK, and one delivery per endpoint and event, retried on a
-- schedule. The outbox marks the events it has fanned out to deliveries.

CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    -- Event types it wants, as ',license.revoked,...'; ',' for every type.
    event_types TEXT NOT NULL,
    -- The signing secret, sealed with the KEK (base64).
    secret_sealed TEXT NOT NULL,
    enabled BIGINT NOT NULL CHECK (enabled IN (0, 1)),
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id),
    event_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_attempt_at BIGINT,
    last_status BIGINT,
    last_error TEXT,
    delivered_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);

ALTER TABLE outbox ADD COLUMN fanned_out_at BIGINT;

ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (action IN ('license.issued', 'license.revoked', 'license.resent', 'license.transferred', 'license.renewed', 'license.multi_install_window', 'key.generated', 'key.imported', 'key.activated', 'key.retired', 'user.created', 'user.password_changed', 'user.password_reset', 'user.role_changed', 'user.disabled', 'user.enabled', 'api_token.created', 'api_token.revoked', 'install.license_installed', 'plugin.registered', 'seat.granted', 'seat.revoked', 'webhook.added', 'webhook.enabled', 'webhook.disabled', 'webhook.redelivered'));
