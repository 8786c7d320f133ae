//! Heartbeat throughput and latency of the release server on SQLite, next to the same
//! server's `/healthz` in the same run. The server is the real `tessera serve` binary in a
//! child process; the load generator is this process, on loopback.
//!
//! Targets: heartbeat requests/s ≥ 0.5 × healthz requests/s, p99 < 10 ms, zero errors.
//! `BENCH_SECONDS` (default 5) and `BENCH_CONNECTIONS` (default 16) tune the run.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tessera_backend::licenses::IssueRequest;
use tessera_backend::{Backend, Config};
use tessera_license::claims::{LicenseKind, Tier};

const LICENSES: usize = 200;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn seed(config: Config) -> Vec<String> {
    let backend = Backend::connect(config).await.expect("open bench database");
    backend
        .generate_key(Some("bench"), "bench")
        .await
        .expect("key");
    let mut tokens = Vec::with_capacity(LICENSES);
    for i in 0..LICENSES {
        let req = IssueRequest {
            email: format!("customer{i}@example.com"),
            company: format!("Customer {i}"),
            tax_id: None,
            tier: Tier::Pro,
            kind: LicenseKind::Subscription,
            product: "studio".into(),
            plan: Some("pro-monthly".into()),
            expires_at: Some(tessera_backend::now() + 30 * 86_400),
            support_period: None,
            features: vec!["sso".into(), "audit".into()],
            plugins: vec!["crm".into()],
            themes: vec![],
            niches: vec![],
            domains: vec!["example.com".into()],
            seats: Default::default(),
            node_lock: None,
            caps: Default::default(),
            early_adopter: false,
            send_email: false,
        };
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

struct Run {
    requests: u64,
    errors: u64,
    latencies: Vec<Duration>,
    elapsed: Duration,
}

impl Run {
    fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&mut self, p: f64) -> Duration {
        self.latencies.sort_unstable();
        let i = ((self.latencies.len() as f64 * p).ceil() as usize).saturating_sub(1);
        self.latencies.get(i).copied().unwrap_or_default()
    }
}

async fn load(base: &str, tokens: Option<Arc<Vec<String>>>, seconds: u64, connections: u64) -> Run {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..connections {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()
            .unwrap();
        let (base, tokens) = (base.to_string(), tokens.clone());
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut errors, mut latencies, mut i) = (0u64, 0u64, Vec::new(), c as usize);
            while Instant::now() < deadline {
                let sent = Instant::now();
                let response = match &tokens {
                    None => client.get(format!("{base}/healthz")).send().await,
                    Some(tokens) => {
                        i = (i + 1) % tokens.len();
                        let body = serde_json::json!({
                            "token": tokens[i], "install_id": format!("install-{i}"), "version": "1.0.0",
                            "accepted_kids": ["bench"], "fingerprint": "bench"
                        });
                        client.post(format!("{base}/api/v1/heartbeat")).json(&body).send().await
                    }
                };
                match response {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        ok += 1;
                    }
                    _ => errors += 1,
                }
                latencies.push(sent.elapsed());
            }
            (ok, errors, latencies)
        }));
    }
    let mut run = Run {
        requests: 0,
        errors: 0,
        latencies: Vec::new(),
        elapsed: Duration::ZERO,
    };
    for task in tasks {
        let (ok, errors, latencies) = task.await.unwrap();
        run.requests += ok;
        run.errors += errors;
        run.latencies.extend(latencies);
    }
    run.elapsed = start.elapsed();
    run
}

fn main() {
    let seconds = env_or("BENCH_SECONDS", 5);
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
    let tokens = Arc::new(rt.block_on(seed(config)));
    let _server = Server(
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
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    rt.block_on(load(&base, Some(tokens.clone()), 1, connections)); // warm-up
    let mut health = rt.block_on(load(&base, None, seconds, connections));
    let mut beats = rt.block_on(load(&base, Some(tokens), seconds, connections));
    println!("{connections} connections, {seconds} s each, SQLite, release server");
    for (name, run) in [("healthz", &mut health), ("heartbeat", &mut beats)] {
        let (p50, p99) = (run.percentile(0.50), run.percentile(0.99));
        println!(
            "{name:<10} {:>9.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  errors {}",
            run.rps(),
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3,
            run.errors
        );
    }
    println!(
        "ratio heartbeat/healthz = {:.2}  (target >= 0.5; heartbeat p99 target < 10 ms; errors target 0)",
        beats.rps() / health.rps()
    );
}
