//! Sign-in flood (issue 7): what hundreds of concurrent wrong-password sign-ins do to the
//! release server on SQLite. The server is the real `tessera serve` binary in a child process
//! that trusts the loopback as its reverse proxy, so this process (the load generator, on
//! loopback) can pose as many clients with `X-Forwarded-For`.
//!
//! Phases: a baseline (`/healthz` alone); flood A, every attempt from one IP against one real
//! account; flood B, each attempt from a random 10.x.y.z against a random real account or an
//! unknown e-mail. During each phase one task measures `/healthz` latency with sequential
//! requests and another samples the server's `VmRSS` every 50 ms (`VmHWM`, the lifetime peak,
//! is read at the end of each phase).
//!
//! Targets: peak RSS < 300 MB; `/healthz` p99 during a flood < 10 × the baseline p99 (or
//! < 50 ms); zero connection errors. The table reports ratios to the baseline and asserts no
//! timings; the process exits non-zero only when the server dies or a request fails at the
//! connection level. `BENCH_SECONDS` (default 8: seconds of each flood) and `BENCH_CLIENTS`
//! (default 300: concurrent sign-in clients) tune the run.

mod support;

use support::{env_or, Server};

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use reqwest::header::{HeaderMap, COOKIE, LOCATION, ORIGIN, RETRY_AFTER, SET_COOKIE};
use reqwest::StatusCode;
use tessera_backend::auth::Role;
use tessera_backend::{Backend, Config};

/// Real accounts the floods aim at.
const ACCOUNTS: usize = 4;
/// Their password; the floods never send it.
const PASSWORD: &str = "bench-password-never-sent";
const WRONG_PASSWORD: &str = "wrong-password-0000";
/// The one client IP of flood A (TEST-NET-3).
const FLOOD_A_IP: &str = "203.0.113.7";
const BASELINE: Duration = Duration::from_secs(3);
const SAMPLE_EVERY: Duration = Duration::from_millis(50);
/// Generous: an unbounded server may take many seconds per attempt, which is a result, not an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
const KEK: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
/// Targets, printed next to the results.
const TARGET_RSS_MB: f64 = 300.0;
const TARGET_P99_RATIO: f64 = 10.0;
const TARGET_P99_MS: f64 = 50.0;

impl Server {
    fn start(url: &str, dir: &Path, port: u16) -> Result<Self, String> {
        Command::new(env!("CARGO_BIN_EXE_tessera"))
            .arg("serve")
            .env("TESSERA_DATABASE_URL", url)
            .env("TESSERA_DATA_DIR", dir)
            .env("TESSERA_KEK", KEK)
            .env("TESSERA_BIND", format!("127.0.0.1:{port}"))
            .env("TESSERA_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
            .env("TESSERA_TRUSTED_PROXIES", "127.0.0.1")
            // Refused sign-ins may be logged at warn: thousands of lines would bury the table.
            .env("TESSERA_LOG", "error")
            .stdout(Stdio::null())
            .spawn()
            .map(Server)
            .map_err(|e| format!("cannot start tessera serve: {e}"))
    }

    fn pid(&self) -> u32 {
        self.0.id()
    }

    /// An error saying how the server ended, if it has.
    fn check_alive(&mut self) -> Result<(), String> {
        match self.0.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(format!("the server exited: {status}")),
            Err(e) => Err(format!("cannot check on the server process: {e}")),
        }
    }

    fn wait_listening(&mut self, port: u16) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            self.check_alive()?;
            if Instant::now() > deadline {
                return Err("the server did not listen within 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }
}

/// Creates the real accounts; the server's first start then adds only a signing key.
async fn seed(config: Config) -> Vec<String> {
    let backend = Backend::connect(config).await.expect("open bench database");
    let mut emails = Vec::with_capacity(ACCOUNTS);
    for i in 0..ACCOUNTS {
        let email = format!("operator{i}@example.com");
        backend
            .create_user(&email, Role::Operator, Some(PASSWORD.into()), "bench")
            .await
            .expect("create bench user");
        emails.push(email);
    }
    emails
}

/// An error with its causes, e.g. "error sending request: connection refused".
fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// `VmRSS` and `VmHWM` (lifetime peak) of process `pid`, in kB; `None` once it is gone.
fn memory_kb(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find_map(|line| line.strip_prefix(name))?;
        line.trim().trim_end_matches("kB").trim().parse().ok()
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("build an HTTP client")
}

/// What `GET /login` handed out for cross-site request forgery protection: the cookies to send
/// back (`name=value; ...`) and the form's hidden `csrf` token. Either is `None` on a server
/// that does not set it.
#[derive(Debug, Clone, Default)]
struct Csrf {
    cookie: Option<String>,
    token: Option<String>,
    /// Whether one of the cookies is the login cookie (`tessera_csrf…`, `__Host-tessera_csrf…`).
    login_cookie: bool,
}

/// Why `GET /login` gave no CSRF pair.
enum FetchError {
    /// The request failed at the connection level.
    Connection(String),
    /// The server answered, but not 200.
    Status(StatusCode),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Connection(e) => write!(f, "GET /login: {e}"),
            FetchError::Status(status) => write!(f, "GET /login answered {status}"),
        }
    }
}

async fn fetch_csrf(client: &reqwest::Client, base: &str) -> Result<Csrf, FetchError> {
    let connection = |e: reqwest::Error| FetchError::Connection(describe(&e));
    let response = client
        .get(format!("{base}/login"))
        .send()
        .await
        .map_err(connection)?;
    if !response.status().is_success() {
        return Err(FetchError::Status(response.status()));
    }
    let (cookie, login_cookie) = cookies(response.headers());
    let html = response.text().await.map_err(connection)?;
    Ok(Csrf {
        cookie,
        token: csrf_token(&html),
        login_cookie,
    })
}

/// Every cookie `headers` set, as a `Cookie` header value, and whether the login cookie is one.
fn cookies(headers: &HeaderMap) -> (Option<String>, bool) {
    let pairs: Vec<&str> = headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| value.split(';').next())
        .map(str::trim)
        .filter(|pair| pair.contains('='))
        .collect();
    let login = pairs
        .iter()
        .any(|pair| pair.starts_with("tessera_csrf") || pair.starts_with("__Host-tessera_csrf"));
    ((!pairs.is_empty()).then(|| pairs.join("; ")), login)
}

/// The `value` of the `<input … name="csrf" …>` tag, whatever the attribute order.
fn csrf_token(html: &str) -> Option<String> {
    html.match_indices("name=\"csrf\"").find_map(|(at, _)| {
        let tag = &html[html[..at].rfind('<')?..at + html[at..].find('>')?];
        let (_, rest) = tag
            .match_indices("value=\"")
            .find(|(i, _)| tag[..*i].ends_with(char::is_whitespace))
            .map(|(i, m)| tag.split_at(i + m.len()))?;
        Some(rest[..rest.find('"')?].to_string())
    })
}

/// How the server answered one sign-in attempt.
enum Answer {
    /// 303 to `/login?error=invalid`.
    Wrong,
    /// 429; whether it carried `Retry-After`.
    Refused { retry_after: bool },
    /// Anything else: the status and, for a redirect, where to.
    Other(StatusCode, String),
}

async fn attempt(
    client: &reqwest::Client,
    base: &str,
    csrf: &Csrf,
    ip: &str,
    email: &str,
) -> Result<Answer, reqwest::Error> {
    let mut form = vec![("email", email), ("password", WRONG_PASSWORD)];
    if let Some(token) = &csrf.token {
        form.push(("csrf", token));
    }
    let mut request = client
        .post(format!("{base}/auth/login"))
        .header(ORIGIN, base)
        .header("x-forwarded-for", ip)
        .form(&form);
    if let Some(cookie) = &csrf.cookie {
        request = request.header(COOKIE, cookie);
    }
    let response = request.send().await?;
    let status = response.status();
    let location = response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let retry_after = response.headers().contains_key(RETRY_AFTER);
    response.bytes().await?; // read to the end, so the connection is reused
    Ok(match status {
        StatusCode::SEE_OTHER if location.contains("error=invalid") => Answer::Wrong,
        StatusCode::TOO_MANY_REQUESTS => Answer::Refused { retry_after },
        _ if location.is_empty() => Answer::Other(status, String::new()),
        _ => Answer::Other(status, format!(" → {location}")),
    })
}

/// Who signs in, attempt by attempt.
enum Flood {
    /// One forwarded IP, one real account.
    OneIp { email: String },
    /// A random 10.x.y.z, a random real account or an unknown e-mail.
    Distributed { emails: Vec<String> },
}

impl Flood {
    /// The forwarded client IP and the e-mail of the next attempt.
    fn target(&self, rng: &mut StdRng) -> (String, String) {
        match self {
            Flood::OneIp { email } => (FLOOD_A_IP.to_string(), email.clone()),
            Flood::Distributed { emails } => {
                let ip = format!(
                    "10.{}.{}.{}",
                    rng.gen::<u8>(),
                    rng.gen::<u8>(),
                    rng.gen_range(1..255)
                );
                let pick = rng.gen_range(0..=emails.len());
                let email = emails.get(pick).cloned().unwrap_or_else(|| {
                    format!("nobody{}@example.com", rng.gen_range(0..1_000_000))
                });
                (ip, email)
            }
        }
    }
}

/// Sign-in answers of a phase.
#[derive(Default)]
struct Tally {
    wrong: u64,
    refused: u64,
    refused_without_retry_after: u64,
    other: BTreeMap<String, u64>,
    /// Non-200 answers to `GET /login` when a refused pair was renewed.
    form_failures: BTreeMap<StatusCode, u64>,
    errors: u64,
    first_error: Option<String>,
    latencies: Vec<Duration>,
}

impl Tally {
    fn answered(&self) -> u64 {
        self.wrong + self.refused + self.others()
    }

    fn others(&self) -> u64 {
        self.other.values().sum()
    }

    fn count(&mut self, answer: Answer) {
        match answer {
            Answer::Wrong => self.wrong += 1,
            Answer::Refused { retry_after } => {
                self.refused += 1;
                self.refused_without_retry_after += u64::from(!retry_after);
            }
            Answer::Other(status, detail) => {
                *self.other.entry(format!("{status}{detail}")).or_default() += 1;
            }
        }
    }

    fn error(&mut self, error: String) {
        self.errors += 1;
        self.first_error.get_or_insert(error);
    }

    fn absorb(&mut self, other: Tally) {
        self.wrong += other.wrong;
        self.refused += other.refused;
        self.refused_without_retry_after += other.refused_without_retry_after;
        for (status, n) in other.other {
            *self.other.entry(status).or_default() += n;
        }
        for (status, n) in other.form_failures {
            *self.form_failures.entry(status).or_default() += n;
        }
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.latencies.extend(other.latencies);
    }
}

/// One client: its own connection and CSRF pair, attempting until `deadline`.
async fn flood_client(
    base: Arc<str>,
    flood: Arc<Flood>,
    mut csrf: Csrf,
    deadline: Instant,
) -> Tally {
    let client = client();
    let mut rng = StdRng::from_entropy();
    let mut tally = Tally::default();
    while Instant::now() < deadline {
        let (ip, email) = flood.target(&mut rng);
        let sent = Instant::now();
        match attempt(&client, &base, &csrf, &ip, &email).await {
            Ok(answer) => {
                tally.latencies.push(sent.elapsed());
                let forbidden = matches!(answer, Answer::Other(StatusCode::FORBIDDEN, _));
                tally.count(answer);
                if forbidden {
                    // The pair was refused (expired or single-use?): fetch a fresh one.
                    match fetch_csrf(&client, &base).await {
                        Ok(fresh) => csrf = fresh,
                        Err(FetchError::Status(status)) => {
                            *tally.form_failures.entry(status).or_default() += 1;
                        }
                        Err(e) => tally.error(e.to_string()),
                    }
                }
            }
            Err(e) => {
                tally.error(format!("POST /auth/login: {}", describe(&e)));
                tokio::time::sleep(Duration::from_millis(50)).await; // no busy loop on a dead server
            }
        }
    }
    tally
}

/// `/healthz` latencies of sequential requests while a phase runs.
#[derive(Default)]
struct Probe {
    latencies: Vec<Duration>,
    /// Answers other than 200.
    failures: u64,
    errors: u64,
    first_error: Option<String>,
}

async fn probe_healthz(base: Arc<str>, stop: Arc<AtomicBool>) -> Probe {
    let client = client();
    let mut probe = Probe::default();
    while !stop.load(Ordering::Relaxed) {
        let sent = Instant::now();
        match client.get(format!("{base}/healthz")).send().await {
            Ok(response) => {
                probe.failures += u64::from(!response.status().is_success());
                let _ = response.bytes().await;
                probe.latencies.push(sent.elapsed());
            }
            Err(e) => {
                probe.errors += 1;
                probe
                    .first_error
                    .get_or_insert_with(|| format!("GET /healthz: {}", describe(&e)));
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    probe
}

/// The largest `VmRSS` of `pid` seen until `stop`, in kB.
async fn sample_rss(pid: u32, stop: Arc<AtomicBool>) -> u64 {
    let mut peak = 0;
    let mut every = tokio::time::interval(SAMPLE_EVERY);
    while !stop.load(Ordering::Relaxed) {
        every.tick().await;
        match memory_kb(pid) {
            Some((rss, _)) => peak = peak.max(rss),
            None => break,
        }
    }
    peak
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 * p).ceil() as usize).saturating_sub(1);
    sorted.get(i).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

struct Phase {
    name: &'static str,
    elapsed: Duration,
    tally: Tally,
    health: Probe,
    peak_rss_kb: u64,
    hwm_kb: u64,
}

impl Phase {
    fn health_p(&mut self, p: f64) -> Duration {
        self.health.latencies.sort_unstable();
        percentile(&self.health.latencies, p)
    }

    fn login_p(&mut self, p: f64) -> Duration {
        self.tally.latencies.sort_unstable();
        percentile(&self.tally.latencies, p)
    }

    fn errors(&self) -> u64 {
        self.tally.errors + self.health.errors
    }
}

/// Where to send the load.
struct Target {
    base: Arc<str>,
    pid: u32,
    clients: usize,
}

/// Runs one phase: `flood` (or nothing, for the baseline) for `duration`, with the `/healthz`
/// probe and the memory sampler alongside. Each client fetches its CSRF pair first, off the clock.
async fn run_phase(
    target: &Target,
    name: &'static str,
    flood: Option<Flood>,
    duration: Duration,
) -> Result<Phase, String> {
    let mut pairs = Vec::new();
    if flood.is_some() {
        let fetches: Vec<_> = (0..target.clients)
            .map(|_| {
                let base = target.base.clone();
                tokio::spawn(async move { fetch_csrf(&client(), &base).await })
            })
            .collect();
        for fetch in fetches {
            let pair = fetch.await.expect("a GET /login task panicked");
            pairs.push(pair.map_err(|e| e.to_string())?);
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = tokio::spawn(sample_rss(target.pid, stop.clone()));
    let probe = tokio::spawn(probe_healthz(target.base.clone(), stop.clone()));
    let start = Instant::now();
    let mut tally = Tally::default();
    match flood {
        None => tokio::time::sleep(duration).await,
        Some(flood) => {
            let flood = Arc::new(flood);
            let deadline = start + duration;
            let clients: Vec<_> = pairs
                .into_iter()
                .map(|csrf| {
                    tokio::spawn(flood_client(
                        target.base.clone(),
                        flood.clone(),
                        csrf,
                        deadline,
                    ))
                })
                .collect();
            for client in clients {
                tally.absorb(client.await.expect("a flood client panicked"));
            }
        }
    }
    let elapsed = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    let health = probe.await.expect("the /healthz probe panicked");
    let peak_rss_kb = sampler.await.expect("the memory sampler panicked");
    let hwm_kb = memory_kb(target.pid).map_or(0, |(_, hwm)| hwm);
    Ok(Phase {
        name,
        elapsed,
        tally,
        health,
        peak_rss_kb,
        hwm_kb,
    })
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}

fn report(phases: &mut [Phase], clients: usize, seconds: u64, csrf: &Csrf) {
    println!(
        "{clients} sign-in clients, {seconds} s per flood, SQLite, release server, {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "sign-in form: login cookie {}, csrf token {}",
        if csrf.login_cookie { "set" } else { "absent" },
        if csrf.token.is_some() {
            "present"
        } else {
            "absent"
        }
    );
    let Some((base_p50, base_p99)) = phases
        .first_mut()
        .map(|b| (b.health_p(0.5), b.health_p(0.99)))
    else {
        return;
    };
    println!(
        "{:<21} {:>10} {:>8} {:>8} {:>6} {:>8}  {:>9} {:>17} {:>17} {:>14} {:>9} {:>9}",
        "phase",
        "sign-ins/s",
        "303",
        "429",
        "other",
        "conn err",
        "healthz n",
        "healthz p50 ms",
        "healthz p99 ms",
        "sign-in p50/p99",
        "peak RSS",
        "VmHWM"
    );
    for phase in phases.iter_mut() {
        let (p50, p99) = (phase.health_p(0.5), phase.health_p(0.99));
        let (l50, l99) = (phase.login_p(0.5), phase.login_p(0.99));
        let flood = phase.tally.answered() + phase.tally.errors > 0;
        let dash = |text: String| if flood { text } else { "-".into() };
        println!(
            "{:<21} {:>10} {:>8} {:>8} {:>6} {:>8}  {:>9} {:>17} {:>17} {:>14} {:>6.0} MB {:>6.0} MB",
            phase.name,
            dash(format!(
                "{:.0}",
                phase.tally.answered() as f64 / phase.elapsed.as_secs_f64()
            )),
            dash(phase.tally.wrong.to_string()),
            dash(phase.tally.refused.to_string()),
            dash(phase.tally.others().to_string()),
            phase.errors(),
            phase.health.latencies.len(),
            format!("{:.2} ({:.1}×)", ms(p50), ms(p50) / ms(base_p50).max(1e-9)),
            format!("{:.2} ({:.1}×)", ms(p99), ms(p99) / ms(base_p99).max(1e-9)),
            dash(format!("{:.0}/{:.0} ms", ms(l50), ms(l99))),
            mb(phase.peak_rss_kb),
            mb(phase.hwm_kb),
        );
    }
    for phase in phases.iter() {
        for (status, n) in &phase.tally.other {
            println!("  {}: other answer {status}: {n}", phase.name);
        }
        for (status, n) in &phase.tally.form_failures {
            println!(
                "  {}: GET /login (renewing a refused pair) {status}: {n}",
                phase.name
            );
        }
        if phase.tally.refused_without_retry_after > 0 {
            println!(
                "  {}: 429 without Retry-After: {}",
                phase.name, phase.tally.refused_without_retry_after
            );
        }
        if phase.health.failures > 0 {
            println!(
                "  {}: /healthz not 200: {}",
                phase.name, phase.health.failures
            );
        }
        for error in [&phase.tally.first_error, &phase.health.first_error]
            .into_iter()
            .flatten()
        {
            println!("  {}: first connection error: {error}", phase.name);
        }
    }
    println!("targets:");
    for phase in phases.iter_mut().skip(1) {
        let rss = mb(phase.peak_rss_kb);
        let p99 = ms(phase.health_p(0.99));
        let ratio = p99 / ms(base_p99).max(1e-9);
        let errors = phase.errors();
        let rows = [
            (
                format!("peak RSS {rss:.0} MB (< {TARGET_RSS_MB:.0} MB)"),
                rss < TARGET_RSS_MB,
            ),
            (
                format!(
                    "/healthz p99 {p99:.2} ms = {ratio:.1}× baseline \
                     (< {TARGET_P99_RATIO:.0}× or < {TARGET_P99_MS:.0} ms)"
                ),
                ratio < TARGET_P99_RATIO || p99 < TARGET_P99_MS,
            ),
            (format!("connection errors {errors} (= 0)"), errors == 0),
        ];
        for (i, (what, ok)) in rows.into_iter().enumerate() {
            let name = if i == 0 { phase.name } else { "" };
            println!("  {name:<21} {what:<62} {}", met(ok));
        }
    }
}

fn run() -> Result<(), String> {
    let seconds = env_or("BENCH_SECONDS", 8);
    let clients = env_or("BENCH_CLIENTS", 300) as usize;
    let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map_err(|e| format!("pick a free port: {e}"))?
        .port();
    let url = format!("sqlite://{}/bench.db", dir.path().display());
    let config = Config {
        database_url: url.clone(),
        data_dir: dir.path().to_path_buf(),
        kek: Some(KEK.to_string().into()),
        ..Config::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let emails = rt.block_on(seed(config));
    let mut server = Server::start(&url, dir.path(), port)?;
    server.wait_listening(port)?;
    let target = Target {
        base: format!("http://127.0.0.1:{port}").into(),
        pid: server.pid(),
        clients,
    };
    let csrf = rt
        .block_on(fetch_csrf(&client(), &target.base))
        .map_err(|e| e.to_string())?;
    rt.block_on(run_phase(
        &target,
        "warm-up",
        None,
        Duration::from_millis(500),
    ))?;
    let floods = [
        ("baseline", None, BASELINE),
        (
            "flood A: one IP",
            Some(Flood::OneIp {
                email: emails[0].clone(),
            }),
            Duration::from_secs(seconds),
        ),
        (
            "flood B: distributed",
            Some(Flood::Distributed {
                emails: emails.clone(),
            }),
            Duration::from_secs(seconds),
        ),
    ];
    let mut phases = Vec::new();
    let mut failure = None;
    for (name, flood, duration) in floods {
        match rt.block_on(run_phase(&target, name, flood, duration)) {
            Ok(phase) => phases.push(phase),
            Err(e) => failure = Some(format!("{name}: {e}")),
        }
        if let Err(e) = server.check_alive() {
            failure = Some(format!("{name}: {e}"));
        }
        if failure.is_some() {
            break;
        }
    }
    report(&mut phases, clients, seconds, &csrf);
    if let Some(failure) = failure {
        return Err(failure);
    }
    let errors: u64 = phases.iter().map(Phase::errors).sum();
    if errors > 0 {
        return Err(format!("{errors} requests failed at the connection level"));
    }
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("login_flood: {e}");
        std::process::exit(1);
    }
}
