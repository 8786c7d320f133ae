//! The REST API's JSON, pinned by snapshots (`server/tests/snapshots/`): every field once,
//! claims as an object, the vocabulary's spellings. Both engines must give the same shapes.

use serde_json::json;

use tessera_license::vocab::Scope;

use crate::helpers::TestApp;
use crate::snapshot::{assert_no_duplicate_keys, assert_snapshot};
use tessera_backend::both_engines;

async fn get(app: &TestApp, path: &str, bearer: &str) -> String {
    let (status, text) = app.api_get(path, bearer).await;
    assert_eq!(status, 200, "{path}: {text}");
    text
}

both_engines! {
    async fn the_license_answers_keep_their_shape(app: &TestApp) {
        let scopes = [Scope::LicensesRead, Scope::LicensesWrite];
        let bearer = app.api_token(&scopes).await;
        let body = json!({
            "email": "buyer@example.com", "company": "Buyer Ltd", "tax_id": "B123", "tier": "growth",
            "kind": "subscription", "expires_at": "2031-01-31", "product": "studio", "plan": "growth-yearly",
            "domains": ["example.com"], "features": ["sso", "audit"], "plugins": ["crm"],
            "seats": { "crm": { "roles": { "agent": 3 }, "pool": 5 } }, "caps": { "rooms": 10 }
        });
        let (status, issued) = app.api_post_text("/api/v1/licenses", Some(&bearer), &body).await;
        assert_eq!(status, 201, "{issued}");
        assert_no_duplicate_keys(&issued);
        assert_snapshot("rest_issued", &issued);
        let id = serde_json::from_str::<serde_json::Value>(&issued).unwrap()["license"]["id"].as_str().unwrap().to_string();
        let license = get(app, &format!("/api/v1/licenses/{id}"), &bearer).await;
        assert_no_duplicate_keys(&license);
        assert_snapshot("rest_license", &license);
        let list = get(app, "/api/v1/licenses?email=buyer@example.com", &bearer).await;
        assert_no_duplicate_keys(&list);
        assert_snapshot("rest_license_list", &list);
    }
}
