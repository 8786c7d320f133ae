//! `--json` output, pinned by snapshots (`server/tests/snapshots/`): the same license shape
//! as the REST API, claims as an object, every key once.

use super::*;
use crate::snapshot::{assert_no_duplicate_keys, assert_snapshot};
use tessera_backend::both_engines;

both_engines! {
    async fn the_json_the_cli_prints_keeps_its_shape(cli: &Cli) {
        cli.ok(&["keys", "generate"]);
        let token = cli.issue(&["--plan", "pro-yearly", "--feature", "sso", "--seats", "crm.agent=2", "--cap", "rooms=4"]);
        let list = cli.ok(&["license", "list", "--json"]);
        assert_no_duplicate_keys(&list);
        assert_snapshot("cli_license_list", &list);
        let verified = cli.ok(&["license", "verify", &token, "--json"]);
        assert_no_duplicate_keys(&verified);
        assert_snapshot("cli_license_verify", &verified);
        let id = serde_json::from_str::<serde_json::Value>(&verified).unwrap()["claims"]["sub"].as_str().unwrap().to_string();
        let show = cli.ok(&["license", "show", &id, "--json"]);
        assert_no_duplicate_keys(&show);
        assert_snapshot("cli_license_show", &show);
        let rest_shape: serde_json::Value = serde_json::from_str(&list).unwrap();
        let keys: Vec<&String> = rest_shape["licenses"][0].as_object().unwrap().keys().collect();
        assert!(keys.iter().any(|k| *k == "claims") && !keys.iter().any(|k| *k == "customer_email"), "{keys:?}");
    }
}
