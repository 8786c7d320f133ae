//! The self-hosted install's local API under load, next to the same server's `/healthz` in
//! the same run: `GET /api/v1/entitlements` (what a product calls per request) and a seat
//! grant check (`POST .../grants` of a role the user holds: the plugin locked, the holdings
//! read, the turnstile run, nothing written). The server is the release `tessera serve`
//! binary in `self-host` mode on SQLite, in a child process; the load comes from this process.
//!
//! The three loads rotate in one-second rounds so drift in the machine's speed weighs on all
//! alike. `BENCH_SECONDS` (default 8: rounds of each) and `BENCH_CONNECTIONS` (default 16).

#[path = "support/load.rs"]
mod load;
mod support;

use load::{load, MakeRequest, Run};
use support::{env_or, Server};

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tessera_backend::config::Mode;
use tessera_backend::selfhost::seats::{RoleInput, RolesInput};
use tessera_backend::testing::TestVendor;
use tessera_backend::{Backend, Config};
use tessera_license::vocab::Scope;

/// Installs a license, declares the plugin, grants one seat, mints the product's API token.
async fn seed(config: Config, token: &str) -> String {
    let backend = Backend::connect(config).await.expect("open bench database");
    backend
        .install_license(token, "bench")
        .await
        .expect("install");
    let roles = RolesInput {
        roles: vec![
            RoleInput {
                name: "booking.editor".into(),
                billable: true,
            },
            RoleInput {
                name: "booking.viewer".into(),
                billable: false,
            },
        ],
    };
    backend
        .register_plugin("booking", roles, "bench")
        .await
        .expect("plugin");
    backend
        .grant_seat("booking", "u1", "booking.editor", "bench")
        .await
        .expect("grant");
    let scopes = [Scope::EntitlementsRead, Scope::SeatsWrite];
    backend
        .create_api_token("bench", &scopes, 3_600, "bench")
        .await
        .expect("token")
        .jwt
}

fn requests(base: &str, bearer: &str) -> [(&'static str, MakeRequest); 3] {
    let (b1, b2, b3) = (base.to_string(), base.to_string(), base.to_string());
    let (t2, t3) = (bearer.to_string(), bearer.to_string());
    let grant = bytes::Bytes::from_static(br#"{"user": "u1", "role": "booking.editor"}"#);
    [
        (
            "healthz",
            Arc::new(move |c: &reqwest::Client, _| c.get(format!("{b1}/healthz"))),
        ),
        (
            "entitlements",
            Arc::new(move |c: &reqwest::Client, _| {
                c.get(format!("{b2}/api/v1/entitlements")).bearer_auth(&t2)
            }),
        ),
        (
            "grant check",
            Arc::new(move |c: &reqwest::Client, _| {
                c.post(format!("{b3}/api/v1/plugins/booking/grants"))
                    .bearer_auth(&t3)
                    .header("content-type", "application/json")
                    .body(grant.clone())
            }),
        ),
    ]
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
    let vendor = TestVendor::new();
    let token = vendor.sign(&vendor.claims());
    let config = Config {
        database_url: url.clone(),
        data_dir: dir.path().to_path_buf(),
        kek: Some(kek.to_string().into()),
        mode: Mode::SelfHost,
        vendor_jwks: Some(vendor.jwks_path.clone()),
        ..Config::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let bearer = rt.block_on(seed(config, &token));
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_tessera"))
            .arg("serve")
            .env("TESSERA_DATABASE_URL", &url)
            .env("TESSERA_DATA_DIR", dir.path())
            .env("TESSERA_KEK", kek)
            .env("TESSERA_MODE", "self-host")
            .env("TESSERA_VENDOR_JWKS", &vendor.jwks_path)
            .env("TESSERA_BIND", format!("127.0.0.1:{port}"))
            .env("TESSERA_LOG", "warn")
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
    let loads = requests(&base, &bearer);
    let round = Duration::from_secs(1);
    for (_, make) in &loads {
        rt.block_on(load(pid, make.clone(), round / 2, connections)); // warm-up
    }
    let mut runs = [Run::empty(), Run::empty(), Run::empty()];
    for r in 0..seconds as usize {
        for k in 0..loads.len() {
            let which = (r + k) % loads.len();
            let run = rt.block_on(load(pid, loads[which].1.clone(), round, connections));
            runs[which].absorb(run);
        }
    }
    println!("{connections} connections, {seconds} rotating 1 s rounds of each, SQLite, release server, self-host mode");
    for ((name, _), run) in loads.iter().zip(runs.iter_mut()) {
        run.report(name);
    }
    let health = runs[0].rps();
    println!(
        "ratio entitlements/healthz = {:.2}, grant check/healthz = {:.2}  (errors target 0)",
        runs[1].rps() / health,
        runs[2].rps() / health
    );
}
