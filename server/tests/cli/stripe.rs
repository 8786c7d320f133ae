//! `tessera dev stripe` and `tessera stripe sync-products`, as processes: the stand-in
//! started from the binary, the catalog pushed to it with progress on stderr, a second run
//! that changes nothing and says so, and a clear refusal without a Stripe key.

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
    let mut child = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["dev", "stripe", "--port", "0"])
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
}
