//! A deploy stops `tessera serve` with SIGTERM in the middle of traffic: every heartbeat that
//! was answered 200 must be on disk after the process exits, and it must exit 0.

use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};

use super::*;
use tessera_backend::both_engines;

/// What the server wrote to stderr so far.
pub(crate) type Log = Arc<std::sync::Mutex<String>>;

/// Starts `tessera serve` on a free port and answers its base URL once it listens.
async fn start_server(cli: &Cli) -> (Child, String) {
    let (child, base, _) = start_logged(cli).await;
    (child, base)
}

/// [`start_server`], keeping its stderr.
async fn start_logged(cli: &Cli) -> (Child, String, Log) {
    start_serving(&cli.db, &[]).await
}

/// Starts `tessera serve` over `db` with `env` added, on a free port: the process, its base
/// URL and its stderr so far.
pub(crate) async fn start_serving(db: &TestDb, env: &[(&str, &str)]) -> (Child, String, Log) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tessera"));
    command.envs(env.iter().copied());
    let mut child = command
        .arg("serve")
        .env("TESSERA_DATABASE_URL", &db.url)
        .env("TESSERA_DATA_DIR", &db.data_dir)
        .env("TESSERA_BIND", "127.0.0.1:0")
        .env("TESSERA_LOG", "info")
        .env("TESSERA_HEARTBEAT_PER_LICENSE_PER_MINUTE", "1000000")
        .env("TESSERA_HEARTBEAT_PER_IP_PER_MINUTE", "1000000")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start tessera serve");
    let log = Log::default();
    let mut errors = BufReader::new(child.stderr.take().unwrap()).lines();
    let kept = log.clone();
    tokio::spawn(async move {
        while let Ok(Some(line)) = errors.next_line().await {
            eprintln!("{line}");
            kept.lock().unwrap().push_str(&(line + "\n"));
        }
    });
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let line = tokio::time::timeout_at(deadline, lines.next_line())
            .await
            .expect("the server did not start in time")
            .unwrap()
            .expect("the server exited before listening");
        if let Some(addr) = line.strip_prefix("Tessera is listening on ") {
            // Keep draining stdout so the server never blocks on a full pipe.
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            return (child, addr.to_string(), log);
        }
    }
}

/// Stops the server with SIGTERM, requires exit 0, and answers all it logged (the pipe is read
/// by another task: wait for the last line).
pub(crate) async fn stop_and_read(server: &mut Child, log: &Log) -> String {
    signal(server, "TERM");
    assert!(server.wait().await.unwrap().success());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !log.lock().unwrap().contains("stopped cleanly") && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    log.lock().unwrap().clone()
}

fn signal(child: &Child, name: &str) {
    let pid = child.id().expect("the server is running").to_string();
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &pid])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Sends heartbeats for `token` until the server stops answering; counts the 200s.
async fn stream(base: String, token: String, install: String, running: Arc<AtomicBool>) -> u64 {
    let client = reqwest::Client::new();
    let body = serde_json::json!({ "token": token, "install_id": install, "version": "1.0.0" });
    let mut answered = 0;
    loop {
        let sent = client
            .post(format!("{base}/api/v1/heartbeat"))
            .json(&body)
            .send()
            .await;
        match sent {
            Ok(response) if response.status() == 200 => answered += 1,
            Ok(response) => panic!("heartbeat answered {}", response.status()),
            Err(_) if !running.load(Ordering::SeqCst) => return answered,
            Err(err) => panic!("heartbeat failed while the server ran: {err}"),
        }
    }
}

async fn recorded(cli: &Cli, token: &str) -> u64 {
    let claims = token.split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, claims).unwrap(),
    )
    .unwrap();
    let id = claims["sub"].as_str().unwrap();
    let store = cli.db.store().await;
    store.recent_heartbeats(id, 1_000_000).await.unwrap().len() as u64
}

both_engines! {
    async fn sigterm_mid_stream_keeps_every_answered_heartbeat(cli: &Cli) {
        cli.ok(&["keys", "generate"]);
        let tokens: Vec<String> = (0..4).map(|_| cli.issue(&[])).collect();
        let (mut server, base) = start_server(cli).await;
        let running = Arc::new(AtomicBool::new(true));
        let clients: Vec<_> = tokens
            .iter()
            .enumerate()
            .map(|(i, token)| {
                tokio::spawn(stream(base.clone(), token.clone(), format!("inst-{i}"), running.clone()))
            })
            .collect();
        // Let the stream run until several batches were written, then stop as a deploy does.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        running.store(false, Ordering::SeqCst);
        signal(&server, "TERM");
        let status = tokio::time::timeout(Duration::from_secs(60), server.wait())
            .await
            .expect("the server did not stop after SIGTERM")
            .unwrap();
        assert!(status.success(), "tessera serve exited with {status:?} after SIGTERM");
        let mut answered = Vec::new();
        for client in clients {
            answered.push(client.await.unwrap());
        }
        assert!(answered.iter().all(|n| *n > 0), "every client was answered: {answered:?}");
        // A restart over the same database works, and finds every answered heartbeat.
        let (mut again, base) = start_server(cli).await;
        assert_eq!(reqwest::get(format!("{base}/healthz")).await.unwrap().status(), 200);
        for (token, answered) in tokens.iter().zip(&answered) {
            assert_eq!(recorded(cli, token).await, *answered, "heartbeats answered 200 vs recorded");
        }
        signal(&again, "INT");
        let status = again.wait().await.unwrap();
        assert!(status.success(), "SIGINT stops cleanly too: {status:?}");
    }
}

both_engines! {
    async fn without_smtp_the_server_warns_that_mail_files_hold_tokens(cli: &Cli) {
        let (mut server, _, log) = start_logged(cli).await;
        let log = stop_and_read(&mut server, &log).await;
        assert!(log.contains("no SMTP server configured") && log.contains("tokens included"), "{log}");
    }
}

both_engines! {
    async fn a_failed_sign_in_is_logged_without_the_password(cli: &Cli) {
        let (mut server, base, log) = start_logged(cli).await;
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let page = client.get(format!("{base}/login")).send().await.unwrap().text().await.unwrap();
        let token = page.split(r#"name="csrf" value=""#).nth(1).unwrap().split('"').next().unwrap().to_string();
        let guess = "hunter2-correct-horse";
        let answer = client
            .post(format!("{base}/auth/login"))
            .header("origin", "http://127.0.0.1:3000")
            .form(&[("email", "admin@tessera.local"), ("password", guess), ("csrf", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(answer.headers()["location"], "/login?error=invalid");
        let log = stop_and_read(&mut server, &log).await;
        let line = log.lines().find(|l| l.contains("sign-in failed")).unwrap_or_else(|| panic!("{log}"));
        assert!(line.contains("client.ip=127.0.0.1") && line.contains("admin@tessera.local"), "{line}");
        assert!(!log.contains(guess), "the password was logged");
    }
}
