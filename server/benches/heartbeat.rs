//! Heartbeat throughput and latency of the release server on SQLite, next to the same
//! server's `/healthz` in the same run. The server is the real `tessera serve` binary in a
//! child process; the load generator is this process, on loopback.
//!
//! Targets: heartbeat requests/s ≥ 0.5 × healthz requests/s, p99 < 10 ms, zero errors.
//!
//! The two loads alternate in one-second rounds (healthz then heartbeat, then the other way
//! round), so a machine whose speed drifts during the run (other tenants, CPU boost) weighs on
//! both sides alike. `BENCH_SECONDS` (default 8: seconds of each load) and `BENCH_CONNECTIONS`
//! (default 16) tune the run.

#[path = "support/load.rs"]
mod load;
mod support;

use load::{load, MakeRequest, Run};
use support::{env_or, Server};

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tessera_backend::licenses::{IssueInput, IssueRequest};
use tessera_backend::{Backend, Config};
use tessera_license::claims::{LicenseKind, Tier};

const LICENSES: usize = 200;

async fn seed(config: Config) -> Vec<String> {
    let backend = Backend::connect(config).await.expect("open bench database");
    backend
        .generate_key(Some("bench"), "bench")
        .await
        .expect("key");
    let mut tokens = Vec::with_capacity(LICENSES);
    for i in 0..LICENSES {
        let req = IssueRequest::try_from(IssueInput {
            email: format!("customer{i}@example.com"),
            company: format!("Customer {i}"),
            tier: Tier::Pro.to_string(),
            kind: Some(LicenseKind::Subscription.to_string()),
            product: "studio".into(),
            plan: Some("pro-monthly".into()),
            expires_at: chrono::DateTime::from_timestamp(tessera_backend::now() + 30 * 86_400, 0)
                .map(|t| t.to_rfc3339()),
            features: vec!["sso".into(), "audit".into()],
            plugins: vec!["crm".into()],
            domains: vec!["example.com".into()],
            ..IssueInput::default()
        })
        .expect("a valid request");
        tokens.push(
            backend
                .issue_license(&req, "bench")
                .await
                .expect("issue")
                .token,
        );
    }
    tokens
}

/// `bodies`: heartbeat request bodies, serialised once so the load generator (which shares
/// the machine with the server) spends its time sending, not building JSON; `None` is `/healthz`.
fn requests(base: &str, bodies: Option<Arc<Vec<bytes::Bytes>>>) -> MakeRequest {
    let base = base.to_string();
    Arc::new(move |client: &reqwest::Client, i: usize| match &bodies {
        None => client.get(format!("{base}/healthz")),
        Some(bodies) => client
            .post(format!("{base}/api/v1/heartbeat"))
            .header("content-type", "application/json")
            .body(bodies[i % bodies.len()].clone()),
    })
}

fn main() {
    let seconds = env_or("BENCH_SECONDS", 8);
    let connections = env_or("BENCH_CONNECTIONS", 16);
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("sqlite://{}/bench.db", dir.path().display());
    let kek = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let config = Config {
        database_url: url.clone(),
        data_dir: dir.path().to_path_buf(),
        kek: Some(kek.to_string().into()),
        ..Config::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let bodies: Vec<bytes::Bytes> = rt
        .block_on(seed(config))
        .iter()
        .enumerate()
        .map(|(i, token)| {
            let body = serde_json::json!({
                "token": token, "install_id": format!("install-{i}"), "version": "1.0.0",
                "accepted_kids": ["bench"], "fingerprint": "bench"
            });
            serde_json::to_vec(&body).unwrap().into()
        })
        .collect();
    let bodies = Arc::new(bodies);
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_tessera"))
            .arg("serve")
            .env("TESSERA_DATABASE_URL", &url)
            .env("TESSERA_DATA_DIR", dir.path())
            .env("TESSERA_KEK", kek)
            .env("TESSERA_BIND", format!("127.0.0.1:{port}"))
            .env("TESSERA_LOG", "warn")
            .env("TESSERA_HEARTBEAT_PER_LICENSE_PER_MINUTE", "100000000")
            .env("TESSERA_HEARTBEAT_PER_IP_PER_MINUTE", "100000000")
            .stdout(Stdio::null())
            .spawn()
            .expect("start tessera serve"),
    );
    let pid = server.0.id();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let round = Duration::from_secs(1);
    let (healthz, heartbeat) = (requests(&base, None), requests(&base, Some(bodies)));
    rt.block_on(load(pid, heartbeat.clone(), round, connections)); // warm-up
    let (mut health, mut beats) = (Run::empty(), Run::empty());
    let mut ratios = Vec::new();
    for r in 0..seconds {
        let (h, b) = if r % 2 == 0 {
            let h = rt.block_on(load(pid, healthz.clone(), round, connections));
            (
                h,
                rt.block_on(load(pid, heartbeat.clone(), round, connections)),
            )
        } else {
            let b = rt.block_on(load(pid, heartbeat.clone(), round, connections));
            (
                rt.block_on(load(pid, healthz.clone(), round, connections)),
                b,
            )
        };
        ratios.push(b.rps() / h.rps());
        health.absorb(h);
        beats.absorb(b);
    }
    ratios.sort_by(f64::total_cmp);
    println!("{connections} connections, {seconds} alternating 1 s rounds of each, SQLite, release server");
    health.report("healthz");
    beats.report("heartbeat");
    println!(
        "ratio heartbeat/healthz = {:.2}, per round {:.2} to {:.2}  (target >= 0.5; heartbeat p99 target < 10 ms; errors target 0)",
        beats.rps() / health.rps(),
        ratios[0],
        ratios[ratios.len() - 1]
    );
}
