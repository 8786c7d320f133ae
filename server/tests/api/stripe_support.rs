//! A vendor selling through a Stripe stand-in: the server configured with the stand-in's
//! base URL, a secret key and a webhook signing secret, the example catalog applied and
//! synced; payloads signed by the official stripe-node SDK.

use std::io::Write as _;
use std::process::{Command, Stdio};

use serde_json::{json, Value};
use tessera_backend::testing::{Engine, TestVendor};
use tessera_stripe_standin::StandIn;

use crate::helpers::{bare_client, TestApp};

pub const WEBHOOK_SECRET: &str = "whsec_tessera_tests_0123456789";

/// The server and its stand-in.
pub struct Shop {
    pub app: TestApp,
    pub standin: StandIn,
    /// The stand-in's base URL (`http://127.0.0.1:PORT/`).
    pub base: String,
    _vendor: TestVendor,
}

impl tessera_backend::testing::Fixture for Shop {
    fn start(engine: Engine) -> impl std::future::Future<Output = Self> {
        Shop::open(engine)
    }
}

impl Shop {
    /// A vendor licensed for `recurring_billing` by its own Tessera license.
    pub async fn open(engine: Engine) -> Self {
        Self::open_with(engine, true).await
    }

    /// A vendor licensed (for `recurring_billing`) or at the free Creator tier.
    pub async fn open_with(engine: Engine, licensed: bool) -> Self {
        let vendor = TestVendor::new();
        let mut claims = vendor.claims();
        claims.lic.features = vec!["recurring_billing".into()];
        let token = vendor.sign(&claims);
        let standin = StandIn::default();
        let base = standin.spawn().await.unwrap();
        let app = TestApp::spawn_with(engine, |c| {
            c.stripe_secret_key = Some("sk_test_shop".to_string().into());
            c.stripe_api_base = Some(base.clone());
            c.stripe_webhook_secret = Some(WEBHOOK_SECRET.to_string().into());
            if licensed {
                c.vendor_jwks = Some(vendor.jwks_path.clone());
                c.license = Some(token.into());
            }
        })
        .await;
        if licensed {
            app.backend.install_configured_license().await.unwrap();
        }
        let catalog = tessera_backend::catalog::CatalogSpec::from_yaml(include_str!(
            "../../../docs/catalog.example.yaml"
        ))
        .unwrap();
        app.backend
            .apply_catalog(catalog, "test", false)
            .await
            .unwrap();
        app.backend.sync_products(|_| {}).await.unwrap();
        let _ = standin
            .clone()
            .webhook(&app.url("/api/v1/stripe/webhook"), WEBHOOK_SECRET);
        Self {
            app,
            standin,
            base,
            _vendor: vendor,
        }
    }

    /// Posts `payload` to the webhook with `signature`; answers the status and the body.
    pub async fn post_event(&self, payload: &str, signature: &str) -> (u16, Value) {
        let answer = bare_client()
            .post(self.app.url("/api/v1/stripe/webhook"))
            .header("content-type", "application/json")
            .header("stripe-signature", signature)
            .body(payload.to_string())
            .send()
            .await
            .unwrap();
        let status = answer.status().as_u16();
        let text = answer.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(json!(text)))
    }

    /// Signs `payload` with stripe-node and delivers it.
    pub async fn deliver(&self, payload: &str) -> (u16, Value) {
        let header = stripe_node_sign(&[payload], None).remove(0);
        self.post_event(payload, &header).await
    }
}

/// `Stripe-Signature` headers for `payloads`, made by stripe-node's
/// `webhooks.generateTestHeaderString` (at `timestamp`, or now).
pub fn stripe_node_sign(payloads: &[&str], timestamp: Option<i64>) -> Vec<String> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/sign_stripe.js");
    let items: Vec<Value> = payloads
        .iter()
        .map(|p| json!({ "payload": p, "secret": WEBHOOK_SECRET, "timestamp": timestamp }))
        .collect();
    let mut child = Command::new("node")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs (npm install puts stripe in node_modules)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(&items).unwrap().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "sign_stripe.js failed");
    serde_json::from_slice(&out.stdout).unwrap()
}
