//! Tessera's use cases (issue, verify, keys, users, sessions) and the adapters they run on:
//! storage (SQLite/PostgreSQL), the signer with its key-encryption key, and configuration.
//!
//! Nothing here knows about HTTP: the server and the app call these functions and map
//! [`Error`] to answers.

pub mod accounts;
pub mod airgap;
pub mod api_tokens;
pub mod audit;
pub mod auth;
pub mod bootstrap;
pub mod catalog;
pub mod commerce;
pub mod config;
pub mod crypto;
pub mod customers;
pub mod dashboard;
pub mod error;
pub mod events;
pub mod heartbeat;
mod heartbeat_writer;
pub mod input;
pub mod keys;
pub mod licenses;
pub mod login_guard;
pub mod mail;
pub mod maintenance;
pub mod ratelimit;
pub mod selfhost;
mod standings;
pub mod store;
#[cfg(feature = "test-support")]
pub mod testing;
mod time;
pub mod usage;
pub mod webhooks;

use std::sync::Arc;

pub use config::Config;
pub use error::{Error, Result};
pub use time::now;

use anyhow::Context as _;
use crypto::Kek;
use mail::Mailer;
use ratelimit::RateLimiter;
use store::Store;

/// Everything a request or a CLI command needs: configuration, storage, the key-encryption
/// key, the mailer and the rate limiter.
#[derive(Clone, Debug)]
pub struct Backend {
    config: Arc<Config>,
    store: Arc<dyn Store>,
    kek: Arc<Kek>,
    mailer: Mailer,
    limiter: Arc<RateLimiter>,
    login_guard: Arc<login_guard::LoginGuard>,
    heartbeat_writer: Arc<std::sync::OnceLock<heartbeat_writer::HeartbeatWriter>>,
    standings: Arc<std::sync::OnceLock<standings::StandingReader>>,
    key_cache: Arc<keys::KeyCache>,
    verified_tokens: Arc<heartbeat::VerifiedTokens>,
    audit: Arc<audit::AuditMonitor>,
    /// This install's own license holder: the self-hosted side's pinned keys and identity,
    /// or a vendor install's license for Tessera itself; `None` for an unlicensed vendor.
    licensee: Option<Arc<selfhost::SelfHost>>,
    /// The Stripe account (`TESSERA_STRIPE_SECRET_KEY`), if one is configured.
    stripe: Option<Arc<tessera_stripe::Stripe>>,
}

impl Backend {
    /// Opens the database named by the configuration, runs its migrations and loads the KEK.
    pub async fn connect(config: Config) -> anyhow::Result<Self> {
        let store = store::connect(&config.database_url)
            .await
            .with_context(|| format!("opening the database {}", config.redacted_database_url()))?;
        store
            .migrate()
            .await
            .context("running database migrations")?;
        let kek = Kek::load(&config).context("loading the key-encryption key")?;
        Self::from_parts(config, store, kek)
    }

    /// Assembles a backend from already-opened parts (tests use it with a fresh database).
    pub fn from_parts(config: Config, store: Arc<dyn Store>, kek: Kek) -> anyhow::Result<Self> {
        let mailer = Mailer::from_config(&config)?;
        // The store chains audit rows with this key inside its own transactions.
        let chain_key = audit::ChainKey::from_kek(&kek);
        store.set_chain_key(Arc::new(chain_key.clone()))?;
        let audit = Arc::new(audit::AuditMonitor::new(&config, chain_key));
        let licensee = selfhost::SelfHost::load(&config)?.map(Arc::new);
        let stripe = commerce::stripe_from(&config)?;
        Ok(Self {
            config: Arc::new(config),
            store,
            kek: Arc::new(kek),
            mailer,
            limiter: Arc::new(RateLimiter::default()),
            login_guard: Arc::default(),
            heartbeat_writer: Arc::default(),
            standings: Arc::default(),
            key_cache: Arc::default(),
            verified_tokens: Arc::default(),
            audit,
            licensee,
            stripe,
        })
    }

    /// The configuration this backend runs with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Where `.eml` files are written when no SMTP server is configured.
    pub fn mail_file_dir(&self) -> Option<&std::path::Path> {
        self.mailer.file_dir()
    }

    /// The storage adapter (exposed for health checks and tests).
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }
}
