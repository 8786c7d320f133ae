//! `tessera catalog apply|export` as a vendor runs it: the changes printed, a second run that
//! changes nothing and says so, an export that applies as a no-op, a dry run, and refusals
//! that name the field and change nothing.

use std::io::Write as _;

use tessera_backend::both_engines;

use crate::Cli;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/catalog.example.yaml");

both_engines! {
    async fn catalog_as_code_applies_once_and_exports_what_it_holds(cli: &Cli) {
        let first = cli.ok(&["catalog", "apply", EXAMPLE]);
        assert!(first.starts_with("+ product chat\n+ plan chat-pro-monthly\n"), "{first}");
        assert!(first.ends_with("7 change(s) made\n"), "{first}");
        let second = cli.ok(&["catalog", "apply", EXAMPLE]);
        assert_eq!(second, "the catalog already holds this; nothing changed\n");

        let exported = cli.ok(&["catalog", "export"]);
        assert!(exported.contains("lookup_key: chat-pro-monthly"), "{exported}");
        let out = cli.run_with_stdin(&["catalog", "apply", "-"], Some(&exported));
        assert!(out.status.success());
        assert_eq!(String::from_utf8_lossy(&out.stdout), "the catalog already holds this; nothing changed\n");

        let cheaper = exported.replace("unit_amount: 4900\n", "unit_amount: 3900\n");
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(cheaper.as_bytes()).unwrap();
        let path = file.path().to_str().unwrap();
        assert_eq!(cli.ok(&["catalog", "apply", "--dry-run", path]), "~ plan chat-pro-monthly: unit_amount\n1 change(s) to make (dry run: nothing changed)\n");
        assert!(cli.ok(&["catalog", "export"]).contains("unit_amount: 4900\n"), "a dry run changes nothing");
        assert_eq!(cli.ok(&["catalog", "apply", path]), "~ plan chat-pro-monthly: unit_amount\n1 change(s) made\n");

        let bad = cli.run_with_stdin(&["catalog", "apply", "-"], Some("products: [{slug: x, name: X, product_key: x, plans: [{lookup_key: k, tier: pro, interval: month, unit_amount: -5, currency: eur}]}]"));
        assert!(!bad.status.success());
        let err = String::from_utf8_lossy(&bad.stderr);
        assert!(err.contains("product x: unit_amount: 0 to 99999999"), "{err}");
        let garbage = cli.run_with_stdin(&["catalog", "apply", "-"], Some("products: {not: [a list"));
        assert!(!garbage.status.success());
        assert!(String::from_utf8_lossy(&garbage.stderr).contains("catalog file: "));
        assert!(!cli.ok(&["catalog", "export"]).contains("slug: x"), "refused files change nothing");
    }
}
