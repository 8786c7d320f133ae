//! Layered configuration: defaults → YAML file (`--config`) → `TESSERA_*` environment.

use std::path::{Path, PathBuf};

use figment::providers::{Env, Format as _, Yaml};
use figment::Figment;
use secrecy::SecretString;
use serde::Deserialize;

/// Which surface this install serves (DESIGN.md, "Deployment mode").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// The issuing server (default).
    #[default]
    Vendor,
    /// A customer's install that verifies offline.
    SelfHost,
}

/// Tessera's runtime configuration. `Debug` never shows secrets.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Config {
    /// `sqlite://...` (default `sqlite://data/tessera.db`) or `postgres://...`.
    pub database_url: String,
    /// Where the KEK file, outgoing mail and other local state live (default `data`).
    pub data_dir: PathBuf,
    /// Address the HTTP server listens on (default `127.0.0.1:3000`).
    pub bind: String,
    /// Public base URL of this server; the `iss` of every token it signs.
    pub public_url: String,
    /// Key-encryption key, base64 of 32 bytes. Without it a key file in the data dir is used.
    pub kek: Option<SecretString>,
    /// `vendor` or `self-host`.
    pub mode: Mode,
    /// Where cargo-leptos put the compiled site (`pkg/`, CSS, assets).
    pub site_root: PathBuf,
    /// Lifetime of a sign-in session, in hours.
    pub session_hours: i64,
    /// E-mail of the administrator created on the first start.
    pub admin_email: String,
    /// `tracing` filter, e.g. `info` or `tessera=debug,info`.
    pub log: String,
    /// SMTP server, e.g. `smtp://user:pass@mail.example.com:587?tls=required`. Without it,
    /// mail is written as `.eml` files under `<data_dir>/mail`.
    pub smtp_url: Option<SecretString>,
    /// Sender of license e-mails.
    pub mail_from: String,
    /// Heartbeats allowed per license per minute (bursts up to this many).
    pub heartbeat_per_license_per_minute: u32,
    /// Heartbeats allowed per client IP per minute.
    pub heartbeat_per_ip_per_minute: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: "sqlite://data/tessera.db".into(),
            data_dir: PathBuf::from("data"),
            bind: "127.0.0.1:3000".into(),
            public_url: "http://127.0.0.1:3000".into(),
            kek: None,
            mode: Mode::Vendor,
            site_root: PathBuf::from("target/site"),
            session_hours: 12,
            admin_email: "admin@tessera.local".into(),
            log: "info".into(),
            smtp_url: None,
            mail_from: "Tessera <licenses@tessera.local>".into(),
            heartbeat_per_license_per_minute: 30,
            heartbeat_per_ip_per_minute: 600,
        }
    }
}

impl Config {
    /// Loads defaults, then the YAML file if given, then `TESSERA_*` variables.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut figment = Figment::new();
        if let Some(path) = file {
            anyhow::ensure!(
                path.exists(),
                "config file {} does not exist",
                path.display()
            );
            figment = figment.merge(Yaml::file(path));
        }
        let config: Config = figment
            .merge(Env::prefixed("TESSERA_").ignore(&["test_postgres_url"]))
            .extract()
            .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.database_url.starts_with("sqlite:") || self.database_url.starts_with("postgres"),
            "database_url must start with sqlite: or postgres://"
        );
        anyhow::ensure!(self.session_hours > 0, "session_hours must be positive");
        Ok(())
    }

    /// The database URL without any password, for messages.
    pub fn redacted_database_url(&self) -> String {
        redact_url(&self.database_url)
    }
}

fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_password_never_appears_in_messages() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("sqlite://data/t.db"), "sqlite://data/t.db");
    }

    #[test]
    fn the_kek_is_hidden_from_debug_output() {
        let config = Config {
            kek: Some("c2VjcmV0".to_string().into()),
            ..Config::default()
        };
        assert!(!format!("{config:?}").contains("c2VjcmV0"));
    }
}
