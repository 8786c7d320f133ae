//! The OpenAPI paths and schemas of groups (customer orgs): trials and a group's licenses.

use serde_json::{json, Value};
use tessera_backend::customers::trials::MAX_TRIAL_DAYS;
use tessera_license::vocab::Scope;

/// The paths, merged into the document's.
pub fn paths() -> Value {
    let error = json!({ "$ref": "#/components/responses/Error" });
    let group = json!({ "name": "group", "in": "path", "required": true, "description": "The group's (org's) slug.", "schema": { "type": "string", "example": "acme-gmbh" } });
    json!({
        "/api/v1/trials/{group}": { "post": {
            "summary": "Start a free trial of a product for a group; the token is answered once and e-mailed to the group's owner",
            "description": format!("Requires an API token with scope `{}`. One trial at a time per group and product, then the product's `trial.cooldown_days` (from the trial's end) before the next; none while the group holds a paid license of it. Refused with 409 and `error` naming why: `no_trial` (the product offers none), `trial_active`, `trial_cooldown` (the message says from when), `already_licensed`. An unknown group answers 404 unless `email` is given: it is then made with that owner.", Scope::LicensesWrite),
            "security": [{ "bearer": [Scope::LicensesWrite] }],
            "parameters": [group],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TrialRequest" } } } },
            "responses": { "201": { "description": "The trial license and its token (shown once)", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Issued" } } } },
                "401": error, "403": error, "404": error, "409": error, "422": error } } },
        "/api/v1/groups/{group}/licenses": { "get": {
            "summary": "A group's licenses, newest first (no tokens)",
            "security": [{ "bearer": [Scope::LicensesRead] }],
            "parameters": [group],
            "responses": { "200": { "description": "The group and its licenses", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/GroupLicenses" } } } },
                "401": error, "403": error, "404": error } } },
    })
}

/// The schemas, merged into the document's.
pub fn schemas() -> Value {
    json!({
        "TrialRequest": { "type": "object", "additionalProperties": false, "required": ["product"], "properties": {
            "product": { "type": "string", "description": "The product's slug." },
            "days": { "type": "integer", "minimum": 1, "maximum": MAX_TRIAL_DAYS, "description": "Overrides the product's trial length." },
            "email": { "type": "string", "format": "email", "description": "The owner of a group that does not exist yet: it is made." },
            "company": { "type": "string", "description": "The new group's name (the slug when absent)." },
            "domains": { "type": "array", "items": { "type": "string" }, "description": "Domains the license binds (`localhost` when empty, unless the product requires a domain)." } } },
        "GroupLicenses": { "type": "object", "required": ["group", "name", "licenses"], "properties": {
            "group": { "type": "string" }, "name": { "type": "string" },
            "licenses": { "type": "array", "items": { "$ref": "#/components/schemas/License" } } } },
    })
}
