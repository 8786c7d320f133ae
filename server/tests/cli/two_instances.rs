//! Two processes of the same binary on loopback, each with its own database: a vendor
//! Tessera and a self-hosted one. The install takes its license from `TESSERA_LICENSE`,
//! heartbeats every 2 s, enforces seats, and learns of the vendor's revocation by itself.

use std::time::Duration;

use serde_json::{json, Value};

use super::shutdown::{start_serving, stop_and_read};
use super::*;
use tessera_backend::both_engines;

async fn api(
    method: reqwest::Method,
    url: String,
    bearer: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(method, url)
        .bearer_auth(bearer);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Polls `check` every 200 ms for up to 20 s.
pub(crate) async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

both_engines! {
    async fn a_vendor_and_a_self_hosted_install_talk_over_loopback(vendor: &Cli) {
        let (mut vendor_server, vendor_url, vendor_log) = start_serving(&vendor.db, &[]).await;
        let token = vendor.issue(&["--domain", "localhost", "--plugin", "booking", "--seats", "booking=2", "--feature", "sso"]);
        let id = vendor.ok(&["license", "list", "--json"]);
        let id = serde_json::from_str::<Value>(&id).unwrap()["licenses"][0]["id"].as_str().unwrap().to_string();
        let jwks = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(jwks.path(), vendor.ok(&["keys", "jwks"])).unwrap();

        let engine = if vendor.db.url.starts_with("postgres") { Engine::Postgres } else { Engine::Sqlite };
        let install = Cli::new(engine).await;
        let bearer = install.ok(&["api-token", "create", "--name", "product", "--scope", "entitlements:read", "--scope", "seats:write"]);
        let bearer = bearer.lines().last().unwrap().to_string();
        let jwks_path = jwks.path().to_str().unwrap();
        let (mut install_server, install_url, install_log) = start_serving(&install.db, &[
            ("TESSERA_MODE", "self-host"),
            ("TESSERA_VENDOR_JWKS", jwks_path),
            ("TESSERA_VENDOR_URL", &vendor_url),
            ("TESSERA_LICENSE", &token),
            ("TESSERA_PRODUCT", "studio"),
            ("TESSERA_HEARTBEAT_INTERVAL", "2s"),
        ]).await;
        let entitlements = || api(reqwest::Method::GET, format!("{install_url}/api/v1/entitlements"), &bearer, None);

        let (status, e) = entitlements().await;
        assert_eq!(status, 200, "{e}");
        assert_eq!((e["state"].as_str(), e["license_id"].as_str()), (Some("active"), Some(id.as_str())));

        // The vendor's panel shows the install after its first heartbeat.
        eventually("the vendor lists the install", || async {
            let shown: Value = serde_json::from_str(&vendor.ok(&["license", "show", &id, "--json"])).unwrap();
            shown["installs_total"].as_i64() == Some(1)
        }).await;

        // The seat turnstile refuses the third billable user.
        let plugin = format!("{install_url}/api/v1/plugins/booking");
        let (status, _) = api(reqwest::Method::PUT, plugin.clone(), &bearer, Some(json!({"roles": [{"name": "booking.editor", "billable": true}]}))).await;
        assert_eq!(status, 200);
        let grants = format!("{plugin}/grants");
        for (user, want) in [("u1", 201), ("u2", 201), ("u3", 409)] {
            let (status, body) = api(reqwest::Method::POST, grants.clone(), &bearer, Some(json!({"user": user, "role": "booking.editor"}))).await;
            assert_eq!(status, want, "{user}: {body}");
        }

        // The vendor transfers the license: the new token rotates in on the same install.
        let ops = vendor.ok(&["api-token", "create", "--name", "ops", "--scope", "licenses:write"]);
        let to = json!({"email": "it@new-owner.example", "company": "New Owner", "confirm_revocation": true, "confirm_new_owner": true});
        let (status, moved) = api(reqwest::Method::POST, format!("{vendor_url}/api/v1/licenses/{id}/transfer"), ops.lines().last().unwrap(), Some(to)).await;
        assert_eq!(status, 201, "{moved}");
        let new_id = moved["license"]["id"].as_str().unwrap().to_string();
        eventually("the new license rotates in", || async {
            let (_, e) = entitlements().await;
            e["license_id"].as_str() == Some(new_id.as_str()) && e["state"] == "active"
        }).await;

        // The vendor revokes: the install turns revoked on a heartbeat of its own.
        vendor.ok(&["license", "revoke", &new_id, "--reason", "chargeback"]);
        eventually("the install is revoked", || async { entitlements().await.1["state"] == "revoked" }).await;
        let (_, e) = entitlements().await;
        assert_eq!(e["features"], json!([]));
        assert!(e["banner"].as_str().unwrap().contains("revoked"));

        let log = stop_and_read(&mut install_server, &install_log).await;
        assert!(log.contains("installed the license from TESSERA_LICENSE"), "{log}");
        stop_and_read(&mut vendor_server, &vendor_log).await;
    }

    async fn a_self_hosted_install_keeps_its_token_when_tessera_license_is_bad(install: &Cli) {
        let vendor = tessera_backend::testing::TestVendor::new();
        let good = vendor.sign(&vendor.claims());
        let jwks_path = vendor.jwks_path.to_str().unwrap().to_string();
        let start = |license: String| {
            let jwks_path = jwks_path.clone();
            async move {
                let env = [("TESSERA_MODE", "self-host"), ("TESSERA_VENDOR_JWKS", jwks_path.as_str()), ("TESSERA_LICENSE", license.as_str())];
                start_serving(&install.db, &env).await
            }
        };
        let (mut server, _, log) = start(good).await;
        stop_and_read(&mut server, &log).await;
        let (mut server, url, log) = start("garbage.token.here".into()).await;
        let bearer = install.ok(&["api-token", "create", "--name", "p", "--scope", "entitlements:read"]);
        let (_, e) = api(reqwest::Method::GET, format!("{url}/api/v1/entitlements"), bearer.lines().last().unwrap(), None).await;
        assert_eq!(e["state"], "active", "a bad TESSERA_LICENSE replaced the good token");
        let log = stop_and_read(&mut server, &log).await;
        assert!(log.contains("TESSERA_LICENSE was not installed"), "{log}");
    }

    async fn a_self_hosted_install_refuses_to_start_without_the_vendors_keys(install: &Cli) {
        let out = install.run_env(&["serve"], &[("TESSERA_MODE", "self-host"), ("TESSERA_BIND", "127.0.0.1:0")]);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("TESSERA_VENDOR_JWKS"), "{err}");
    }
}
