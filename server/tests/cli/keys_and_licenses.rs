use super::*;
use tessera_backend::both_engines;
use tessera_license::vocab::{LicenseStatus, StatusFilter};

both_engines! {
    async fn an_issued_token_verifies_and_a_tampered_one_does_not(cli: &Cli) {
        cli.ok(&["migrate"]);
        let generated = cli.ok(&["keys", "generate", "--kid", "k1"]);
        assert!(generated.contains("k1\tactive\tsigning"), "{generated}");
        let token = cli.issue(&["--feature", "sso", "--seats", "crm.agent=5", "--seats", "crm=10", "--support-period", "12mo"]);
        assert_eq!(token.split('.').count(), 3);

        let shown = cli.ok(&["license", "verify", &token, "--aud", "studio"]);
        assert!(shown.contains("is active") && shown.contains("Example S.L."), "{shown}");
        let json: serde_json::Value = serde_json::from_str(&cli.ok(&["license", "verify", &token, "--json"])).unwrap();
        assert_eq!(json["valid"], true);
        assert_eq!(json["kid"], "k1");
        assert_eq!(json["claims"]["lic"]["seats"]["crm"]["roles"]["agent"], 5);
        assert_eq!(json["claims"]["lic"]["seats"]["crm"]["pool"], 10);

        let from_stdin = cli.run_with_stdin(&["license", "verify", "-"], Some(&format!("{token}\n")));
        assert!(from_stdin.status.success());

        let mut tampered = token.clone();
        tampered.insert(tampered.find('.').unwrap() + 5, 'A');
        let refused = cli.run(&["license", "verify", &tampered]);
        assert!(!refused.status.success());
        assert!(String::from_utf8_lossy(&refused.stderr).starts_with("invalid: "));

        let wrong_aud = cli.run(&["license", "verify", &token, "--aud", "other", "--json"]);
        assert!(!wrong_aud.status.success());
        let answer: serde_json::Value = serde_json::from_slice(&wrong_aud.stdout).unwrap();
        assert_eq!(answer["error"], "wrong_audience");
    }

    async fn offline_verification_uses_a_pem_or_a_jwks_file(cli: &Cli) {
        cli.ok(&["keys", "generate", "--kid", "k1"]);
        let token = cli.issue(&[]);
        let dir = tempfile::tempdir().unwrap();
        let jwks = dir.path().join("jwks.json");
        std::fs::write(&jwks, cli.ok(&["keys", "jwks"])).unwrap();
        let pem = dir.path().join("k1.pub.pem");
        std::fs::write(&pem, cli.ok(&["keys", "export-public", "k1"])).unwrap();
        assert!(std::fs::read_to_string(&pem).unwrap().starts_with("-----BEGIN PUBLIC KEY-----"));

        // A different database (empty) must not matter: the key comes from the file.
        let elsewhere = Cli::new(Engine::Sqlite).await;
        elsewhere.ok(&["license", "verify", &token, "--jwks", jwks.to_str().unwrap()]);
        elsewhere.ok(&["license", "verify", &token, "--key", pem.to_str().unwrap()]);
        let other_key = Cli::new(Engine::Sqlite).await;
        other_key.ok(&["keys", "generate", "--kid", "k1"]);
        let foreign = other_key.run(&["license", "verify", &token]);
        assert!(!foreign.status.success(), "a token must not verify under another key with the same kid");
    }

    async fn key_rotation_and_retirement_from_the_cli(cli: &Cli) {
        cli.ok(&["keys", "generate", "--kid", "old"]);
        let token = cli.issue(&[]);
        cli.ok(&["keys", "generate", "--kid", "new"]);
        cli.ok(&["keys", "activate", "new"]);
        let refused = cli.run(&["keys", "retire", "old"]);
        assert!(!refused.status.success());
        assert!(String::from_utf8_lossy(&refused.stderr).contains("1 unexpired license"));
        cli.ok(&["license", "verify", &token]);
        let list = cli.ok(&["keys", "list"]);
        assert!(list.contains("new\tactive") && list.contains("old\taccepted"), "{list}");
    }

    async fn users_are_created_with_a_given_or_generated_password(cli: &Cli) {
        let given = cli.run_with_stdin(
            &["admin", "create-user", "--email", "op@example.com", "--role", "operator", "--password-stdin"],
            Some("a long enough passphrase\n"),
        );
        assert!(given.status.success(), "{}", String::from_utf8_lossy(&given.stderr));
        assert!(!String::from_utf8_lossy(&given.stdout).contains("passphrase"));
        let generated = cli.ok(&["admin", "create-user", "--email", "v@example.com", "--role", "viewer"]);
        assert!(generated.contains("one-time password: "));
        let dup = cli.run(&["admin", "create-user", "--email", "v@example.com", "--role", "viewer"]);
        assert!(!dup.status.success());
        assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));
    }

    async fn bad_issue_input_is_a_clear_error(cli: &Cli) {
        cli.ok(&["keys", "generate"]);
        let cases: &[(&[&str], &str)] = &[
            (&["--domain", "app.example.com"], "example.com"),
            (&["--kind", "subscription"], "expiry"),
            (&["--kind", "perpetual", "--expires", "2030-01-01T00:00:00Z"], "perpetual"),
            (&["--expires", "tomorrow", "--kind", "trial"], "2027-01-31T00:00:00Z"),
            (&["--seats", "crm.agent=many"], "whole number"),
            (&["--support-period", "12"], "12mo"),
        ];
        for (extra, expected) in cases {
            let mut args = vec!["license", "issue", "--email", "a@example.com", "--company", "A", "--tier", "pro", "--product", "studio", "--domain", "localhost"];
            args.extend_from_slice(extra);
            let out = cli.run(&args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success() && stderr.contains(expected), "{extra:?}: {stderr}");
        }
    }
}

both_engines! {
    async fn licenses_are_listed_shown_and_revoked_from_the_cli(cli: &Cli) {
        cli.ok(&["keys", "generate", "--kid", "k1"]);
        let token = cli.issue(&["--plan", "zeta"]);
        let id = serde_json::from_str::<serde_json::Value>(&cli.ok(&["license", "verify", &token, "--json"])).unwrap()["claims"]["sub"]
            .as_str().unwrap().to_string();
        let list = cli.ok(&["license", "list"]);
        assert!(list.contains(&id) && list.contains(LicenseStatus::Active.as_str()), "{list}");
        let json: serde_json::Value = serde_json::from_str(&cli.ok(&["license", "list", "--status", StatusFilter::Active.as_str(), "--json"])).unwrap();
        assert_eq!(json["total"], 1);
        let missing_reason = cli.run(&["license", "revoke", &id]);
        assert!(!missing_reason.status.success());
        cli.ok(&["license", "revoke", &id, "--reason", "chargeback"]);
        let shown = cli.ok(&["license", "show", &id]);
        assert!(shown.contains("revoked (chargeback)") && shown.contains("license.revoked"), "{shown}");
        let refused = cli.run(&["license", "verify", &token]);
        assert!(!refused.status.success());
        assert!(String::from_utf8_lossy(&refused.stderr).contains("is revoked"));
        let revoked: serde_json::Value = serde_json::from_str(&cli.ok(&["license", "list", "--status", "revoked", "--json"])).unwrap();
        assert_eq!(revoked["total"], 1);
    }

    async fn api_tokens_and_retention_from_the_cli(cli: &Cli) {
        let created = cli.ok(&["api-token", "create", "--name", "shop", "--scope", "licenses:read", "--expires-in", "30d"]);
        let jwt = created.lines().last().unwrap();
        assert_eq!(jwt.split('.').count(), 3);
        let id = created.split_whitespace().nth(1).unwrap().to_string();
        let list = cli.ok(&["api-token", "list"]);
        assert!(list.contains(&id) && list.contains("shop") && !list.contains(jwt));
        cli.ok(&["api-token", "revoke", &id]);
        let bad_scope = cli.run(&["api-token", "create", "--name", "x", "--scope", "admin"]);
        assert!(!bad_scope.status.success());
        let retention = cli.ok(&["maintenance", "retention"]);
        assert!(retention.contains("rolled 0 heartbeat row(s)"));
    }
}
