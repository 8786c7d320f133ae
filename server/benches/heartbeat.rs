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

mod support;

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

struct Run {
    requests: u64,
    errors: u64,
    latencies: Vec<Duration>,
    elapsed: Duration,
    /// CPU time the server process spent meanwhile.
    server_cpu: Duration,
}

/// CPU time (user + system) process `pid` has used so far, from `/proc/<pid>/stat`.
fn cpu_time(pid: u32) -> Duration {
    static TICKS_PER_SEC: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let ticks_per_sec = *TICKS_PER_SEC.get_or_init(|| {
        let out = Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .expect("getconf");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("CLK_TCK")
    });
    let stat =
        std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("the server's /proc stat");
    // Fields after the parenthesised command name: state is the first, utime the 12th, stime the 13th.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 1000 / ticks_per_sec)
}

impl Run {
    fn empty() -> Self {
        Run {
            requests: 0,
            errors: 0,
            latencies: Vec::new(),
            elapsed: Duration::ZERO,
            server_cpu: Duration::ZERO,
        }
    }

    fn absorb(&mut self, other: Run) {
        self.requests += other.requests;
        self.errors += other.errors;
        self.latencies.extend(other.latencies);
        self.elapsed += other.elapsed;
        self.server_cpu += other.server_cpu;
    }

    /// Server CPU time per request, in µs.
    fn cpu_per_request(&self) -> f64 {
        self.server_cpu.as_secs_f64() * 1e6 / self.requests.max(1) as f64
    }

    fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&mut self, p: f64) -> Duration {
        self.latencies.sort_unstable();
        let i = ((self.latencies.len() as f64 * p).ceil() as usize).saturating_sub(1);
        self.latencies.get(i).copied().unwrap_or_default()
    }
}

/// `bodies`: heartbeat request bodies, serialised once so the load generator (which shares
/// the machine with the server) spends its time sending, not building JSON; `None` is `/healthz`.
async fn load(
    server: u32,
    base: &str,
    bodies: Option<Arc<Vec<bytes::Bytes>>>,
    duration: Duration,
    connections: u64,
) -> Run {
    let deadline = Instant::now() + duration;
    let start = Instant::now();
    let cpu_before = cpu_time(server);
    let mut tasks = Vec::new();
    for c in 0..connections {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()
            .unwrap();
        let (base, bodies) = (base.to_string(), bodies.clone());
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut errors, mut latencies, mut i) = (0u64, 0u64, Vec::new(), c as usize);
            while Instant::now() < deadline {
                let sent = Instant::now();
                let response = match &bodies {
                    None => client.get(format!("{base}/healthz")).send().await,
                    Some(bodies) => {
                        i = (i + 1) % bodies.len();
                        client
                            .post(format!("{base}/api/v1/heartbeat"))
                            .header("content-type", "application/json")
                            .body(bodies[i].clone())
                            .send()
                            .await
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
    let mut run = Run::empty();
    for task in tasks {
        let (ok, errors, latencies) = task.await.unwrap();
        run.requests += ok;
        run.errors += errors;
        run.latencies.extend(latencies);
    }
    run.elapsed = start.elapsed();
    run.server_cpu = cpu_time(server).saturating_sub(cpu_before);
    run
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
    rt.block_on(load(pid, &base, Some(bodies.clone()), round, connections)); // warm-up
    let (mut health, mut beats) = (Run::empty(), Run::empty());
    let mut ratios = Vec::new();
    for r in 0..seconds {
        let (h, b) = if r % 2 == 0 {
            let h = rt.block_on(load(pid, &base, None, round, connections));
            (
                h,
                rt.block_on(load(pid, &base, Some(bodies.clone()), round, connections)),
            )
        } else {
            let b = rt.block_on(load(pid, &base, Some(bodies.clone()), round, connections));
            (rt.block_on(load(pid, &base, None, round, connections)), b)
        };
        ratios.push(b.rps() / h.rps());
        health.absorb(h);
        beats.absorb(b);
    }
    ratios.sort_by(f64::total_cmp);
    println!("{connections} connections, {seconds} alternating 1 s rounds of each, SQLite, release server");
    for (name, run) in [("healthz", &mut health), ("heartbeat", &mut beats)] {
        let (p50, p99) = (run.percentile(0.50), run.percentile(0.99));
        println!(
            "{name:<10} {:>9.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  errors {}  server CPU {:>5.0} µs/request",
            run.rps(),
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3,
            run.errors,
            run.cpu_per_request()
        );
    }
    println!(
        "ratio heartbeat/healthz = {:.2}, per round {:.2} to {:.2}  (target >= 0.5; heartbeat p99 target < 10 ms; errors target 0)",
        beats.rps() / health.rps(),
        ratios[0],
        ratios[ratios.len() - 1]
    );
}
