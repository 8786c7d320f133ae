//! Selling's hot path, in one run on SQLite: signed `checkout.session.completed` events
//! handled by the webhook use case (signature, the event recorded by id, the license issued
//! with its payment, audit and outbox rows in one transaction), next to the same number of
//! licenses issued by hand (`issue_license`), interleaved so drift weighs on both alike; and
//! redeliveries of events already handled (the signature and one lookup).
//!
//! `BENCH_EVENTS` (default 1000) sizes it.

#[path = "support/env.rs"]
mod env;

use std::time::{Duration, Instant};

use env::env_or;
use tessera_backend::commerce::signature;
use tessera_backend::licenses::{IssueInput, IssueRequest};
use tessera_backend::store::{AuditAction, AuditEvent, CheckoutRow, CheckoutStatus};
use tessera_backend::testing::{Engine, TestDb};
use tessera_backend::Backend;

const SECRET: &str = "whsec_bench_0123456789";

fn request() -> IssueRequest {
    IssueInput {
        email: "buyer@example.com".into(),
        company: "Buyer Ltd".into(),
        tier: "enterprise".into(),
        product: "acme-chat".into(),
        domains: vec!["localhost".into()],
        ..Default::default()
    }
    .try_into()
    .expect("a valid request")
}

/// `n` pending checkouts of the one-off plan, and for each a signed completion event.
async fn paid_checkouts(backend: &Backend, n: u64, round: u64) -> Vec<(String, String)> {
    let catalog = backend.catalog().await.unwrap();
    let chat = catalog.product("chat").unwrap();
    let plan = chat
        .plans
        .iter()
        .find(|p| p.spec.lookup_key == "chat-enterprise-lifetime")
        .unwrap();
    let mut events = Vec::new();
    for i in 0..n {
        let id = format!("cs_bench_{round}_{i}");
        let row = CheckoutRow {
            id: id.clone(),
            reference: format!("chk_{round}_{i}"),
            product_id: chat.id.clone(),
            plan_id: plan.id.clone(),
            seats: 50,
            coupon_code: None,
            domains: "localhost".into(),
            company: "Buyer Ltd".into(),
            email: "buyer@example.com".into(),
            url: String::new(),
            status: CheckoutStatus::Pending,
            license_id: None,
            created_by: "bench".into(),
            created_at: tessera_backend::now(),
            completed_at: None,
            org_id: None,
        };
        let audit = AuditEvent {
            at: row.created_at,
            actor: "bench".into(),
            action: AuditAction::CheckoutCreated,
            subject: id.clone(),
            detail: serde_json::json!({}),
        };
        backend.store().insert_checkout(&row, &audit).await.unwrap();
        let payload = serde_json::json!({
            "id": format!("evt_bench_{round}_{i}"), "object": "event", "type": "checkout.session.completed",
            "created": tessera_backend::now(), "api_version": "2026-09-30.endive",
            "data": { "object": { "id": id, "object": "checkout.session", "mode": "payment", "status": "complete",
                "payment_status": "paid", "amount_total": 990_000, "currency": "eur",
                "payment_intent": format!("pi_bench_{round}_{i}"), "customer": "cus_bench", "subscription": null, "invoice": null } },
        })
        .to_string();
        let header = signature::header(SECRET, tessera_backend::now(), payload.as_bytes());
        events.push((payload, header));
    }
    events
}

async fn deliver(backend: &Backend, events: &[(String, String)]) -> Duration {
    let started = Instant::now();
    for (payload, header) in events {
        backend
            .stripe_webhook(payload.as_bytes(), header)
            .await
            .unwrap();
    }
    started.elapsed()
}

async fn by_hand(backend: &Backend, n: u64) -> Duration {
    let started = Instant::now();
    for _ in 0..n {
        backend.issue_license(&request(), "bench").await.unwrap();
    }
    started.elapsed()
}

fn main() {
    let n = env_or("BENCH_EVENTS", 1_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let db = TestDb::new(Engine::Sqlite).await;
        let config = tessera_backend::Config {
            stripe_webhook_secret: Some(SECRET.to_string().into()),
            ..db.config()
        };
        let backend = db.backend_with(config).await;
        backend.generate_key(None, "bench").await.unwrap();
        let catalog = tessera_backend::catalog::CatalogSpec::from_yaml(include_str!("../../docs/catalog.example.yaml")).unwrap();
        backend.apply_catalog(catalog, "bench", false).await.unwrap();

        let chunk = 100.min(n).max(1);
        let (mut manual, mut webhook, mut again) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
        for round in 0..n.div_ceil(chunk) {
            let events = paid_checkouts(&backend, chunk, round).await;
            manual += by_hand(&backend, chunk).await;
            webhook += deliver(&backend, &events).await;
            again += deliver(&backend, &events).await;
        }
        let total = n.div_ceil(chunk) * chunk;
        assert_eq!(backend.count_licenses().await.unwrap() as u64, 2 * total, "each event issued once");
        let rate = |d: Duration| total as f64 / d.as_secs_f64();
        println!("licenses issued by hand:            {:>7.0}/s", rate(manual));
        println!("signed checkout events -> licenses: {:>7.0}/s (one license each): {:.2}x the time of issuing by hand", rate(webhook), webhook.as_secs_f64() / manual.as_secs_f64());
        println!("redeliveries (already handled):     {:>7.0}/s: {:.2}x the time of issuing by hand ({total} of each, SQLite)", rate(again), again.as_secs_f64() / manual.as_secs_f64());
    });
}
