//! Layered configuration: defaults → YAML file (`--config`) → `TESSERA_*` environment.

use std::path::{Path, PathBuf};

use figment::providers::{Env, Format as _, Yaml};
use figment::Figment;
use secrecy::SecretString;
use serde::Deserialize;

mod values;
pub use values::{Interval, TrustedProxies};

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
    /// Where this instance anchors the audit chain: the newest head it verified, outside the
    /// database (default `<data_dir>/audit.anchor`). Each instance keeps its own.
    pub audit_anchor: Option<PathBuf>,
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
    /// Reverse proxies whose `X-Forwarded-For` is believed: IPs or CIDR blocks, comma-separated
    /// (default none: the client is the socket's peer).
    pub trusted_proxies: TrustedProxies,
    /// On SIGTERM/SIGINT, how long in-flight requests may run before they are cut off
    /// (default 25 s, under Kubernetes' 30 s before it sends SIGKILL).
    pub shutdown_grace_secs: u64,
    /// Bearer token that opens `/metrics` from anywhere (it always answers loopback).
    pub metrics_token: Option<SecretString>,
    /// Self-host: the vendor's JWKS file, read once at start (default: the keys embedded at
    /// build time from `TESSERA_BUILD_VENDOR_JWKS`).
    pub vendor_jwks: Option<PathBuf>,
    /// Self-host: the vendor Tessera's base URL, where heartbeats go.
    pub vendor_url: Option<String>,
    /// Self-host: a license token to install at start (a pasted one replaces it later).
    pub license: Option<SecretString>,
    /// Self-host: the product key this install runs; tokens for another product are refused.
    pub product: Option<String>,
    /// Self-host: this deployment's fingerprint, matched against a token's node lock
    /// (default: derived from `/etc/machine-id`, else the host name).
    pub fingerprint: Option<String>,
    /// Self-host: time between heartbeats, e.g. `24h` (default), `15m` or `2s`.
    pub heartbeat_interval: Interval,
    /// Self-host: days an expired license keeps working before it goes dormant (default 14).
    pub grace_days: i64,
    /// NATS server to publish license events to (JetStream), e.g. `nats://127.0.0.1:4222`.
    /// Without it events are still recorded in the outbox, and wait.
    pub nats_url: Option<String>,
    /// A NATS credentials file (`.creds`) for `nats_url`.
    pub nats_credentials: Option<PathBuf>,
    /// The Stripe account's secret key (`sk_live_...`, `sk_test_...`). Without it nothing
    /// is sold through Stripe.
    pub stripe_secret_key: Option<SecretString>,
    /// The signing secret of Tessera's webhook endpoint at Stripe (`whsec_...`).
    pub stripe_webhook_secret: Option<SecretString>,
    /// Where Stripe's API is (default `https://api.stripe.com/`; a stand-in in tests).
    pub stripe_api_base: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: "sqlite://data/tessera.db".into(),
            data_dir: PathBuf::from("data"),
            audit_anchor: None,
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
            trusted_proxies: TrustedProxies::default(),
            shutdown_grace_secs: 25,
            metrics_token: None,
            vendor_jwks: None,
            vendor_url: None,
            license: None,
            product: None,
            fingerprint: None,
            heartbeat_interval: Interval(std::time::Duration::from_secs(86_400)),
            grace_days: 14,
            nats_url: None,
            nats_credentials: None,
            stripe_secret_key: None,
            stripe_webhook_secret: None,
            stripe_api_base: None,
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
        anyhow::ensure!(
            (0..=365).contains(&self.grace_days),
            "grace_days must be between 0 and 365"
        );
        if let Some(url) = &self.vendor_url {
            anyhow::ensure!(
                url.starts_with("https://") || url.starts_with("http://"),
                "vendor_url must be an http:// or https:// URL, not {url:?}"
            );
        }
        if let Some(product) = &self.product {
            tessera_license::ProductKey::parse(product)
                .map_err(|e| anyhow::anyhow!("product: {e}"))?;
        }
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
    use std::net::IpAddr;

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
    fn heartbeat_intervals_read_as_people_write_them() {
        let secs = |text: &str| Interval::parse(text).map(|i| i.0.as_secs());
        assert_eq!(secs("2s"), Ok(2));
        assert_eq!(secs("15m"), Ok(900));
        assert_eq!(secs("24h"), Ok(86_400));
        assert_eq!(secs("7d"), Ok(604_800));
        assert_eq!(secs("90"), Ok(90));
        for bad in ["", "0s", "2w", "h", "-1s", "99999999999999999999d", "400d"] {
            assert!(Interval::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn self_host_settings_are_checked_at_start() {
        let bad = [
            Config {
                grace_days: -1,
                ..Config::default()
            },
            Config {
                vendor_url: Some("ftp://vendor".into()),
                ..Config::default()
            },
            Config {
                product: Some("not a key!".into()),
                ..Config::default()
            },
        ];
        for config in bad {
            assert!(config.validate().is_err(), "{config:?} was accepted");
        }
        let good = Config {
            mode: Mode::SelfHost,
            vendor_url: Some("https://licenses.example.com".into()),
            product: Some("tessera".into()),
            ..Config::default()
        };
        assert!(good.validate().is_ok());
    }

    #[test]
    fn the_kek_is_hidden_from_debug_output() {
        let config = Config {
            kek: Some("c2VjcmV0".to_string().into()),
            ..Config::default()
        };
        assert!(!format!("{config:?}").contains("c2VjcmV0"));
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.0.2.7").unwrap();
        // Straight from the internet: the header is the client's own word, ignored.
        assert_eq!(
            proxies.client_ip(ip("203.0.113.5"), ["198.51.100.1"].into_iter()),
            ip("203.0.113.5")
        );
        // Through the proxy: the right-most untrusted hop, not a forged entry on its left.
        assert_eq!(
            proxies.client_ip(ip("10.1.2.3"), ["6.6.6.6, 203.0.113.9"].into_iter()),
            ip("203.0.113.9")
        );
        // Two proxies in a row, the header split over two lines.
        assert_eq!(
            proxies.client_ip(ip("10.1.2.3"), ["203.0.113.9", "192.0.2.7"].into_iter()),
            ip("203.0.113.9")
        );
        // Garbage stops the walk at the last good hop; no header leaves the proxy itself.
        assert_eq!(
            proxies.client_ip(ip("10.1.2.3"), ["203.0.113.9, junk, 10.9.9.9"].into_iter()),
            ip("10.9.9.9")
        );
        assert_eq!(
            proxies.client_ip(ip("10.1.2.3"), std::iter::empty()),
            ip("10.1.2.3")
        );
        // An IPv4-mapped peer is the IPv4 proxy.
        assert_eq!(
            proxies.client_ip(ip("::ffff:10.1.2.3"), ["203.0.113.9"].into_iter()),
            ip("203.0.113.9")
        );
        assert_eq!(
            TrustedProxies::default().client_ip(ip("10.1.2.3"), ["203.0.113.9"].into_iter()),
            ip("10.1.2.3")
        );
    }

    #[test]
    fn a_bad_proxy_entry_is_refused_by_name() {
        let err = TrustedProxies::parse("10.0.0.0/8, proxy.internal").unwrap_err();
        assert!(err.contains("\"proxy.internal\""), "{err}");
        let err = TrustedProxies::parse("10.0.0.0/33").unwrap_err();
        assert!(err.contains("10.0.0.0/33"), "{err}");
    }

    #[test]
    #[expect(
        clippy::result_large_err,
        reason = "figment's Jail takes a closure returning figment::Error"
    )]
    fn trusted_proxies_load_from_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("TESSERA_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8");
            let config = Config::load(None).map_err(|e| e.to_string())?;
            assert!(config.trusted_proxies.trusts(ip("10.20.30.40")));
            assert!(config.trusted_proxies.trusts(ip("127.0.0.1")));
            assert!(!config.trusted_proxies.trusts(ip("127.0.0.2")));
            jail.set_env("TESSERA_TRUSTED_PROXIES", "nope");
            let err = Config::load(None).unwrap_err().to_string();
            assert!(err.contains("nope"), "{err}");
            Ok(())
        });
    }
}
