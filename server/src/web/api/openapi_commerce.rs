//! The OpenAPI paths and schemas of selling through Stripe: checkout sessions and the webhook.

use serde_json::{json, Value};
use tessera_backend::commerce::HANDLED_EVENTS;
use tessera_license::vocab::{CheckoutStatus, PaymentStatus, Scope};

/// The paths, merged into the document's.
pub fn paths() -> Value {
    let error = json!({ "$ref": "#/components/responses/Error" });
    let view = json!({ "description": "The checkout", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Checkout" } } } });
    json!({
        "/api/v1/checkout-sessions": { "post": {
            "summary": "Open a Stripe Checkout for a customer; answers where the customer pays",
            "description": format!("Requires an API token with scope `{}`. Refused with 422 naming the field (plan, seats, coupon, domains), 409 `cap_reached` when this Tessera's own license does not allow recurring billing, 409 when a one-off product's `max_license_total` is reached or the plan is not synced to Stripe.", Scope::LicensesWrite),
            "security": [{ "bearer": [Scope::LicensesWrite] }],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CheckoutRequest" } } } },
            "responses": { "201": view, "401": error, "403": error, "409": error, "422": error } } },
        "/api/v1/checkout-sessions/{id}": { "get": {
            "summary": "A checkout: `pending` until its license exists, then the license id (asks Stripe, and issues, when the webhook has not arrived yet)",
            "security": [{ "bearer": [Scope::LicensesRead] }],
            "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string", "example": "cs_test_a1b2c3" } }],
            "responses": { "200": view, "401": error, "403": error, "404": error } } },
        "/api/v1/licenses/{id}/refund": { "post": {
            "summary": "Refund a license's Stripe payment in full (within 14 days of it) and end the license as refunded at once",
            "description": format!("Requires an API token with scope `{}`. 409 naming why when it cannot be refunded (not active, no Stripe payment, already refunded or disputed, the window closed).", Scope::LicensesWrite),
            "security": [{ "bearer": [Scope::LicensesWrite] }],
            "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string", "example": "lic_01JABCDEFGHJKMNPQRSTVWXYZ0" } }],
            "responses": { "200": { "description": "The refunded license", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/License" } } } },
                "401": error, "403": error, "404": error, "409": error } } },
        "/api/v1/payments/verify/{id}": { "get": {
            "summary": "Whether a license was paid for through Stripe, with its payments",
            "security": [{ "bearer": [Scope::LicensesRead] }],
            "parameters": [{ "name": "id", "in": "path", "required": true, "description": "The license id.", "schema": { "type": "string" } }],
            "responses": { "200": { "description": "The verdict", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/PaymentVerification" } } } },
                "401": error, "403": error, "404": error } } },
        "/api/v1/stripe/webhook": { "post": {
            "summary": "Stripe's events (signed with the endpoint's secret; no bearer token)",
            "description": format!("Verified against `Stripe-Signature` (any `v1` value, 300 s tolerance) with TESSERA_STRIPE_WEBHOOK_SECRET. Each event is handled once by id; a redelivery answers 200 and does nothing. Acted on: {}. Other types answer 200 and are recorded. A failure answers 500 with nothing written, so Stripe retries. Bodies over 1 MiB are refused (413).", HANDLED_EVENTS.join(", ")),
            "parameters": [{ "name": "Stripe-Signature", "in": "header", "required": true, "schema": { "type": "string", "example": "t=1700000000,v1=5257a869..." } }],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "description": "A Stripe event (any API version since 2020)." } } } },
            "responses": {
                "200": { "description": "Handled now or before", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/WebhookReceived" } } } },
                "400": error, "413": { "description": "Body too large" }, "422": error, "500": error } } },
    })
}

/// The schemas, merged into the document's.
pub fn schemas() -> Value {
    let statuses: Vec<&str> = CheckoutStatus::spellings().collect();
    json!({
        "CheckoutRequest": { "type": "object", "additionalProperties": false, "required": ["company", "email", "product", "plan"], "properties": {
            "company": { "type": "string", "maxLength": 200, "description": "The customer's group or organisation (the license's company)." },
            "email": { "type": "string", "format": "email" },
            "product": { "type": "string", "description": "The product's slug." },
            "plan": { "type": "string", "description": "The plan's lookup key." },
            "seats": { "type": "integer", "minimum": 1, "description": "The plan's included seats when absent; more are sold at the plan's extra-seat price within the product's seat bounds." },
            "coupon": { "type": "string", "description": "A coupon code; its rules (tiers, seats, expiry, redemptions, currency) apply." },
            "domains": { "type": "array", "items": { "type": "string" }, "description": "Domains the license binds (`localhost` when empty, unless the product requires a domain)." },
            "success_url": { "type": "string", "format": "uri", "description": "Where Stripe sends the customer after paying; `{CHECKOUT_SESSION_ID}` is replaced. Default: the panel's /licenses." },
            "cancel_url": { "type": "string", "format": "uri" } } },
        "Checkout": { "type": "object", "required": ["id", "url", "status", "product", "plan", "seats"], "properties": {
            "id": { "type": "string", "description": "The Stripe Checkout Session id." },
            "url": { "type": "string", "description": "Where the customer pays." },
            "status": { "type": "string", "enum": statuses },
            "license_id": { "type": ["string", "null"], "description": "Set once the license is issued." },
            "product": { "type": "string" }, "plan": { "type": "string" }, "seats": { "type": "integer" },
            "coupon": { "type": ["string", "null"] } } },
        "PaymentVerification": { "type": "object", "required": ["license_id", "license_status", "paid", "payments"], "properties": {
            "license_id": { "type": "string" }, "license_status": { "type": "string" },
            "paid": { "type": "boolean", "description": "At least one payment stands (neither refunded nor disputed)." },
            "payments": { "type": "array", "items": { "type": "object", "required": ["id", "amount", "currency", "price", "status", "amount_refunded", "paid_at", "source"], "properties": {
                "id": { "type": "string" }, "amount": { "type": "integer", "description": "In the currency's smallest unit." },
                "currency": { "type": "string" }, "price": { "type": "string", "example": "49.00 EUR" },
                "status": { "type": "string", "enum": PaymentStatus::spellings().collect::<Vec<_>>() },
                "amount_refunded": { "type": "integer" }, "paid_at": { "type": "integer", "description": "Unix seconds." },
                "source": { "type": "string", "description": "The Stripe invoice (or checkout session) the money came through." } } } } } },
        "WebhookReceived": { "type": "object", "required": ["received", "event", "handled_now", "outcome"], "properties": {
            "received": { "type": "boolean" }, "event": { "type": "string" },
            "handled_now": { "type": "boolean", "description": "false for a redelivery of an event handled before." },
            "outcome": { "type": "string", "description": "What handling did, in words." } } },
    })
}
