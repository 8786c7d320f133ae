use serde_json::{json, Value};
use tessera_backend::testing::Engine;
use tessera_license::vocab::{HeartbeatStatus, LicenseStatus, Scope};

use crate::helpers::{client, TestApp};
use tessera_backend::both_engines;

async fn api_token(app: &TestApp, scopes: &[&str]) -> String {
    let scopes: Vec<Scope> = scopes.iter().map(|s| s.parse().unwrap()).collect();
    app.api_token(&scopes).await
}

fn issue_body() -> Value {
    json!({
        "email": "buyer@example.com", "company": "Buyer Ltd", "tier": "growth", "kind": "trial",
        "product": "studio", "domains": ["example.com"], "features": ["sso"],
        "seats": { "crm": { "roles": { "agent": 3 } } }
    })
}

async fn post(app: &TestApp, path: &str, bearer: Option<&str>, body: &Value) -> (u16, Value) {
    app.api_post(path, bearer, body).await
}

both_engines! {
    async fn the_internal_api_enforces_scopes_and_runs_the_lifecycle(app: &TestApp) {
        let (status, body) = post(app, "/api/v1/licenses", None, &issue_body()).await;
        assert_eq!((status, body["error"].as_str()), (401, Some("unauthorized")));
        let reader = api_token(app, &["licenses:read"]).await;
        assert_eq!(post(app, "/api/v1/licenses", Some(&reader), &issue_body()).await.0, 403);
        let writer = api_token(app, &["licenses:read", "licenses:write"]).await;
        let (status, issued) = post(app, "/api/v1/licenses", Some(&writer), &issue_body()).await;
        assert_eq!(status, 201, "{issued}");
        let id = issued["license"]["id"].as_str().unwrap().to_string();
        assert_eq!(issued["license"]["claims"]["lic"]["seats"]["crm"]["roles"]["agent"], 3);
        assert!(issued["token"].as_str().unwrap().starts_with("eyJ"));

        let got: Value = serde_json::from_str(&app.api_get(&format!("/api/v1/licenses/{id}"), &reader).await.1).unwrap();
        assert_eq!(got["status"], LicenseStatus::Active.as_str());
        assert!(got.get("token").is_none(), "a stored license never carries its token");
        let listed: Value = serde_json::from_str(&app.api_get("/api/v1/licenses?email=BUYER@example.com", &reader).await.1).unwrap();
        assert_eq!(listed["total"], 1);

        let (status, resent) = post(app, &format!("/api/v1/licenses/{id}/resend"), Some(&writer), &json!({})).await;
        assert_eq!(status, 200);
        assert_ne!(resent["token"], issued["token"]);
        let (status, bad) = post(app, &format!("/api/v1/licenses/{id}/transfer"), Some(&writer), &json!({ "email": "n@example.org", "company": "New" })).await;
        assert_eq!((status, bad["error"].as_str()), (422, Some("invalid_input")));
        let transfer = json!({ "email": "n@example.org", "company": "New", "confirm_revocation": true, "confirm_new_owner": true });
        let (status, moved) = post(app, &format!("/api/v1/licenses/{id}/transfer"), Some(&writer), &transfer).await;
        assert_eq!(status, 201);
        let new_id = moved["license"]["id"].as_str().unwrap().to_string();
        let (status, revoked) = post(app, &format!("/api/v1/licenses/{new_id}/revoke"), Some(&writer), &json!({ "reason": "refund" })).await;
        assert_eq!((status, revoked["status"].as_str()), (200, Some("revoked")));
        let (status, again) = post(app, &format!("/api/v1/licenses/{new_id}/revoke"), Some(&writer), &json!({ "reason": "again" })).await;
        assert_eq!((status, again["error"].as_str()), (409, Some("conflict")));
        let missing = client().get(app.url("/api/v1/licenses/lic_nope")).bearer_auth(&reader).send().await.unwrap();
        assert_eq!(missing.status(), 404);
    }

    async fn heartbeats_answer_status_and_are_rate_limited(app: &TestApp) {
        let writer = api_token(app, &["licenses:write"]).await;
        let (_, issued) = post(app, "/api/v1/licenses", Some(&writer), &issue_body()).await;
        let token = issued["token"].as_str().unwrap();
        let beat = json!({ "token": token, "install_id": "inst-1", "version": "1.2.3", "accepted_kids": [] });
        let (status, answer) = post(app, "/api/v1/heartbeat", None, &beat).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!((answer["status"].as_str(), answer["revoked"].as_bool()), (Some(HeartbeatStatus::Active.as_str()), Some(false)));
        assert!(answer.get("token").is_none());
        let forged = json!({ "token": "eyJ.eyJ.sig", "install_id": "inst-1", "version": "1" });
        assert_eq!(post(app, "/api/v1/heartbeat", None, &forged).await.0, 422);
        let mut limited = None;
        for _ in 0..40 {
            let response = client().post(app.url("/api/v1/heartbeat")).json(&beat).send().await.unwrap();
            if response.status() == 429 {
                limited = Some(response);
                break;
            }
        }
        let limited = limited.expect("the per-license limit (30/min) must trip within 40 calls");
        assert!(limited.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
        let body: Value = limited.json().await.unwrap();
        assert_eq!(body["error"], "rate_limited");
    }

    async fn unreadable_requests_answer_in_the_error_shape(app: &TestApp) {
        let writer = api_token(app, &["licenses:write"]).await;
        let send = |body: &'static str, content_type: &'static str| {
            client().post(app.url("/api/v1/licenses")).bearer_auth(&writer).header("content-type", content_type).body(body).send()
        };
        for (body, content_type, status, code) in [
            ("{\"email\": ", "application/json", 400, "malformed_request"),
            ("{\"email\": 5}", "application/json", 422, "invalid_input"),
            ("email=a@example.com", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        ] {
            let response = send(body, content_type).await.unwrap();
            assert_eq!(response.status().as_u16(), status, "{body}");
            let answer: Value = response.json().await.expect("a JSON error body");
            assert_eq!(answer["error"], code, "{body}");
            assert!(!answer["message"].as_str().unwrap().is_empty());
        }
        let beat = client().post(app.url("/api/v1/heartbeat")).header("content-type", "application/json").body("not json").send().await.unwrap();
        assert_eq!(beat.status(), 400);
        assert_eq!(beat.json::<Value>().await.unwrap()["error"], "malformed_request");
        let reader = api_token(app, &["licenses:read"]).await;
        let listed = client().get(app.url("/api/v1/licenses?email=a@example.com&limit=many")).bearer_auth(&reader).send().await.unwrap();
        assert_eq!(listed.status(), 400);
        assert_eq!(listed.json::<Value>().await.unwrap()["error"], "malformed_request");
        assert_eq!(app.backend.list_licenses(Default::default()).await.unwrap().total, 0, "nothing was issued");
    }

    async fn every_documented_path_is_served(app: &TestApp) {
        let catalog = tessera_backend::catalog::CatalogSpec::from_yaml(include_str!("../../../docs/catalog.example.yaml")).unwrap();
        app.backend.apply_catalog(catalog, "test", false).await.unwrap();
        let spec: Value = client().get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
        assert_eq!(spec["openapi"], "3.1.0");
        let paths = spec["paths"].as_object().unwrap();
        assert!(paths.len() >= 7);
        for (path, ops) in paths {
            for method in ops.as_object().unwrap().keys() {
                let url = app.url(&path.replace("{id}", "lic_missing").replace("{slug}", "chat"));
                let response = client().request(method.to_uppercase().parse().unwrap(), url).json(&json!({})).send().await.unwrap();
                // Unauthenticated or empty requests: refused, but by a route that exists.
                let status = response.status().as_u16();
                assert!(![404, 405].contains(&status), "{method} {path} answered {status}");
            }
        }
        let docs = client().get(app.url("/api/docs")).send().await.unwrap().text().await.unwrap();
        assert!(docs.contains("/api/v1/licenses/{id}/transfer") && docs.contains("licenses:write"));
    }
}

/// Sends a heartbeat for `token` with an `X-Forwarded-For` header; answers the status.
async fn beat_via(app: &TestApp, token: &str, forwarded_for: &str) -> u16 {
    let beat = json!({ "token": token, "install_id": "inst-1", "version": "1.0.0" });
    client()
        .post(app.url("/api/v1/heartbeat"))
        .header("x-forwarded-for", forwarded_for)
        .json(&beat)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn last_heartbeat_ip(app: &TestApp, license_id: &str) -> String {
    app.backend.flush_heartbeats().await.unwrap();
    let detail = app.backend.license_detail(license_id).await.unwrap();
    detail.heartbeats[0].ip.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_the_forwarded_client_is_recorded_and_limited() {
    let app = TestApp::spawn_with(Engine::Sqlite, |config| {
        config.trusted_proxies =
            tessera_backend::config::TrustedProxies::parse("127.0.0.1").unwrap();
        config.heartbeat_per_ip_per_minute = 2;
    })
    .await;
    let issued = app
        .backend
        .issue_license(&crate::helpers::sample_license(), "test")
        .await
        .unwrap();
    let (id, token) = (issued.license.id, issued.token);
    assert_eq!(beat_via(&app, &token, "6.6.6.6, 203.0.113.9").await, 200);
    assert_eq!(
        last_heartbeat_ip(&app, &id).await,
        "203.0.113.9",
        "the right-most hop the proxy added, not the forged one"
    );
    assert_eq!(beat_via(&app, &token, "203.0.113.9").await, 200);
    assert_eq!(
        beat_via(&app, &token, "203.0.113.9").await,
        429,
        "the per-IP limit counts the client"
    );
    assert_eq!(
        beat_via(&app, &token, "198.51.100.4").await,
        200,
        "another client behind the same proxy is not throttled"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_trusted_proxies_a_forwarded_header_is_ignored() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let issued = app
        .backend
        .issue_license(&crate::helpers::sample_license(), "test")
        .await
        .unwrap();
    assert_eq!(beat_via(&app, &issued.token, "203.0.113.9").await, 200);
    assert_eq!(
        last_heartbeat_ip(&app, &issued.license.id).await,
        "127.0.0.1"
    );
}
