//! Webhooks from the real binary to receivers on loopback: deliveries verify with the PyPI
//! `standardwebhooks` library, an endpoint's event filter holds, a failing endpoint is
//! retried, a slow one delays no other, and an operator's redelivery arrives again.

use std::io::Write as _;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Value};

use super::shutdown::{start_serving, stop_and_read};
use super::*;
use tessera_backend::both_engines;

/// What a receiver was sent: the three Standard Webhooks headers and the body.
#[derive(Debug, Clone)]
struct Received {
    headers: Value,
    body: String,
}

/// A receiver on loopback that answers each request with the next of `answers` (the last
/// one repeats), after `delay`.
struct Receiver {
    url: String,
    seen: Arc<Mutex<Vec<Received>>>,
}

async fn receiver(answers: Vec<u16>, delay: Duration) -> Receiver {
    let seen: Arc<Mutex<Vec<Received>>> = Arc::default();
    let kept = Arc::clone(&seen);
    let handler = move |headers: HeaderMap, body: String| {
        let (kept, answers) = (Arc::clone(&kept), answers.clone());
        async move {
            tokio::time::sleep(delay).await;
            let header = |name: &str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string()
            };
            let mut seen = kept.lock().unwrap();
            let n = seen.len();
            seen.push(Received {
                headers: json!({
                    "webhook-id": header("webhook-id"),
                    "webhook-timestamp": header("webhook-timestamp"),
                    "webhook-signature": header("webhook-signature"),
                }),
                body,
            });
            StatusCode::from_u16(*answers.get(n).or(answers.last()).unwrap()).unwrap()
        }
    };
    let app = axum::Router::new().route("/hook", axum::routing::post(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver { url, seen }
}

impl Receiver {
    fn seen(&self) -> Vec<Received> {
        self.seen.lock().unwrap().clone()
    }

    /// Waits until this receiver has been sent `count` requests (20 s at most).
    async fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while self.seen().len() < count {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} of {count} deliveries arrived",
                self.seen().len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.seen()
    }
}

/// Verifies every delivery with the reference library; answers how many verified.
fn verify(secret: &str, deliveries: &[Received]) -> usize {
    let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support/verify_webhooks.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(secret)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    for d in deliveries {
        writeln!(input, "{}", json!({ "headers": d.headers, "body": d.body })).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "standardwebhooks refused a delivery: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// `tessera webhooks add`: the endpoint id and its secret.
fn add(cli: &Cli, url: &str, events: &[&str]) -> (String, String) {
    let mut args = vec!["webhooks", "add", "--url", url];
    for event in events {
        args.extend(["--event", event]);
    }
    let out = cli.ok(&args);
    let id = out.split_whitespace().nth(1).unwrap().to_string();
    (id, out.lines().last().unwrap().to_string())
}

both_engines! {
    async fn signed_deliveries_verify_are_filtered_retried_isolated_and_redelivered(cli: &Cli) {
        let good = receiver(vec![204], Duration::ZERO).await;
        let flaky = receiver(vec![500, 200], Duration::ZERO).await;
        let slow = receiver(vec![200], Duration::from_secs(30)).await;
        let (good_id, good_secret) = add(cli, &good.url, &["license.revoked"]);
        let (_, flaky_secret) = add(cli, &flaky.url, &[]);
        add(cli, &slow.url, &[]);
        let refused = cli.run(&["webhooks", "add", "--url", "http://crm.example.com/hook"]);
        assert!(!refused.status.success(), "plain http to another host is refused");

        let (mut server, base, log) = start_serving(&cli.db, &[]).await;
        cli.issue(&[]);
        let listed: Value = serde_json::from_str(&cli.ok(&["license", "list", "--json"])).unwrap();
        let id = listed["licenses"][0]["id"].as_str().unwrap().to_string();
        let bearer = cli.ok(&["api-token", "create", "--name", "crm", "--scope", "licenses:write"]);
        let resent = reqwest::Client::new().post(format!("{base}/api/v1/licenses/{id}/resend"))
            .bearer_auth(bearer.lines().last().unwrap()).json(&json!({})).send().await.unwrap();
        assert!(resent.status().is_success());
        let revoked_at = tokio::time::Instant::now();
        cli.ok(&["license", "revoke", &id, "--reason", "chargeback"]);

        // The good endpoint wants only revocations; the slow one (30 s, past the 10 s
        // timeout) holds nobody up.
        let got = good.wait_for(1).await;
        assert!(revoked_at.elapsed() < Duration::from_secs(8), "the good endpoint waited {:?}", revoked_at.elapsed());
        assert_eq!(verify(&good_secret, &got), 1);
        let payload: Value = serde_json::from_str(&got[0].body).unwrap();
        assert_eq!(payload["type"], "license.revoked");
        assert_eq!(got[0].headers["webhook-id"], payload["id"]);

        // The flaky endpoint answered 500 to its first attempts and is retried (5 s later).
        let flaky_got = flaky.wait_for(3).await;
        assert_eq!(verify(&flaky_secret, &flaky_got), flaky_got.len());
        let deliveries = cli.ok(&["webhooks", "deliveries", &good_id]);
        assert!(deliveries.contains("delivered") && deliveries.contains("last answer 204"), "{deliveries}");

        // The operator redelivers: the same webhook-id arrives again, signed afresh.
        let delivery = deliveries.split_whitespace().next().unwrap().to_string();
        cli.ok(&["webhooks", "redeliver", &delivery]);
        let again = good.wait_for(2).await;
        assert_eq!(again[1].headers["webhook-id"], again[0].headers["webhook-id"]);
        assert_eq!(verify(&good_secret, &again), 2);
        stop_and_read(&mut server, &log).await;
    }
}
