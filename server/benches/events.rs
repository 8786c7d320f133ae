//! License events, in one run on SQLite:
//! - the cost an event adds to a change: N revocations recording their event, next to N
//!   revocations of the same kind written without one (the store call with no event);
//! - outbox throughput to a private `nats-server` (JetStream, file storage): events/s from a
//!   backlog of M events, each acknowledged by the broker before it is marked.
//!
//! `BENCH_CHANGES` (default 2000) and `BENCH_EVENTS` (default 5000) size it.

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{env_or, Server};
use tessera_backend::events::{license_event, LicenseEventType, Source};
use tessera_backend::licenses::{IssueInput, IssueRequest};
use tessera_backend::store::{AuditAction, AuditEvent, LicenseStatus};
use tessera_backend::testing::{Engine, TestDb};
use tessera_backend::Backend;

fn request() -> IssueRequest {
    IssueInput {
        email: "buyer@example.com".into(),
        company: "Buyer Ltd".into(),
        tier: "pro".into(),
        product: "studio".into(),
        domains: vec!["example.com".into()],
        ..Default::default()
    }
    .try_into()
    .expect("a valid request")
}

/// Issues `n` licenses; answers their ids.
async fn licenses(backend: &Backend, n: u64) -> Vec<String> {
    let mut ids = Vec::new();
    for _ in 0..n {
        ids.push(
            backend
                .issue_license(&request(), "bench")
                .await
                .unwrap()
                .license
                .id,
        );
    }
    ids
}

/// Revokes every license through the store, with or without its event; answers the time.
async fn revoke_all(backend: &Backend, ids: &[String], with_event: bool) -> Duration {
    let started = Instant::now();
    for id in ids {
        let row = backend.get_license(id).await.unwrap();
        let audit = AuditEvent {
            at: tessera_backend::now(),
            actor: "bench".into(),
            action: AuditAction::LicenseRevoked,
            subject: id.clone(),
            detail: serde_json::json!({ "reason": "bench" }),
        };
        let events = if with_event {
            vec![license_event(
                LicenseEventType::Revoked,
                &row,
                Source::Manual,
                serde_json::json!({}),
                audit.at,
            )]
        } else {
            Vec::new()
        };
        backend
            .store()
            .end_license(id, LicenseStatus::Revoked, "bench", &audit, &events)
            .await
            .unwrap();
    }
    started.elapsed()
}

fn main() {
    let changes = env_or("BENCH_CHANGES", 2_000);
    let events = env_or("BENCH_EVENTS", 5_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let db = TestDb::new(Engine::Sqlite).await;
        let backend = db.backend().await;
        backend.generate_key(None, "bench").await.unwrap();

        // Interleaved halves, so drift weighs on both alike.
        let ids = licenses(&backend, changes * 2).await;
        let (mut with, mut without) = (Duration::ZERO, Duration::ZERO);
        for pair in ids.chunks(200) {
            let (a, b) = pair.split_at(pair.len() / 2);
            without += revoke_all(&backend, a, false).await;
            with += revoke_all(&backend, b, true).await;
        }
        let per = |d: Duration| d.as_secs_f64() * 1e6 / changes as f64;
        println!("revocation without its event {:>7.1} µs, with it {:>7.1} µs: ratio {:.2} ({} changes each, SQLite)",
            per(without), per(with), per(with) / per(without), changes);

        // A backlog of `events` events, published to a private JetStream.
        let extra = licenses(&backend, events.saturating_sub(changes)).await;
        for id in &extra {
            backend.revoke_license(id, "bench", "bench").await.unwrap();
        }
        let backlog = backend.outbox_backlog().await.unwrap().count;
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let store = tempfile::tempdir().unwrap();
        let _nats = Server(Command::new("nats-server")
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
            .arg(store.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server"));
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            std::thread::sleep(Duration::from_millis(50));
        }
        let sink = tessera_events::JetStream::connect(&format!("nats://127.0.0.1:{port}"), None).await.unwrap();
        let started = Instant::now();
        let mut published = 0;
        while published < backlog {
            published += backend.publish_outbox(&sink, "bench", 256).await.unwrap().events as i64;
        }
        let elapsed = started.elapsed();
        println!("outbox to JetStream: {published} events in {:.2} s = {:.0} events/s (each acknowledged, then marked)",
            elapsed.as_secs_f64(), published as f64 / elapsed.as_secs_f64());
    });
}
