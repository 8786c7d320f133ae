//! Closed-loop load over loopback: `connections` clients send one kind of request back to
//! back for a while; counts, latencies and the server's CPU time come back as a [`Run`].

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one load measured.
#[derive(Debug)]
pub struct Run {
    pub requests: u64,
    pub errors: u64,
    pub latencies: Vec<Duration>,
    pub elapsed: Duration,
    /// CPU time the server process spent meanwhile.
    pub server_cpu: Duration,
}

/// CPU time (user + system) process `pid` has used so far, from `/proc/<pid>/stat`.
pub fn cpu_time(pid: u32) -> Duration {
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
    pub fn empty() -> Self {
        Run {
            requests: 0,
            errors: 0,
            latencies: Vec::new(),
            elapsed: Duration::ZERO,
            server_cpu: Duration::ZERO,
        }
    }

    pub fn absorb(&mut self, other: Run) {
        self.requests += other.requests;
        self.errors += other.errors;
        self.latencies.extend(other.latencies);
        self.elapsed += other.elapsed;
        self.server_cpu += other.server_cpu;
    }

    /// Server CPU time per request, in µs.
    pub fn cpu_per_request(&self) -> f64 {
        self.server_cpu.as_secs_f64() * 1e6 / self.requests.max(1) as f64
    }

    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    pub fn percentile(&mut self, p: f64) -> Duration {
        self.latencies.sort_unstable();
        let i = ((self.latencies.len() as f64 * p).ceil() as usize).saturating_sub(1);
        self.latencies.get(i).copied().unwrap_or_default()
    }

    /// One line: requests/s, p50, p99, errors, server CPU per request.
    pub fn report(&mut self, name: &str) {
        let (p50, p99) = (self.percentile(0.50), self.percentile(0.99));
        println!(
            "{name:<12} {:>9.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  errors {}  server CPU {:>5.0} µs/request",
            self.rps(),
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3,
            self.errors,
            self.cpu_per_request()
        );
    }
}

/// Builds the `n`th request of a client (a clone of the shared client is passed in).
pub type MakeRequest =
    Arc<dyn Fn(&reqwest::Client, usize) -> reqwest::RequestBuilder + Send + Sync>;

/// Runs `make` from `connections` clients for `duration` against server process `server`.
/// A request that does not answer a 2xx counts as an error.
pub async fn load(server: u32, make: MakeRequest, duration: Duration, connections: u64) -> Run {
    let deadline = Instant::now() + duration;
    let start = Instant::now();
    let cpu_before = cpu_time(server);
    let mut tasks = Vec::new();
    for c in 0..connections {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()
            .unwrap();
        let make = Arc::clone(&make);
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut errors, mut latencies, mut i) = (0u64, 0u64, Vec::new(), c as usize);
            while Instant::now() < deadline {
                let sent = Instant::now();
                i += 1;
                match make(&client, i).send().await {
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
