//! License events through a real `nats-server` (JetStream), published by the real binary and
//! read back by nats-py, an independent client: one message per change, on its subject, with
//! `Nats-Msg-Id` = the event id; nothing lost or repeated when the broker goes away, when a
//! publish is retried after the broker stored it, or when two instances share PostgreSQL.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

use super::shutdown::{start_serving, stop_and_read};
use super::*;
use tessera_backend::both_engines;

/// A private JetStream server on a free port, its data in a temporary folder; killed when
/// dropped. `stop` and `start` keep port and data, like a broker restart.
struct Nats {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl Nats {
    fn new() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut nats = Self {
            port,
            dir: tempfile::tempdir().unwrap(),
            child: None,
        };
        nats.start();
        nats
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn start(&mut self) {
        let child = Command::new("nats-server")
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-js",
                "-sd",
            ])
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server (make test installs it)");
        self.child = Some(child);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("nats-server did not start");
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Every message in the stream, read by nats-py through a new durable consumer, each payload
/// validated by jsonschema against `docs/events/license-event.v1.json`.
fn read_stream(nats: &Nats) -> Vec<Value> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("tests/support/read_events.py");
    let schema = root.join("../docs/events/license-event.v1.json");
    let durable = format!("reader{}", rand::random::<u32>());
    let out = Command::new("python3")
        .arg(script)
        .arg(nats.url())
        .arg(durable)
        .arg(schema)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "nats-py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Reads the stream until it holds `count` messages (20 s at most).
async fn messages(nats: &Nats, count: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let seen = read_stream(nats);
        if seen.len() >= count || tokio::time::Instant::now() > deadline {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// The events recorded in the outbox, in commit order: (id, subject).
async fn outbox(db: &TestDb) -> Vec<(String, String)> {
    let store = db.store().await;
    store
        .outbox_events(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.id, r.subject))
        .collect()
}

fn ids(messages: &[Value]) -> Vec<(String, String)> {
    messages
        .iter()
        .map(|m| {
            (
                m["msg_id"].as_str().unwrap().to_string(),
                m["subject"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn api(method: reqwest::Method, url: String, bearer: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .request(method, url)
        .bearer_auth(bearer)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.unwrap()
}

/// A perpetual license for `studio` on example.com.
fn request() -> tessera_backend::licenses::IssueRequest {
    tessera_backend::licenses::IssueInput {
        email: "buyer@example.com".into(),
        company: "Buyer Ltd".into(),
        tier: "pro".into(),
        product: "studio".into(),
        domains: vec!["example.com".into()],
        ..Default::default()
    }
    .try_into()
    .unwrap()
}

fn license_id(cli: &Cli) -> String {
    let listed: Value = serde_json::from_str(&cli.ok(&["license", "list", "--json"])).unwrap();
    listed["licenses"][0]["id"].as_str().unwrap().to_string()
}

both_engines! {
    async fn each_license_change_arrives_once_on_its_subject_read_by_nats_py(cli: &Cli) {
        let nats = Nats::new();
        let (mut server, base, log) = start_serving(&cli.db, &[("TESSERA_NATS_URL", &nats.url())]).await;
        cli.issue(&["--kind", "subscription", "--expires", "2031-01-01"]);
        let id = license_id(cli);
        let bearer = cli.ok(&["api-token", "create", "--name", "crm", "--scope", "licenses:write"]);
        let bearer = bearer.lines().last().unwrap();
        api(reqwest::Method::POST, format!("{base}/api/v1/licenses/{id}/resend"), bearer, json!({})).await;
        cli.ok(&["license", "renew", &id, "--expires", "2032-01-01"]);
        let to = json!({"email": "it@new.example", "company": "New Owner", "confirm_revocation": true, "confirm_new_owner": true});
        let moved = api(reqwest::Method::POST, format!("{base}/api/v1/licenses/{id}/transfer"), bearer, to).await;
        let new_id = moved["license"]["id"].as_str().unwrap().to_string();
        cli.ok(&["license", "revoke", &new_id, "--reason", "chargeback"]);

        let seen = messages(&nats, 4).await;
        assert_eq!(ids(&seen), outbox(&cli.db).await, "exactly the outbox, in commit order, once");
        let subjects: Vec<&str> = seen.iter().map(|m| m["subject"].as_str().unwrap()).collect();
        assert_eq!(subjects, ["tessera.license.resent", "tessera.license.renewed", "tessera.license.transferred", "tessera.license.revoked"]);
        for message in &seen {
            assert_eq!(message["msg_id"], message["payload"]["id"], "Nats-Msg-Id is the event id");
            assert_eq!(message["payload"]["version"], 1);
        }
        assert_eq!(seen[0]["payload"]["source"], "api");
        assert_eq!(seen[1]["payload"]["source"], "manual");
        assert_eq!(seen[3]["payload"]["license_id"], new_id.as_str());
        stop_and_read(&mut server, &log).await;
    }

    async fn a_broker_that_goes_away_mid_stream_loses_and_repeats_nothing(cli: &Cli) {
        let mut nats = Nats::new();
        let (mut server, base, log) = start_serving(&cli.db, &[("TESSERA_NATS_URL", &nats.url())]).await;
        for _ in 0..3 {
            cli.issue(&[]);
        }
        let listed: Value = serde_json::from_str(&cli.ok(&["license", "list", "--json"])).unwrap();
        let licenses: Vec<String> = listed["licenses"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap().to_string()).collect();
        cli.ok(&["license", "revoke", &licenses[0], "--reason", "before the outage"]);
        assert_eq!(messages(&nats, 1).await.len(), 1);

        nats.stop();
        for id in &licenses[1..] {
            cli.ok(&["license", "revoke", id, "--reason", "during the outage"]);
        }
        let metrics = reqwest::get(format!("{base}/metrics")).await.unwrap().text().await.unwrap();
        assert!(metrics.contains("tessera_outbox_backlog 2"), "the backlog shows on /metrics:\n{metrics}");
        nats.start();

        let seen = messages(&nats, 3).await;
        assert_eq!(ids(&seen), outbox(&cli.db).await, "every event once, in commit order");
        stop_and_read(&mut server, &log).await;
    }

    async fn a_publish_retried_after_the_broker_stored_it_is_dropped_as_a_repeat(cli: &Cli) {
        let nats = Nats::new();
        let backend = cli.db.backend().await;
        backend.generate_key(None, "test").await.unwrap();
        for _ in 0..3 {
            let issued = backend.issue_license(&request(), "test").await.unwrap();
            backend.revoke_license(&issued.license.id, "test", "test").await.unwrap();
        }
        let sink = tessera_events::JetStream::connect(&nats.url(), None).await.unwrap();
        assert_eq!(backend.publish_outbox(&sink, "a", 100).await.unwrap().events, 3);
        // As after a crash between the broker's acknowledgement and the row's mark.
        cli.db.sql(&["UPDATE outbox SET published_at = NULL"]).await;
        let retried = backend.publish_outbox(&sink, "a", 100).await.unwrap();
        assert_eq!((retried.events, retried.duplicates), (3, 3));
        assert_eq!(ids(&read_stream(&nats)), outbox(&cli.db).await, "stored once");
    }
}

both_engines! {
    async fn a_publisher_killed_between_the_ack_and_the_mark_is_deduplicated_on_restart(cli: &Cli) {
        let nats = Nats::new();
        let url = nats.url();
        let paused = [("TESSERA_NATS_URL", url.as_str()), ("TESSERA_DEBUG_PAUSE_BEFORE_MARK_MS", "60000")];
        let (mut server, _, _log) = start_serving(&cli.db, &paused).await;
        cli.issue(&[]);
        cli.ok(&["license", "revoke", &license_id(cli), "--reason", "test"]);
        // The broker has the event; the publisher sits before marking it.
        assert_eq!(messages(&nats, 1).await.len(), 1);
        let pid = server.id().unwrap().to_string();
        assert!(Command::new("kill").args(["-9", &pid]).status().unwrap().success());
        server.wait().await.unwrap();
        assert_eq!(cli.db.store().await.outbox_backlog().await.unwrap().count, 1, "not marked");

        let (mut again, _, log) = start_serving(&cli.db, &[("TESSERA_NATS_URL", url.as_str())]).await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(45);
        // The dead instance's lease runs out (30 s); then the event is published again.
        while cli.db.store().await.outbox_backlog().await.unwrap().count > 0 {
            assert!(tokio::time::Instant::now() < deadline, "the event was never marked");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        assert_eq!(ids(&read_stream(&nats)), outbox(&cli.db).await, "the broker kept one copy");
        stop_and_read(&mut again, &log).await;
    }
}

mod on_postgresql {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_instances_publish_a_burst_without_a_duplicate_or_a_gap() {
        let cli = Cli::new(Engine::Postgres).await;
        let nats = Nats::new();
        let env = [("TESSERA_NATS_URL", nats.url())];
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (mut first, _, first_log) = start_serving(&cli.db, &env).await;
        let (mut second, _, second_log) = start_serving(&cli.db, &env).await;
        // Opened with the instances' key-encryption key (their data dir), to sign as they do.
        let backend = tessera_backend::Backend::connect(cli.db.config())
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for n in 0..30 {
            let backend = backend.clone();
            tasks.push(tokio::spawn(async move {
                let issued = backend.issue_license(&request(), "burst").await.unwrap();
                backend
                    .revoke_license(&issued.license.id, &format!("burst {n}"), "burst")
                    .await
                    .unwrap();
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        // The instance holding the lease stops; the other takes over within the lease.
        stop_and_read(&mut first, &first_log).await;
        let seen = messages(&nats, 30).await;
        assert_eq!(seen.len(), 30);
        assert_eq!(
            ids(&seen),
            outbox(&cli.db).await,
            "no duplicate, no gap, commit order"
        );
        stop_and_read(&mut second, &second_log).await;
    }
}
