//! The license list page at scale: `BENCH_LICENSES` licenses (default 1,000,000) and
//! `BENCH_HEARTBEATS` heartbeats (default 10,000,000) on SQLite, then filtered `/licenses`
//! pages rendered by the real router (session, server function, SSR) over loopback.
//! Baseline in the same process: `/healthz`. Target: p95 < 50 ms for a filtered page.

#[path = "support/env.rs"]
mod env;

use env::env_or;

use std::time::{Duration, Instant};

use rand::Rng as _;
use secrecy::ExposeSecret as _;
use tessera_backend::{Backend, Config};
use tessera_license::vocab::{LicenseStatus, Tier};
use tessera_server::web::{self, AppState};

const TIERS: [Tier; 4] = [Tier::Starter, Tier::Pro, Tier::Growth, Tier::Enterprise];
/// Three in four licenses are active.
const STATUSES: [LicenseStatus; 4] = [
    LicenseStatus::Active,
    LicenseStatus::Active,
    LicenseStatus::Active,
    LicenseStatus::Revoked,
];

async fn seed(url: &str, kid: &str, licenses: u64, heartbeats: u64) {
    // One connection with a 1 GiB page cache: the indexes of 10 M heartbeats do not fit in
    // SQLite's default 2 MiB, and seeding would crawl from disk.
    let options = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(url)
        .unwrap()
        .pragma("cache_size", "-1048576");
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    let now = tessera_backend::now();
    let mut rng = rand::thread_rng();
    let started = Instant::now();
    for chunk in 0..licenses.div_ceil(5_000) {
        let mut tx = pool.begin().await.unwrap();
        for i in chunk * 5_000..((chunk + 1) * 5_000).min(licenses) {
            let tier = TIERS[rng.gen_range(0..4)].as_str();
            let status = STATUSES[rng.gen_range(0..4)].as_str();
            let created = now - rng.gen_range(0..3 * 365 * 86_400);
            let beat: Option<i64> = rng
                .gen_bool(0.8)
                .then(|| now - rng.gen_range(0..40 * 86_400));
            sqlx::query(
                "INSERT INTO licenses (id, kid, token_sha256, customer_email, company, tax_id, tier, kind, product, plan, \
                 status, issued_at, expires_at, support_until, claims, created_at, niches, last_heartbeat_at, email_lc, company_lc, tax_id_lc) \
                 VALUES ($1, $16, $2, $3, $4, $5, $6, 'subscription', 'studio', NULL, $7, $8, $9, $10, '{}', $8, $11, $12, $13, $14, $15)",
            )
            .bind(format!("lic_{i:026}"))
            .bind(format!("{i:064x}"))
            .bind(format!("customer{i}@example{}.com", i % 1000))
            .bind(format!("Company {i}"))
            .bind(format!("B{i:08}"))
            .bind(tier)
            .bind(status)
            .bind(created)
            .bind(created + 365 * 86_400)
            .bind(created + 395 * 86_400)
            .bind(if i % 7 == 0 { ",hotels," } else { "," })
            .bind(beat)
            .bind(format!("customer{i}@example{}.com", i % 1000))
            .bind(format!("company {i}"))
            .bind(format!("b{i:08}"))
            .bind(kid)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    }
    println!(
        "seeded {licenses} licenses in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    // In license order (each license's heartbeats together), 1,000 rows per statement.
    const ROWS: u64 = 1_000;
    for chunk in 0..heartbeats.div_ceil(20 * ROWS) {
        let mut tx = pool.begin().await.unwrap();
        let end = ((chunk + 1) * 20 * ROWS).min(heartbeats);
        let mut n = chunk * 20 * ROWS;
        while n < end {
            let rows: Vec<(u64, i64)> = (n..(n + ROWS).min(end))
                .map(|k| {
                    (
                        k * licenses / heartbeats,
                        now - rng.gen_range(0..90 * 86_400),
                    )
                })
                .collect();
            n += rows.len() as u64;
            let mut insert = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO heartbeats (license_id, at, install_id, kid, version, ip, fingerprint, accepted_kids) ",
            );
            insert.push_values(&rows, |mut row, (license, at)| {
                row.push_bind(format!("lic_{license:026}"))
                    .push_bind(*at)
                    .push_bind(format!("install-{license}"))
                    .push("'bench', '1.0.0', '10.0.0.1', NULL, ',bench,'");
            });
            insert.build().execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
    println!(
        "seeded {heartbeats} heartbeats in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    sqlx::query("ANALYZE").execute(&pool).await.unwrap();
}

async fn time(client: &reqwest::Client, url: &str, cookie: &str, runs: usize) -> Vec<Duration> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let sent = Instant::now();
        let response = client
            .get(url)
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{url}: {}",
            response.status()
        );
        let _ = response.bytes().await.unwrap();
        times.push(sent.elapsed());
    }
    times.sort_unstable();
    times
}

fn p95(times: &[Duration]) -> f64 {
    times[(times.len() * 95 / 100).min(times.len() - 1)].as_secs_f64() * 1e3
}

fn main() {
    let (licenses, heartbeats) = (
        env_or("BENCH_LICENSES", 1_000_000),
        env_or("BENCH_HEARTBEATS", 10_000_000),
    );
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/bench.db", dir.path().display());
    let config = Config {
        database_url: url.clone(),
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let backend = Backend::connect(config).await.unwrap();
        let boot = backend.bootstrap().await.unwrap();
        seed(&url, boot.created_key.as_deref().unwrap(), licenses, heartbeats).await;
        let tessera_backend::bootstrap::FirstAdmin { email, password } = boot.admin.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let leptos = web::leptos_options(backend.config(), addr);
        let app = web::router(AppState::new(backend, leptos));
        tokio::spawn(async move {
            axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await.unwrap();
        });
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let base = format!("http://{addr}");
        let login = client
            .post(format!("{base}/auth/login"))
            .form(&[("email", email.as_str()), ("password", password.expose_secret())])
            .send()
            .await
            .unwrap();
        let cookie = login.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
        let baseline = time(&client, &format!("{base}/healthz"), &cookie, 100).await;
        println!("{licenses} licenses, {heartbeats} heartbeats, SQLite; 50 rows per page; p95 of 40 renders each");
        println!("{:<44} p95 {:>7.2} ms", "/healthz (baseline)", p95(&baseline));
        for query in [
            "",
            "status=active&tier=pro",
            "status=revoked&heartbeat=24h",
            "q=company%2012345",
            "q=customer777%40example777",
            "niche=hotels&support=active",
            "sort=company&tier=enterprise",
            "heartbeat=stale&status=active",
        ] {
            let times = time(&client, &format!("{base}/licenses?{query}"), &cookie, 40).await;
            println!(
                "{:<44} p95 {:>7.2} ms  ({:.0}x baseline; target < 50 ms)",
                format!("/licenses?{query}"),
                p95(&times),
                p95(&times) / p95(&baseline)
            );
        }
    });
}
