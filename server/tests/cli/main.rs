//! The `tessera` binary as an operator uses it, on SQLite and PostgreSQL, plus interop with
//! an independent JOSE implementation (PyJWT).

mod accounts;
mod audit;
mod catalog;
mod events;
mod interop;
mod json_shapes;
mod keys_and_licenses;
mod self_license;
mod shutdown;
#[path = "../support/snapshot.rs"]
mod snapshot;
mod stripe;
mod two_instances;
mod webhooks;

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use tessera_backend::testing::{Engine, TestDb};

/// A data dir and database for one test, and a way to run `tessera` against them.
#[derive(Debug)]
pub struct Cli {
    pub db: TestDb,
}

impl tessera_backend::testing::Fixture for Cli {
    fn start(engine: Engine) -> impl std::future::Future<Output = Self> {
        Self::new(engine)
    }
}

impl Cli {
    pub async fn new(engine: Engine) -> Self {
        Self {
            db: TestDb::new(engine).await,
        }
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with_stdin(args, None)
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: Option<&str>) -> Output {
        self.run_full(args, stdin, &[])
    }

    /// Runs with extra environment variables.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        self.run_full(args, None, env)
    }

    /// Runs with standard input and extra environment variables.
    pub fn run_full_env(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
        self.run_full(args, stdin, env)
    }

    fn run_full(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tessera"))
            .args(args)
            .envs(env.iter().copied())
            .env("TESSERA_DATABASE_URL", &self.db.url)
            .env("TESSERA_DATA_DIR", &self.db.data_dir)
            .env("TESSERA_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run tessera");
        let mut pipe = child.stdin.take().unwrap();
        if let Some(input) = stdin {
            pipe.write_all(input.as_bytes()).unwrap();
        }
        drop(pipe);
        child.wait_with_output().unwrap()
    }

    /// Runs and requires exit 0; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "tessera {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Issues a typical license and returns its token (the last line of stdout).
    pub fn issue(&self, extra: &[&str]) -> String {
        let mut args = vec![
            "license",
            "issue",
            "--email",
            "ops@example.com",
            "--company",
            "Example S.L.",
            "--tier",
            "pro",
            "--product",
            "studio",
            "--domain",
            "example.com",
        ];
        args.extend_from_slice(extra);
        self.ok(&args).lines().last().unwrap().to_string()
    }
}

#[test]
fn every_command_has_help() {
    let commands: &[&[&str]] = &[
        &[],
        &["serve"],
        &["migrate"],
        &["admin"],
        &["admin", "create-user"],
        &["admin", "list-users"],
        &["admin", "set-role"],
        &["admin", "disable"],
        &["admin", "enable"],
        &["admin", "reset-password"],
        &["admin", "sign-out-everywhere"],
        &["keys"],
        &["keys", "generate"],
        &["keys", "import"],
        &["keys", "list"],
        &["keys", "activate"],
        &["keys", "retire"],
        &["keys", "jwks"],
        &["keys", "export-public"],
        &["license"],
        &["license", "issue"],
        &["license", "verify"],
        &["license", "answer"],
        &["license", "renew"],
        &["webhooks"],
        &["webhooks", "add"],
        &["webhooks", "list"],
        &["webhooks", "enable"],
        &["webhooks", "disable"],
        &["webhooks", "deliveries"],
        &["webhooks", "redeliver"],
    ];
    for command in commands {
        let out = Command::new(env!("CARGO_BIN_EXE_tessera"))
            .args(*command)
            .arg("--help")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.contains("Usage:"),
            "{command:?} --help:\n{text}"
        );
    }
}
