//! The OpenAPI 3.1 document for `/api/v1` and a small docs page that renders it.

use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use tessera_backend::licenses::{MAX_ITEMS, MAX_NAME};

use crate::web::AppState;
use tessera_license::vocab::{
    BillingInterval, HeartbeatStatus, LicenseKind, LicenseStatus, Scope, StateName, Tier,
};

/// A string schema whose values are one vocabulary's words (the same list the code uses).
fn words(spellings: impl Iterator<Item = &'static str>) -> Value {
    json!({ "type": "string", "enum": spellings.collect::<Vec<_>>() })
}

/// `schema` with a description.
fn described(mut schema: Value, description: &str) -> Value {
    schema["description"] = json!(description);
    schema
}

fn error_responses() -> Value {
    json!({
        "400": { "$ref": "#/components/responses/Error" },
        "401": { "$ref": "#/components/responses/Error" },
        "403": { "$ref": "#/components/responses/Error" },
        "404": { "$ref": "#/components/responses/Error" },
        "409": { "$ref": "#/components/responses/Error" },
        "415": { "$ref": "#/components/responses/Error" },
        "422": { "$ref": "#/components/responses/Error" },
    })
}

fn op(summary: &str, scope: Option<Scope>, body: Option<&str>, ok: (&str, &str)) -> Value {
    let mut responses = error_responses();
    responses[ok.0] = json!({ "description": summary, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{}", ok.1) } } } });
    let mut operation = json!({ "summary": summary, "responses": responses });
    if let Some(scope) = scope {
        operation["security"] = json!([{ "bearer": [scope] }]);
        operation["description"] = json!(format!("Requires an API token with scope `{scope}`."));
    }
    if let Some(schema) = body {
        operation["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
    }
    operation
}

/// The tiers, and null (Community).
fn tiers_or_null() -> Vec<Value> {
    Tier::spellings()
        .map(Value::from)
        .chain([Value::Null])
        .collect()
}

fn id_param() -> Value {
    json!([{ "name": "id", "in": "path", "required": true, "schema": { "type": "string", "example": "lic_01JABCDEFGHJKMNPQRSTVWXYZ0" } }])
}

fn schemas() -> Value {
    let strings = json!({ "type": "array", "items": { "type": "string" } });
    let names = json!({ "type": "array", "maxItems": MAX_ITEMS, "items": { "type": "string", "maxLength": MAX_NAME } });
    let optional_time = json!({ "type": ["integer", "null"], "description": "Unix seconds." });
    let mut schemas = json!({
        "Error": { "type": "object", "required": ["error", "message"], "properties": { "error": { "type": "string" }, "message": { "type": "string" } } },
        "HeartbeatRequest": { "type": "object", "required": ["token", "install_id", "version"], "properties": {
            "token": { "type": "string" },
            "install_id": { "type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$" },
            "version": { "type": "string", "minLength": 1, "maxLength": 64, "description": "No control characters (NUL included): 422 otherwise." },
            "accepted_kids": strings,
            "fingerprint": { "type": "string", "maxLength": 256, "description": "No control characters: 422 otherwise." },
            "usage": { "$ref": "#/components/schemas/Usage" } } },
        "HeartbeatAnswer": { "type": "object", "required": ["status", "revoked", "license_id", "entitlements"], "properties": {
            "status": described(words(HeartbeatStatus::spellings()), "`superseded`: the token presented was replaced by a resend (for instance because it may have leaked); it carries no live entitlements and never receives a token. Install the token the owner was sent."),
            "revoked": { "type": "boolean" }, "license_id": { "type": "string" }, "entitlements": { "type": "object" },
            "at": { "type": "integer", "description": "The vendor's clock (unix seconds). An install never believes a time earlier than the latest it has seen." },
            "token": { "type": "string", "description": "The license's current token, when the one presented is older and was replaced by a renewal, and only for an install id that heartbeated for this license before the current token was signed. Never for a superseded (resent) token, never for an unknown install. After a transfer, an install that heartbeated for the old license before it moved gets the new license's token, with status `transferred`, `revoked: false` and the new license's `license_id` (the deployment moves with the license); any other install gets `transferred`, `revoked: true` and no token." } } },
        "IssueRequest": { "type": "object", "additionalProperties": false, "required": ["email", "company", "tier", "product", "domains"],
            "description": "Read by the same rules as the issue form and `tessera license issue`: the same input gets the same 422 from all three.",
            "properties": {
            "email": { "type": "string" }, "company": { "type": "string", "maxLength": 200 }, "tax_id": { "type": "string" },
            "tier": words(Tier::spellings()),
            "kind": words(LicenseKind::spellings()),
            "product": { "type": "string" }, "plan": { "type": "string" },
            "expires_at": { "type": "string", "description": "RFC 3339 (2027-01-31T00:00:00Z) or a date (2027-01-31, midnight UTC)." },
            "support_period": { "type": "string", "example": "12mo" },
            "features": names, "plugins": names, "themes": names, "niches": names,
            "domains": { "type": "array", "minItems": 1, "maxItems": MAX_ITEMS, "items": { "type": "string" } },
            "seats": { "type": "object", "additionalProperties": { "type": "object", "properties": {
                "roles": { "type": "object", "additionalProperties": { "type": "integer" } }, "pool": { "type": "integer" } } } },
            "node_lock": { "type": "string" }, "caps": { "type": "object", "additionalProperties": { "type": "integer" } },
            "early_adopter": { "type": "boolean" }, "send_email": { "type": "boolean" } } },
        "License": { "type": "object", "required": ["id", "status", "tier", "kind", "product", "customer", "kid", "token_sha256", "created_at", "issued_at", "claims"], "properties": {
            "id": { "type": "string" }, "status": words(LicenseStatus::spellings()),
            "tier": words(Tier::spellings()), "kind": words(LicenseKind::spellings()),
            "product": { "type": "string" }, "plan": { "type": ["string", "null"] },
            "customer": { "type": "object", "required": ["email", "company"], "properties": {
                "email": { "type": "string" }, "company": { "type": "string" }, "tax_id": { "type": ["string", "null"] } } },
            "kid": { "type": "string" }, "token_sha256": { "type": "string" },
            "created_at": { "type": "integer" }, "issued_at": { "type": "integer" },
            "expires_at": optional_time, "support_until": optional_time, "revoked_at": optional_time,
            "revoke_reason": { "type": ["string", "null"] }, "last_heartbeat_at": optional_time,
            "multi_install_until": optional_time, "replaced_by": { "type": ["string", "null"] },
            "transferred_from": { "type": ["string", "null"] },
            "claims": { "type": "object", "description": "The signed claims of the current token." } } },
        "Issued": { "type": "object", "required": ["license", "token"], "properties": {
            "license": { "$ref": "#/components/schemas/License" }, "token": { "type": "string" }, "mail_error": { "type": "string" } } },
        "LicenseList": { "type": "object", "properties": { "total": { "type": "integer" }, "total_capped": { "type": "boolean" },
            "licenses": { "type": "array", "items": { "$ref": "#/components/schemas/License" } } } },
        "Entitlements": { "type": "object", "description": "Self-hosted installs only. What the product may use now: the signed grant, narrowed by the vendor's live answer; the free Community caps when unlicensed, dormant or revoked. Reused for up to 2 s, so it is cheap to call per request.",
            "required": ["state", "licensed", "features", "caps", "plugins", "seats"], "properties": {
            "state": words(StateName::spellings()), "licensed": { "type": "boolean", "description": "Active or in grace." },
            "license_id": { "type": ["string", "null"] }, "tier": { "type": ["string", "null"], "enum": tiers_or_null() },
            "expires_at": optional_time, "grace_ends_at": optional_time, "support_active": { "type": "boolean" },
            "features": strings, "caps": { "type": "object", "additionalProperties": { "type": "integer" } },
            "plugins": strings, "themes": strings, "niches": strings,
            "seats": { "type": "object", "additionalProperties": { "$ref": "#/components/schemas/Seats" } },
            "caps_used": { "type": "object", "additionalProperties": { "type": "integer" }, "description": "How much of each cap the product last reported using (`PUT /api/v1/usage/{cap}`)." },
            "banner": { "type": ["string", "null"], "description": "Show it on every page while it is set (grace countdown, dormant, revoked, unlicensed)." },
            "problem": { "type": ["object", "null"], "properties": { "code": { "type": "string" }, "message": { "type": "string" } } } } },
        "Seats": { "type": "object", "properties": {
            "used": { "type": "integer", "description": "Distinct users holding at least one billable role." },
            "licensed": { "type": ["integer", "null"] }, "over": { "type": "boolean", "description": "More in use than licensed after a downgrade: shown, never enforced by removing anyone; billable grants are refused until under." },
            "roles": { "type": "object", "additionalProperties": { "type": "object", "properties": { "billable": { "type": "boolean" }, "used": { "type": "integer" }, "licensed": { "type": ["integer", "null"] } } } } } },
        "PluginRoles": { "type": "object", "additionalProperties": false, "required": ["roles"], "properties": {
            "roles": { "type": "array", "minItems": 1, "maxItems": 64, "items": { "type": "object", "additionalProperties": false, "required": ["name", "billable"], "properties": {
                "name": { "type": "string", "pattern": "^[a-z0-9._-]{1,64}$", "example": "gl.accountant" }, "billable": { "type": "boolean" } } } } } },
        "Plugin": { "type": "object", "properties": {
            "plugin": { "type": "string" },
            "roles": { "type": "array", "items": { "type": "object", "properties": { "name": { "type": "string" }, "billable": { "type": "boolean" } } } },
            "seats": { "$ref": "#/components/schemas/Seats" },
            "grants": { "type": "array", "items": { "type": "object", "properties": { "user": { "type": "string" }, "role": { "type": "string" }, "granted_at": { "type": "integer" } } } } } },
        "Grant": { "type": "object", "additionalProperties": false, "required": ["user", "role"], "properties": {
            "user": { "type": "string", "minLength": 1, "maxLength": 200, "description": "The product's own user id." }, "role": { "type": "string" } } },
        "SeatLimitReached": { "type": "object", "description": "409 when a billable role would exceed the licensed seats.", "properties": {
            "error": { "type": "string", "const": "seat_limit_reached" }, "message": { "type": "string" },
            "plugin": { "type": "string" }, "role": { "type": ["string", "null"], "description": "The role whose own count is exhausted; null when the plugin's pool is." },
            "limit": { "type": "integer" }, "used": { "type": "integer" } } },
        "Webhook": { "type": "object", "properties": { "id": { "type": "string" }, "url": { "type": "string" },
            "events": { "type": "array", "items": { "type": "string" }, "description": "Empty: every event type." },
            "enabled": { "type": "boolean" }, "created_at": { "type": "integer" } } },
        "WebhookList": { "type": "array", "items": { "$ref": "#/components/schemas/Webhook" } },
        "WebhookRequest": { "type": "object", "additionalProperties": false, "required": ["url"], "properties": {
            "url": { "type": "string", "description": "https (http only to localhost)." },
            "events": { "type": "array", "items": { "enum": tessera_backend::webhooks::EVENT_TYPES } } } },
        "WebhookAdded": { "type": "object", "properties": { "endpoint": { "$ref": "#/components/schemas/Webhook" },
            "secret": { "type": "string", "description": "whsec_...: verify deliveries with it (Standard Webhooks). Shown once." } } },
        "RenewRequest": { "type": "object", "additionalProperties": false, "required": ["expires_at"], "properties": {
            "expires_at": { "type": "string", "description": "Later than the current expiry and than now: RFC 3339 or a date (midnight UTC). A perpetual license cannot be renewed (422)." } } },
        "RevokeRequest": { "type": "object", "required": ["reason"], "properties": { "reason": { "type": "string" } } },
        "TransferRequest": { "type": "object", "required": ["email", "company", "confirm_revocation", "confirm_new_owner"], "properties": {
            "email": { "type": "string" }, "company": { "type": "string" }, "tax_id": { "type": "string" },
            "confirm_revocation": { "type": "boolean" }, "confirm_new_owner": { "type": "boolean" } } },
    });
    for extra in [
        catalog_schemas(),
        super::openapi_commerce::schemas(),
        super::openapi_groups::schemas(),
        super::openapi_usage::schemas(),
    ] {
        if let (Some(all), Value::Object(extra)) = (schemas.as_object_mut(), extra) {
            all.extend(extra);
        }
    }
    schemas
}

/// The public catalog's schemas.
fn catalog_schemas() -> Value {
    let strings = json!({ "type": "array", "items": { "type": "string" } });
    json!({
        "StoreProduct": { "type": "object", "description": "A listed product: active and not internal. Amounts are in the currency's smallest unit.",
            "required": ["slug", "name", "product_key", "tiers", "plans", "coupons"], "properties": {
            "slug": { "type": "string" }, "name": { "type": "string" }, "product_key": { "type": "string", "description": "The `aud` of the licenses it sells." },
            "features": strings, "caps": { "type": "object", "additionalProperties": { "type": "integer" } },
            "plugins": { "type": "object", "additionalProperties": { "type": "object", "properties": { "billable": strings, "free": strings } } },
            "seats": { "type": "object", "properties": { "min": { "type": "integer" }, "max": { "type": "integer" } } },
            "domain_required": { "type": "boolean" },
            "trial": { "type": "object", "properties": { "days": { "type": "integer" }, "cooldown_days": { "type": "integer" } } },
            "tiers": { "type": "array", "items": words(Tier::spellings()), "description": "The tiers its plans sell, entry tier first." },
            "plans": { "type": "array", "items": { "type": "object", "required": ["lookup_key", "tier", "interval", "unit_amount", "currency", "price", "seats_included"], "properties": {
                "lookup_key": { "type": "string" }, "tier": words(Tier::spellings()), "interval": words(BillingInterval::spellings()),
                "unit_amount": { "type": "integer" }, "currency": { "type": "string", "example": "eur" }, "price": { "type": "string", "example": "49.00 EUR" },
                "seats_included": { "type": "integer" }, "extra_seat_unit_amount": { "type": "integer" } } } },
            "coupons": { "type": "array", "description": "Public coupons that apply to its tiers, unexpired and not used up.", "items": { "type": "object", "required": ["code", "discount", "tiers"], "properties": {
                "code": { "type": "string" }, "discount": { "type": "string", "example": "20 %" }, "percent_off": { "type": "integer" }, "amount_off": { "type": "integer" },
                "currency": { "type": "string" }, "min_seats": { "type": "integer" }, "max_seats": { "type": "integer" },
                "tiers": { "type": "array", "items": words(Tier::spellings()) }, "expires_at": { "type": "integer" } } } } } },
        "StoreProductList": { "type": "array", "items": { "$ref": "#/components/schemas/StoreProduct" } },
    })
}

/// The document for an install in `mode`: only the paths it serves.
pub fn spec_for(mode: tessera_backend::config::Mode) -> Value {
    let mut spec = spec();
    if let Some(paths) = spec["paths"].as_object_mut() {
        paths.retain(|path, _| crate::web::mode_gate::serves(mode, path));
    }
    spec
}

/// The document, every path of both modes.
pub fn spec() -> Value {
    let mut spec = core_spec();
    for extra in [
        super::openapi_commerce::paths(),
        super::openapi_groups::paths(),
        super::openapi_usage::paths(),
    ] {
        if let (Some(paths), Value::Object(extra)) = (spec["paths"].as_object_mut(), extra) {
            paths.extend(extra);
        }
    }
    spec
}

fn core_spec() -> Value {
    let mut heartbeat = op(
        "Record a heartbeat",
        None,
        Some("HeartbeatRequest"),
        ("200", "HeartbeatAnswer"),
    );
    heartbeat["responses"]["429"] = json!({ "$ref": "#/components/responses/Error" });
    heartbeat["responses"]["422"] = json!({ "$ref": "#/components/responses/Error" });
    let mut list = op(
        "A customer's licenses",
        Some(Scope::LicensesRead),
        None,
        ("200", "LicenseList"),
    );
    list["parameters"] = json!([{ "name": "email", "in": "query", "required": true, "schema": { "type": "string" } }]);
    let mut get = op(
        "One license",
        Some(Scope::LicensesRead),
        None,
        ("200", "License"),
    );
    get["parameters"] = id_param();
    let with_id = |mut v: Value| {
        v["parameters"] = id_param();
        v
    };
    let with_plugin = |mut v: Value| {
        v["parameters"] = json!([{ "name": "plugin", "in": "path", "required": true, "schema": { "type": "string", "pattern": "^[a-z0-9._-]{1,64}$" } }]);
        v
    };
    let seat_limit = |mut v: Value| {
        v["responses"]["409"] = json!({ "description": "seat_limit_reached (or a conflict)", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/SeatLimitReached" } } } });
        v
    };
    let with_slug = |mut v: Value| {
        v["parameters"] = json!([{ "name": "slug", "in": "path", "required": true, "schema": { "type": "string", "example": "chat" } }]);
        v
    };
    let public_catalog = |mut v: Value| {
        v["description"] = json!("Answers carry a strong `ETag`; send it back in `If-None-Match` to get `304 Not Modified` while the catalog is unchanged. `Cache-Control: public, max-age=60`.");
        v["responses"]["304"] =
            json!({ "description": "Not modified: the `If-None-Match` ETag is current." });
        v
    };
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Tessera API", "version": env!("CARGO_PKG_VERSION") },
        "paths": {
            "/api/v1/heartbeat": { "post": heartbeat },
            "/api/v1/licenses": {
                "post": op("Issue a license", Some(Scope::LicensesWrite), Some("IssueRequest"), ("201", "Issued")),
                "get": list,
            },
            "/api/v1/licenses/{id}": { "get": get },
            "/api/v1/licenses/{id}/revoke": { "post": with_id(op("Revoke a license", Some(Scope::LicensesWrite), Some("RevokeRequest"), ("200", "License"))) },
            "/api/v1/licenses/{id}/transfer": { "post": with_id(op("Transfer a license to a new owner", Some(Scope::LicensesWrite), Some("TransferRequest"), ("201", "Issued"))) },
            "/api/v1/licenses/{id}/renew": { "post": with_id(op("Renew: sign again with a later expiry (installs that used the license rotate the new token in)", Some(Scope::LicensesWrite), Some("RenewRequest"), ("200", "Issued"))) },
            "/api/v1/licenses/{id}/resend": { "post": with_id(op("Re-sign and e-mail a license", Some(Scope::LicensesWrite), None, ("200", "Issued"))) },
            "/api/v1/entitlements": { "get": op("Self-hosted: the entitlements in force", Some(Scope::EntitlementsRead), None, ("200", "Entitlements")) },
            "/api/v1/plugins/{plugin}": {
                "get": with_plugin(op("Self-hosted: a plugin's roles, seats and holders", Some(Scope::EntitlementsRead), None, ("200", "Plugin"))),
                "put": with_plugin(op("Self-hosted: declare a plugin's roles (replaces the declaration; a held role cannot be dropped: 409)", Some(Scope::SeatsWrite), Some("PluginRoles"), ("200", "Plugin"))),
            },
            "/api/v1/plugins/{plugin}/grants": {
                "post": seat_limit(with_plugin(op("Self-hosted: grant a role (201 granted, 200 already held, 409 seat_limit_reached)", Some(Scope::SeatsWrite), Some("Grant"), ("201", "Plugin")))),
                "delete": with_plugin(op("Self-hosted: take a role from a user (404 when not held)", Some(Scope::SeatsWrite), Some("Grant"), ("200", "Plugin"))),
            },
            "/api/v1/webhooks": {
                "get": op("Webhook endpoints (never their secrets)", Some(Scope::WebhooksManage), None, ("200", "WebhookList")),
                "post": op("Add a webhook endpoint; its whsec_ secret is in this answer only", Some(Scope::WebhooksManage), Some("WebhookRequest"), ("201", "WebhookAdded")),
            },
            "/api/v1/webhook-deliveries/{id}/redeliver": { "post": { "summary": "Send a webhook delivery again (202)", "security": [{ "bearer": [Scope::WebhooksManage] }],
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
                "responses": { "202": { "description": "queued" }, "404": { "$ref": "#/components/responses/Error" } } } },
            "/api/v1/products": { "get": public_catalog(op("The public catalog: listed products with their tiers, plans and public coupons (no sign-in)", None, None, ("200", "StoreProductList"))) },
            "/api/v1/products/{slug}": { "get": public_catalog(with_slug(op("One listed product (404 when internal, inactive or unknown)", None, None, ("200", "StoreProduct")))) },
            "/.well-known/jwks.json": { "get": { "summary": "Public signing keys (JWKS)", "responses": { "200": { "description": "JWKS" } } } },
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "Minted by `tessera api-token create --scope ...`" } },
            "responses": { "Error": { "description": "An error", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } },
            "schemas": schemas(),
        },
    })
}

/// Every documented path (tests check the router serves each).
pub fn paths() -> Vec<String> {
    spec()["paths"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// `GET /api/openapi.json`: what this install serves.
pub async fn document(State(state): State<AppState>) -> Json<Value> {
    Json(spec_for(state.backend.config().mode))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `GET /api/docs`: the endpoints, their scopes and bodies, rendered from the document.
pub async fn docs_page(State(state): State<AppState>) -> Response {
    let spec = spec_for(state.backend.config().mode);
    let mut rows = String::new();
    for (path, ops) in spec["paths"].as_object().into_iter().flatten() {
        for (method, op) in ops.as_object().into_iter().flatten() {
            let scope = op["security"][0]["bearer"][0].as_str().unwrap_or("—");
            let body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .unwrap_or("");
            rows.push_str(&format!(
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                method.to_uppercase(),
                escape(path),
                escape(op["summary"].as_str().unwrap_or("")),
                escape(scope),
                escape(body.rsplit('/').next().unwrap_or("")),
            ));
        }
    }
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Tessera API</title>\
         <link rel=\"stylesheet\" href=\"/pkg/tessera.css\"></head><body class=\"bg-slate-50 p-8 text-slate-900\">\
         <h1 class=\"text-2xl font-semibold\">Tessera API</h1>\
         <p class=\"my-3 text-sm\">Machine-readable: <a class=\"text-indigo-700\" href=\"/api/openapi.json\">/api/openapi.json</a>. \
         Send <code>Authorization: Bearer &lt;token&gt;</code>; mint tokens with <code>tessera api-token create --name N --scope licenses:read</code>. \
         Errors are <code>{{\"error\": code, \"message\": text}}</code>.</p>\
         <table class=\"mt-4 w-full bg-white text-left text-sm\"><thead><tr><th>Method</th><th>Path</th><th>What</th><th>Scope</th><th>Body</th></tr></thead>\
         <tbody>{rows}</tbody></table></body></html>"
    ))
    .into_response()
}
