//! The OpenAPI paths and schemas of usage: what a self-hosted install's product reports of
//! its caps, and what the heartbeat carries to the vendor.

use serde_json::{json, Value};
use tessera_backend::usage::{MAX_ENTRIES, MAX_USED};
use tessera_license::vocab::Scope;

/// The paths, merged into the document's.
pub fn paths() -> Value {
    let error = json!({ "$ref": "#/components/responses/Error" });
    json!({
        "/api/v1/usage/{cap}": { "put": {
            "summary": "Self-hosted: how much of a cap the product uses now (sent to the vendor with the next heartbeat, shown on the customer's /billing)",
            "description": "Replaces the cap's last report. The cap need not be one the license sets; the answer's `licensed` is `null` then. Nothing is enforced by it.",
            "security": [{ "bearer": [Scope::SeatsWrite] }],
            "parameters": [{ "name": "cap", "in": "path", "required": true, "schema": { "type": "string", "minLength": 1, "maxLength": 64 }, "example": "rooms" }],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CapUsageRequest" } } } },
            "responses": { "200": { "description": "The cap as recorded", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CapUse" } } } },
                "401": error, "403": error, "422": error } } },
    })
}

/// The schemas, merged into the document's.
pub fn schemas() -> Value {
    let counts = |what: &str| {
        json!({ "type": "object", "maxProperties": MAX_ENTRIES, "description": what,
        "additionalProperties": { "type": "integer", "minimum": 0, "maximum": MAX_USED } })
    };
    json!({
        "CapUsageRequest": { "type": "object", "additionalProperties": false, "required": ["used"], "properties": {
            "used": { "type": "integer", "minimum": 0, "maximum": MAX_USED } } },
        "CapUse": { "type": "object", "required": ["cap", "used", "licensed", "reported_at"], "properties": {
            "cap": { "type": "string" }, "used": { "type": "integer" },
            "licensed": { "type": ["integer", "null"], "description": "What the license in force allows; null when it does not cap this." },
            "reported_at": { "type": "integer" } } },
        "Usage": { "type": "object", "description": "Optional in a heartbeat: what the deployment uses. The vendor keeps the latest report of each license and shows it on the customer's /billing against the license. Too many entries, a malformed name or an amount out of range is a 422 and nothing of the heartbeat is recorded.",
            "properties": {
            "seats": counts("Seats taken per plugin (distinct users holding a billable role); plugin names as in `/api/v1/plugins/{plugin}`."),
            "caps": counts("How much of each cap is used; names of 1 to 64 characters.") } },
    })
}
