//! `tessera admin` account commands: roles, disabling, password resets, sign-out.

use super::*;
use tessera_backend::both_engines;

const PASS: &str = "a long enough passphrase";

/// Runs and requires exit 1; returns stderr.
fn fails(cli: &Cli, args: &[&str]) -> String {
    let out = cli.run(args);
    assert_eq!(out.status.code(), Some(1), "tessera {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn create(cli: &Cli, email: &str, role: &str) {
    let args = [
        "admin",
        "create-user",
        "--email",
        email,
        "--role",
        role,
        "--password-stdin",
    ];
    let out = cli.run_with_stdin(&args, Some(PASS));
    assert!(out.status.success(), "{out:?}");
}

/// The user `email` as `admin list-users --json` shows it.
fn listed(cli: &Cli, email: &str) -> serde_json::Value {
    let users: Vec<serde_json::Value> =
        serde_json::from_str(&cli.ok(&["admin", "list-users", "--json"])).unwrap();
    users
        .into_iter()
        .find(|u| u["email"] == email)
        .unwrap_or_else(|| panic!("{email} not listed"))
}

/// Opens sessions for user `id` straight in the database (the CLI cannot sign in).
async fn open_sessions(cli: &Cli, id: &str, names: &[&str]) {
    let statements: Vec<String> = names
        .iter()
        .map(|name| {
            format!(
                "INSERT INTO sessions (token_sha256, user_id, created_at, expires_at) \
                 VALUES ('{name}', '{id}', 0, 4102444800)"
            )
        })
        .collect();
    let statements: Vec<&str> = statements.iter().map(String::as_str).collect();
    cli.db.sql(&statements).await;
}

fn sign_out_everywhere(cli: &Cli, email: &str) -> String {
    cli.ok(&["admin", "sign-out-everywhere", "--email", email])
}

both_engines! {
    async fn admin_commands_change_roles_disable_and_reset_passwords(cli: &Cli) {
        // No bootstrap outside `serve`: the database starts without users.
        let empty: Vec<serde_json::Value> =
            serde_json::from_str(&cli.ok(&["admin", "list-users", "--json"])).unwrap();
        assert!(empty.is_empty(), "{empty:?}");
        create(cli, "root@example.com", "sysadmin");
        create(cli, "op@example.com", "operator");
        let op = listed(cli, "op@example.com");
        assert_eq!(op["role"], "operator");
        assert_eq!(op["disabled"], false);
        assert_eq!(op["must_change_password"], false);
        let id = op["id"].as_str().unwrap().to_string();
        open_sessions(cli, &id, &["s1", "s2"]).await;

        let out = cli.ok(&["admin", "set-role", "--email", "op@example.com", "--role", "viewer"]);
        assert!(out.contains("op@example.com") && out.contains("viewer"), "{out}");
        assert_eq!(listed(cli, "op@example.com")["role"], "viewer");

        let out = cli.ok(&["admin", "disable", "--email", "op@example.com"]);
        assert!(out.contains("sessions have ended"), "{out}");
        assert_eq!(listed(cli, "op@example.com")["disabled"], true);
        let table = cli.ok(&["admin", "list-users"]);
        let line = table.lines().find(|l| l.starts_with("op@example.com")).unwrap();
        assert!(line.contains("viewer") && line.contains("disabled"), "{table}");

        cli.ok(&["admin", "enable", "--email", "op@example.com"]);
        assert_eq!(listed(cli, "op@example.com")["disabled"], false);
        // Disabling ended both sessions; enabling does not bring them back.
        let out = sign_out_everywhere(cli, "op@example.com");
        assert!(out.contains("ended 0 session(s) of op@example.com"), "{out}");
        open_sessions(cli, &id, &["s3", "s4"]).await;
        let out = sign_out_everywhere(cli, "op@example.com");
        assert!(out.contains("ended 2 session(s) of op@example.com"), "{out}");

        open_sessions(cli, &id, &["s5"]).await;

        let out = cli.ok(&["admin", "reset-password", "--email", "op@example.com"]);
        let last = out.lines().last().unwrap();
        let password = last.strip_prefix("one-time password: ").unwrap_or_else(|| panic!("{out}"));
        assert!(password.len() >= 20 && !password.contains(' '), "{out}");
        assert!(out.contains("new password at their next sign-in"), "{out}");
        assert_eq!(listed(cli, "op@example.com")["must_change_password"], true);
        let table = cli.ok(&["admin", "list-users"]);
        let line = table.lines().find(|l| l.starts_with("op@example.com")).unwrap();
        assert!(line.contains("must change password") && !line.contains("disabled"), "{table}");
        // The reset ended the session.
        let out = sign_out_everywhere(cli, "op@example.com");
        assert!(out.contains("ended 0 session(s)"), "{out}");

        // The only sysadmin can be neither demoted nor disabled.
        let stderr = fails(cli, &["admin", "set-role", "--email", "root@example.com", "--role", "viewer"]);
        assert!(stderr.contains("sysadmin"), "{stderr}");
        let stderr = fails(cli, &["admin", "disable", "--email", "root@example.com"]);
        assert!(stderr.contains("sysadmin"), "{stderr}");
        let root = listed(cli, "root@example.com");
        assert_eq!(root["role"], "sysadmin");
        assert_eq!(root["disabled"], false);
    }

    async fn admin_commands_name_an_unknown_email_as_not_found(cli: &Cli) {
        create(cli, "root@example.com", "sysadmin");
        for command in [
            &["admin", "set-role", "--email", "ghost@example.com", "--role", "viewer"][..],
            &["admin", "disable", "--email", "ghost@example.com"],
            &["admin", "enable", "--email", "ghost@example.com"],
            &["admin", "reset-password", "--email", "ghost@example.com"],
            &["admin", "sign-out-everywhere", "--email", "ghost@example.com"],
        ] {
            let stderr = fails(cli, command);
            assert!(stderr.contains("not found") && stderr.contains("ghost@example.com"), "{command:?}: {stderr}");
        }
    }
}
