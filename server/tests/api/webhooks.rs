//! Webhook endpoints over HTTP: the API (scope, the secret answered once, refusals) and the
//! `/webhooks` page's add form.

use reqwest::Method;
use serde_json::json;
use tessera_backend::both_engines;
use tessera_license::vocab::Scope;

use crate::helpers::{client, TestApp};

both_engines! {
    async fn the_api_adds_endpoints_once_with_their_secret_and_refuses_bad_ones(app: &TestApp) {
        let manage = app.api_token(&[Scope::WebhooksManage]).await;
        let other = app.api_token(&[Scope::LicensesWrite]).await;
        let body = json!({ "url": "https://crm.example.com/hooks", "events": ["license.revoked"] });
        let (status, _) = app.api_call(Method::POST, "/api/v1/webhooks", &other, Some(&body)).await;
        assert_eq!(status, 403);
        let (status, added) = app.api_call(Method::POST, "/api/v1/webhooks", &manage, Some(&body)).await;
        assert_eq!(status, 201, "{added}");
        let secret = added["secret"].as_str().unwrap().to_string();
        assert!(secret.starts_with("whsec_"));
        assert_eq!(added["endpoint"]["events"], json!(["license.revoked"]));
        let (status, listed) = app.api_call(Method::GET, "/api/v1/webhooks", &manage, None).await;
        assert_eq!(status, 200);
        assert_eq!(listed[0]["url"], "https://crm.example.com/hooks");
        assert!(!listed.to_string().contains(&secret), "the secret is answered once");
        for bad in [json!({ "url": "http://crm.example.com/" }), json!({ "url": "https://x.example/", "events": ["license.exploded"] }), json!({ "url": "https://x.example/", "extra": 1 })] {
            let (status, _) = app.api_call(Method::POST, "/api/v1/webhooks", &manage, Some(&bad)).await;
            assert_eq!(status, 422, "{bad}");
        }
        let (status, _) = app.api_call(Method::POST, "/api/v1/webhook-deliveries/whd_missing/redeliver", &manage, Some(&json!({}))).await;
        assert_eq!(status, 404);
        // The secret is stored sealed, never as typed.
        let stored = app.backend.store().endpoints().await.unwrap();
        assert!(!stored[0].secret_sealed.contains(secret.trim_start_matches("whsec_")));
    }

    async fn the_page_adds_an_endpoint_and_shows_its_secret_once(app: &TestApp) {
        let cookie = app.sign_in(&app.admin_email, &app.admin_password).await;
        let added = app.post_form("/webhooks", &cookie, &[("action", "add"), ("url", "http://127.0.0.1:9/hook"), ("events", "license.revoked"), ("events", "license.renewed")]).await;
        assert_eq!(added.status(), 200);
        let html = added.text().await.unwrap();
        let at = html.find("whsec_").expect("the secret is shown");
        let secret: String = html[at..].chars().take_while(|c| *c != '"').collect();
        let page = client().get(app.url("/webhooks")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("http://127.0.0.1:9/hook") && page.contains("license.renewed, license.revoked"));
        assert!(!page.contains(&secret), "shown once");
        let refused = app.post_form("/webhooks", &cookie, &[("action", "add"), ("url", "ftp://nope")]).await;
        assert_eq!(refused.status(), 422);
        assert!(refused.text().await.unwrap().contains("must be https"));
    }
}
