//! Tessera licenses itself, as two real processes: a master Tessera issues a license for
//! product `tessera`; a vendor Tessera serving with it heartbeats to the master, and its
//! catalog caps are the license's until the master revokes it (then the free tier's).

use std::io::Write as _;

use serde_json::Value;

use super::shutdown::{start_serving, stop_and_read};
use super::two_instances::eventually;
use super::*;
use tessera_backend::both_engines;

fn products(n: usize) -> String {
    (0..n)
        .map(|i| format!("  - {{slug: p{i}, name: P{i}, product_key: p{i}}}\n"))
        .fold("products:\n".to_string(), |all, p| all + &p)
}

both_engines! {
    async fn a_vendor_runs_at_its_own_licenses_caps_until_the_master_revokes_it(master: &Cli) {
        let (mut master_server, master_url, master_log) = start_serving(&master.db, &[]).await;
        let issued = master.ok(&["license", "issue", "--email", "ops@vendor.example", "--company", "Vendor", "--tier", "pro", "--product", "tessera", "--domain", "localhost", "--cap", "products=1", "--feature", "recurring_billing"]);
        let token = issued.lines().last().unwrap().to_string();
        let listed: Value = serde_json::from_str(&master.ok(&["license", "list", "--json"])).unwrap();
        let id = listed["licenses"][0]["id"].as_str().unwrap().to_string();
        let mut jwks = tempfile::NamedTempFile::new().unwrap();
        jwks.write_all(master.ok(&["keys", "jwks"]).as_bytes()).unwrap();
        let jwks_path = jwks.path().to_str().unwrap().to_string();

        let engine = if master.db.url.starts_with("postgres") { Engine::Postgres } else { Engine::Sqlite };
        let vendor = Cli::new(engine).await;
        let env = [
            ("TESSERA_VENDOR_JWKS", jwks_path.as_str()),
            ("TESSERA_VENDOR_URL", master_url.as_str()),
            ("TESSERA_LICENSE", token.as_str()),
            ("TESSERA_HEARTBEAT_INTERVAL", "2s"),
        ];
        let (mut vendor_server, _, vendor_log) = start_serving(&vendor.db, &env).await;
        eventually("the master lists the vendor's install", || async {
            let shown: Value = serde_json::from_str(&master.ok(&["license", "show", &id, "--json"])).unwrap();
            shown["installs_total"].as_i64() == Some(1)
        }).await;

        // The license allows one product: a second is refused, naming the license.
        let apply = |n: usize| vendor.run_full_env(&["catalog", "apply", "-"], Some(&products(n)), &[("TESSERA_VENDOR_JWKS", jwks_path.as_str())]);
        let refused = apply(2);
        assert!(!refused.status.success());
        let err = String::from_utf8_lossy(&refused.stderr);
        assert!(err.contains(&format!("active products: Tessera license {id} allows 1")), "{err}");

        // Revoked at the master: on its next heartbeat the vendor is back at the free tier.
        master.ok(&["license", "revoke", &id, "--reason", "unpaid"]);
        eventually("the vendor falls back to the free tier", || async { apply(2).status.success() }).await;
        let refused = apply(6);
        assert!(String::from_utf8_lossy(&refused.stderr).contains("the free Creator tier"));

        stop_and_read(&mut vendor_server, &vendor_log).await;
        stop_and_read(&mut master_server, &master_log).await;
    }
}
