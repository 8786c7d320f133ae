//! Trials through the API (`POST /api/v1/trials/{group}`) and `/billing`: one at a time per
//! group and product, a cooldown after, never beside a paid license; the group's licenses
//! (`GET /api/v1/groups/{group}/licenses`). The trial token verifies with PyJWT.

use serde_json::json;
use tessera_license::vocab::Scope;

use crate::customers_support::{customer_cookie, example_catalog, get, org, pyjwt_decode};
use crate::helpers::TestApp;
use tessera_backend::both_engines;

const DAY: i64 = 86_400;

both_engines! {
    async fn a_group_trials_a_product_once_then_waits_out_the_cooldown(app: &TestApp) {
        example_catalog(app).await;
        let write = app.api_token(&[Scope::LicensesWrite]).await;
        let read = app.api_token(&[Scope::LicensesRead]).await;
        // An unknown group without an owner is not made.
        let (status, body) = app.api_post("/api/v1/trials/acme", Some(&write), &json!({"product": "chat"})).await;
        assert_eq!((status, body["error"].as_str()), (404, Some("not_found")), "{body}");
        // With one it is, and the trial runs the product's 14 days.
        let (status, first) = app.api_post("/api/v1/trials/acme", Some(&write), &json!({
            "product": "chat", "email": "Owner@Acme.example", "company": "Acme GmbH",
        })).await;
        assert_eq!(status, 201, "{first}");
        let license = &first["license"];
        assert_eq!(license["kind"], "trial");
        assert_eq!(license["tier"], "trial");
        let issued_at = license["issued_at"].as_i64().unwrap();
        assert_eq!(license["expires_at"].as_i64().unwrap() - issued_at, 14 * DAY);
        let token = first["token"].as_str().unwrap();
        let claims = pyjwt_decode(app, token, "acme-chat").await;
        assert_eq!(claims["lic"]["kind"], "trial");
        assert_eq!(claims["lic"]["trial"], true);
        assert_eq!(claims["lic"]["customer"]["company"], "Acme GmbH");
        let (_, members) = app.backend.org_with_members("acme").await.unwrap();
        assert_eq!(members[0].email, "owner@acme.example");
        // While it runs: 409 trial_active.
        let (status, body) = app.api_post("/api/v1/trials/acme", Some(&write), &json!({"product": "chat"})).await;
        assert_eq!((status, body["error"].as_str()), (409, Some("trial_active")), "{body}");
        assert!(body["message"].as_str().unwrap().contains("until"));
        // Ended 10 days ago: the 90-day cooldown runs, and says when it ends.
        app.db.sql(&[&format!("UPDATE trials SET ends_at = ends_at - {}", 24 * DAY)]).await;
        let (status, body) = app.api_post("/api/v1/trials/acme", Some(&write), &json!({"product": "chat"})).await;
        assert_eq!((status, body["error"].as_str()), (409, Some("trial_cooldown")), "{body}");
        assert!(body["message"].as_str().unwrap().contains("may start another trial on"));
        // After it: a second trial, of the length the call asks for.
        app.db.sql(&[
            &format!("UPDATE trials SET ends_at = ends_at - {}", 90 * DAY),
            // It was issued then, too (both are otherwise issued within the same second).
            &format!("UPDATE licenses SET created_at = created_at - {}", 128 * DAY),
        ]).await;
        let (status, second) = app.api_post("/api/v1/trials/acme", Some(&write), &json!({"product": "chat", "days": 30})).await;
        assert_eq!(status, 201, "{second}");
        let span = second["license"]["expires_at"].as_i64().unwrap() - second["license"]["issued_at"].as_i64().unwrap();
        assert_eq!(span, 30 * DAY);
        // Bad input names its field; a product without trials says so.
        let (status, body) = app.api_post("/api/v1/trials/acme", Some(&write), &json!({"product": "chat", "days": 0})).await;
        assert_eq!(status, 422, "{body}");
        let (status, body) = app.api_post("/api/v1/trials/acme", Some(&write), &json!({"product": "chat-internal"})).await;
        assert!(status == 409 || status == 422, "{status} {body}");
        let (status, body) = app.api_post("/api/v1/trials/Not%20A%20Slug", Some(&write), &json!({"product": "chat", "email": "a@b.example"})).await;
        assert_eq!(status, 422, "{body}");
        // Scopes: a read token may not start one; a write-only token may not list.
        let (status, _) = app.api_post("/api/v1/trials/acme", Some(&read), &json!({"product": "chat"})).await;
        assert_eq!(status, 403);
        let (status, _) = app.api_get("/api/v1/groups/acme/licenses", &write).await;
        assert_eq!(status, 403);
        // The group's licenses, newest first, without tokens.
        let (status, text) = app.api_get("/api/v1/groups/acme/licenses", &read).await;
        assert_eq!(status, 200, "{text}");
        let listed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(listed["group"], "acme");
        assert_eq!(listed["name"], "Acme GmbH");
        let ids: Vec<&str> = listed["licenses"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap()).collect();
        assert_eq!(ids, [second["license"]["id"].as_str().unwrap(), license["id"].as_str().unwrap()]);
        assert!(!text.contains(token) && !text.contains("eyJ"), "no token in the list");
        let (status, _) = app.api_get("/api/v1/groups/nobody/licenses", &read).await;
        assert_eq!(status, 404);
    }

    async fn an_owner_starts_a_trial_from_billing_and_a_paid_license_stops_more(app: &TestApp) {
        example_catalog(app).await;
        org(app, "Acme GmbH", "owner@acme.example").await;
        let owner = customer_cookie(app, "owner@acme.example").await;
        let (_, page) = get(app, "/billing", &owner).await;
        assert!(page.contains("Start a free trial (14 days) of Acme Chat"), "{page}");
        let started = app.post_form("/billing", &owner, &[("action", "trial"), ("org", "acme-gmbh"), ("product", "chat")]).await;
        assert_eq!(started.status(), 303);
        assert!(started.headers()["location"].to_str().unwrap().contains("trial+started"));
        let (_, page) = get(app, "/billing", &owner).await;
        assert!(page.contains("active · trial"), "{page}");
        assert!(page.contains("Ends "), "the trial's end is shown");
        let again = app.post_form("/billing", &owner, &[("action", "trial"), ("org", "acme-gmbh"), ("product", "chat")]).await;
        assert_eq!(again.status(), 409);
        assert!(again.text().await.unwrap().contains("already trialling"));
        // A paid license of the product (issued by staff here) stops any trial.
        app.db.sql(&["UPDATE trials SET ends_at = 1"]).await;
        let mut paid = crate::helpers::sample_license();
        paid.product = "acme-chat".parse().unwrap();
        let paid = app.backend.issue_license(&paid, "test").await.unwrap().license;
        app.db.sql(&[&format!("UPDATE licenses SET org_id = (SELECT id FROM orgs WHERE slug = 'acme-gmbh') WHERE id = '{}'", paid.id)]).await;
        let refused = app.post_form("/billing", &owner, &[("action", "trial"), ("org", "acme-gmbh"), ("product", "chat")]).await;
        assert_eq!(refused.status(), 409);
        assert!(refused.text().await.unwrap().contains("already holds a paid license"));
    }
}
