//! `tessera dev stripe`, `tessera stripe sync-products` and `ensure-webhook`, as processes:
//! the stand-in started from the binary (delivering signed events where it is told), the
//! catalog pushed to it with progress on stderr, the webhook endpoint made and mended, a
//! second run that changes nothing and says so, and a clear refusal without a Stripe key.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use tessera_backend::both_engines;

use crate::Cli;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/catalog.example.yaml");

/// Kills the stand-in when the test ends, however it ends. Its output stays open (a closed
/// pipe would end it at its next line).
struct Running {
    child: std::process::Child,
    _output: BufReader<std::process::ChildStdout>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dev_stripe() -> (Running, String) {
    dev_stripe_with(&[])
}

fn dev_stripe_with(extra: &[&str]) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["dev", "stripe", "--port", "0"])
        .args(extra)
        .env("TESSERA_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut output = BufReader::new(child.stdout.take().unwrap());
    output.read_line(&mut first).unwrap();
    let url = first.trim().rsplit(' ').next().unwrap().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");
    (
        Running {
            child,
            _output: output,
        },
        url,
    )
}

both_engines! {
    async fn sync_products_pushes_the_catalog_to_the_stand_in_once(cli: &Cli) {
        let (_standin, url) = dev_stripe();
        cli.ok(&["catalog", "apply", EXAMPLE]);
        let env = [("TESSERA_STRIPE_SECRET_KEY", "sk_test_cli"), ("TESSERA_STRIPE_API_BASE", url.as_str())];
        let first = cli.run_env(&["stripe", "sync-products"], &env);
        assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
        let out = String::from_utf8(first.stdout).unwrap();
        assert!(out.contains("+ product chat (prod_") && out.contains("+ price chat-pro-monthly 49.00 EUR/month (price_"), "{out}");
        assert!(out.ends_with("7 change(s) made in Stripe\n"), "{out}");
        let progress = String::from_utf8(first.stderr).unwrap();
        assert!(progress.contains("syncing 1/2: chat") && progress.contains("syncing 2/2: chat-internal"), "{progress}");
        assert!(!progress.contains("sk_test_cli") && !out.contains("sk_test_cli"), "the key is never printed");

        let prices: serde_json::Value = reqwest::get(format!("{url}_standin/requests")).await.unwrap().json().await.unwrap();
        let posts = prices.as_array().unwrap().iter().filter(|r| r.as_str().unwrap().starts_with("POST")).count();
        let again = cli.run_env(&["stripe", "sync-products"], &env);
        assert_eq!(String::from_utf8_lossy(&again.stdout), "Stripe already matches the catalog; nothing changed\n");
        let after: serde_json::Value = reqwest::get(format!("{url}_standin/requests")).await.unwrap().json().await.unwrap();
        assert_eq!(after.as_array().unwrap().iter().filter(|r| r.as_str().unwrap().starts_with("POST")).count(), posts);

        let bare = cli.run(&["stripe", "sync-products"]);
        assert!(!bare.status.success());
        assert!(String::from_utf8_lossy(&bare.stderr).contains("Stripe is not configured: set TESSERA_STRIPE_SECRET_KEY"));
        let wrong = cli.run_env(&["stripe", "sync-products"], &[("TESSERA_STRIPE_SECRET_KEY", "pk_test_publishable"), ("TESSERA_STRIPE_API_BASE", url.as_str())]);
        assert!(!wrong.status.success());
        assert!(String::from_utf8_lossy(&wrong.stderr).contains("Stripe refused: Invalid API Key provided"));
    }

    async fn ensure_webhook_makes_the_endpoint_once_and_mends_it(cli: &Cli) {
        let (_standin, url) = dev_stripe();
        let env = [("TESSERA_STRIPE_SECRET_KEY", "sk_test_cli"), ("TESSERA_STRIPE_API_BASE", url.as_str())];
        let args = ["stripe", "ensure-webhook", "--public-url", "https://licenses.example.com/"];
        let first = cli.run_env(&args, &env);
        assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
        let out = String::from_utf8(first.stdout).unwrap();
        assert!(out.contains("for https://licenses.example.com/api/v1/stripe/webhook"), "{out}");
        let secret = out.split("TESSERA_STRIPE_WEBHOOK_SECRET=").nth(1).unwrap().trim().to_string();
        assert!(secret.starts_with("whsec_"), "{out}");
        let client = reqwest::Client::new();
        let list = async || -> serde_json::Value {
            client.get(format!("{url}v1/webhook_endpoints")).bearer_auth("sk_test_cli").send().await.unwrap().json().await.unwrap()
        };
        let listed = list().await;
        let endpoint = &listed["data"][0];
        assert_eq!(listed["data"].as_array().unwrap().len(), 1);
        let mut events: Vec<&str> = endpoint["enabled_events"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
        events.sort_unstable();
        let mut handled = tessera_backend::commerce::HANDLED_EVENTS.to_vec();
        handled.sort_unstable();
        assert_eq!(events, handled);
        assert_eq!(endpoint["api_version"], tessera_stripe_standin::API_VERSION);
        assert!(!listed.to_string().contains(&secret), "the secret is shown once");

        let again = cli.run_env(&args, &env);
        assert!(String::from_utf8_lossy(&again.stdout).contains("nothing changed"), "{}", String::from_utf8_lossy(&again.stdout));
        // Someone narrows and disables it at Stripe: the next run puts it right.
        let id = endpoint["id"].as_str().unwrap();
        let narrowed = client.post(format!("{url}v1/webhook_endpoints/{id}")).bearer_auth("sk_test_cli")
            .form(&[("enabled_events[0]", "charge.refunded"), ("disabled", "true")]).send().await.unwrap();
        assert_eq!(narrowed.status(), 200);
        let mended = cli.run_env(&args, &env);
        let said = String::from_utf8(mended.stdout).unwrap();
        assert!(said.contains(&format!("updated webhook endpoint {id}")) && said.contains("status disabled → enabled"), "{said}");
        let listed = list().await;
        assert_eq!(listed["data"][0]["enabled_events"].as_array().unwrap().len(), handled.len());
        assert_eq!(listed["data"][0]["status"], "enabled");
        let posts = client.get(format!("{url}_standin/requests")).send().await.unwrap().json::<Vec<String>>().await.unwrap();
        assert_eq!(posts.iter().filter(|r| *r == "POST /v1/webhook_endpoints").count(), 1, "made once");
        assert!(String::from_utf8_lossy(&mended.stderr).is_empty(), "same API version: no warning");
        // An endpoint in an older API version cannot be changed at Stripe: the run says so.
        let deleted = client.delete(format!("{url}v1/webhook_endpoints/{id}")).bearer_auth("sk_test_cli").send().await.unwrap();
        assert_eq!(deleted.status(), 200);
        let old = client.post(format!("{url}v1/webhook_endpoints")).bearer_auth("sk_test_cli")
            .form(&[("url", "https://licenses.example.com/api/v1/stripe/webhook"), ("api_version", "2020-08-27"), ("enabled_events[0]", "charge.refunded")])
            .send().await.unwrap();
        assert_eq!(old.status(), 200);
        let warned = cli.run_env(&args, &env);
        let warning = String::from_utf8(warned.stderr).unwrap();
        assert!(warning.contains("API version 2020-08-27") && warning.contains("delete it at Stripe"), "{warning}");
    }

    async fn dev_stripe_delivers_signed_events_to_the_webhook_url(_cli: &Cli) {
        let receiver = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let hook = format!("http://{}/hook", receiver.local_addr().unwrap());
        let (got, mut seen) = tokio::sync::mpsc::channel::<(String, String)>(4);
        let app = axum::Router::new().route("/hook", axum::routing::post(async move |headers: axum::http::HeaderMap, body: String| {
            let signature = headers["stripe-signature"].to_str().unwrap().to_string();
            got.send((signature, body)).await.unwrap();
            "ok"
        }));
        tokio::spawn(async move { axum::serve(receiver, app).await.unwrap() });
        let (_standin, url) = dev_stripe_with(&["--webhook-url", &hook, "--webhook-secret", "whsec_cli_dev"]);
        let event = serde_json::json!({ "type": "customer.created", "object": { "id": "cus_1", "object": "customer" } });
        let sent = reqwest::Client::new().post(format!("{url}_standin/send")).json(&event).send().await.unwrap();
        assert!(sent.status().is_success());
        let (signature, body) = tokio::time::timeout(std::time::Duration::from_secs(20), seen.recv()).await.unwrap().unwrap();
        let at = chrono::Utc::now().timestamp();
        tessera_backend::commerce::signature::verify("whsec_cli_dev", &signature, body.as_bytes(), at).unwrap();
        let delivered: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!((delivered["type"].as_str(), delivered["data"]["object"]["id"].as_str()), (Some("customer.created"), Some("cus_1")));
    }
}
