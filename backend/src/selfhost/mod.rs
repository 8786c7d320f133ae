//! The self-hosted side (`TESSERA_MODE=self-host`): a customer's install that verifies its
//! license offline against the vendor's pinned keys, heartbeats to the vendor, and enforces
//! plugin seats for the product beside it.
//!
//! - [`install`]: the installed token, its state and entitlements, installing a new one;
//! - [`seats`]: plugin roles and the grant turnstile;
//! - [`vendor`]: heartbeats to the vendor and air-gapped answer files.

pub mod install;
pub mod seats;
pub mod vendor;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use sha2::{Digest as _, Sha256};
use tessera_license::keys::{Jwks, KeySet};
use tessera_license::ProductKey;

use crate::config::{Config, Mode};
use crate::{Backend, Error, Result};

pub use install::{InstallView, VendorVerdict};

/// The product key of Tessera itself: what a vendor install's own license is for.
pub const SELF_PRODUCT: &str = "tessera";

/// The vendor's keys embedded at build time (`TESSERA_BUILD_VENDOR_JWKS`), or empty.
const EMBEDDED_JWKS: &str = include_str!(concat!(env!("OUT_DIR"), "/vendor_jwks.json"));

/// How long a computed license state is reused before the database is read again: short
/// enough that another instance's change shows within it, long enough that the entitlement
/// API costs no signature check per request.
const STATE_TTL: Duration = Duration::from_secs(2);

/// A value computed less than [`STATE_TTL`] ago, if any.
#[derive(Debug)]
struct Recent<T>(Mutex<Option<(Instant, Arc<T>)>>);

impl<T> Default for Recent<T> {
    fn default() -> Self {
        Self(Mutex::new(None))
    }
}

impl<T> Recent<T> {
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<(Instant, Arc<T>)>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn get(&self) -> Option<Arc<T>> {
        self.slot()
            .as_ref()
            .filter(|(at, _)| at.elapsed() < STATE_TTL)
            .map(|(_, value)| Arc::clone(value))
    }

    fn put(&self, value: Arc<T>) {
        *self.slot() = Some((Instant::now(), value));
    }

    fn clear(&self) {
        *self.slot() = None;
    }
}

/// What a self-hosted install fixes when it starts: the pinned keys, who it is, and the
/// last state it computed.
#[derive(Debug)]
pub struct SelfHost {
    keys: KeySet,
    /// Where the pinned keys came from, for `/license`.
    pub keys_source: String,
    fingerprint: String,
    product: Option<ProductKey>,
    /// The host this install serves (from `public_url`), checked against a token's domains.
    host: Option<String>,
    grace_secs: i64,
    cached: Recent<InstallView>,
    cached_seats: Recent<Vec<seats::PluginSeats>>,
    /// Grants of this instance queue here, in order, before their transaction takes the
    /// database's lock (which still orders them against other instances): waiting on a
    /// queue is cheaper than SQLite's busy retries.
    grants: tokio::sync::Mutex<()>,
}

impl SelfHost {
    /// Reads the pinned keys (the `vendor_jwks` file, else the embedded set) and fixes this
    /// install's identity. `None` in vendor mode.
    ///
    /// A vendor install loads it too when it holds a license of its own (Tessera licenses
    /// itself: `TESSERA_LICENSE` from a master Tessera, verified against `vendor_jwks` or the
    /// embedded keys); without one it runs at the free Creator tier and loads nothing.
    pub fn load(config: &Config) -> anyhow::Result<Option<Self>> {
        let licensed_vendor = config.license.is_some()
            || config.vendor_jwks.is_some()
            || !EMBEDDED_JWKS.trim().is_empty();
        if config.mode == Mode::Vendor && !licensed_vendor {
            return Ok(None);
        }
        let (text, source) = match &config.vendor_jwks {
            Some(path) => (
                std::fs::read_to_string(path)
                    .with_context(|| format!("reading vendor_jwks {}", path.display()))?,
                path.display().to_string(),
            ),
            None => (EMBEDDED_JWKS.to_string(), "embedded at build time".into()),
        };
        let keys = pinned_keys(&text, &source)?;
        // A vendor install's own license is a license for Tessera.
        let own_product = (config.mode == Mode::Vendor).then_some(SELF_PRODUCT);
        let product = config
            .product
            .as_deref()
            .or(own_product)
            .map(ProductKey::parse)
            .transpose()
            .map_err(|e| anyhow::anyhow!("product: {e}"))?;
        Ok(Some(Self {
            keys,
            keys_source: source,
            fingerprint: config
                .fingerprint
                .clone()
                .unwrap_or_else(machine_fingerprint),
            product,
            host: host_of(&config.public_url).map(loopback_is_localhost),
            grace_secs: config.grace_days.saturating_mul(86_400),
            cached: Recent::default(),
            cached_seats: Recent::default(),
            grants: tokio::sync::Mutex::new(()),
        }))
    }

    /// This deployment's fingerprint.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The pinned kids, as a heartbeat reports them (`accepted_kids`).
    pub fn pinned_kids(&self) -> Vec<String> {
        self.keys
            .kids()
            .iter()
            .map(|k| k.as_ref().to_string())
            .collect()
    }

    fn cached(&self) -> Option<Arc<InstallView>> {
        self.cached.get()
    }

    fn remember(&self, view: Arc<InstallView>) {
        self.cached.put(view);
    }

    fn cached_seats(&self) -> Option<Arc<Vec<seats::PluginSeats>>> {
        self.cached_seats.get()
    }

    fn remember_seats(&self, seats: Arc<Vec<seats::PluginSeats>>) {
        self.cached_seats.put(seats);
    }

    /// Forgets the seat usage: the next read counts again.
    fn forget_seats(&self) {
        self.cached_seats.clear();
    }

    /// Forgets the computed state (and the seats, whose limits come from it).
    fn forget(&self) {
        self.cached.clear();
        self.forget_seats();
    }
}

/// The pinned keys from a JWKS document's text (`source` names it in messages).
fn pinned_keys(text: &str, source: &str) -> anyhow::Result<KeySet> {
    anyhow::ensure!(
        !text.trim().is_empty(),
        "self-host mode (and a vendor install's own TESSERA_LICENSE) needs the vendor's public \
         keys: set TESSERA_VENDOR_JWKS to a file holding the vendor's /.well-known/jwks.json, \
         or build with TESSERA_BUILD_VENDOR_JWKS"
    );
    let jwks: Jwks = serde_json::from_str(text)
        .with_context(|| format!("the vendor JWKS ({source}) is not a JWKS document"))?;
    let keys = KeySet::from_jwks(&jwks)
        .with_context(|| format!("the vendor JWKS ({source}) holds an unusable key"))?;
    anyhow::ensure!(!keys.is_empty(), "the vendor JWKS ({source}) holds no key");
    Ok(keys)
}

/// The host part of a URL (`https://erp.example.com:8443/x` → `erp.example.com`).
fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => host.split(':').next()?,
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// A loopback address serves `localhost` (a token bound to `localhost` covers it); any other
/// IP address stays as it is and matches no domain.
fn loopback_is_localhost(host: String) -> String {
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) if ip.is_loopback() => "localhost".into(),
        _ => host,
    }
}

/// A stable fingerprint of this machine: the SHA-256 of `/etc/machine-id` (or, where there
/// is none, of the host name), first 32 hex digits.
fn machine_fingerprint() -> String {
    let source = std::fs::read_to_string("/etc/machine-id")
        .ok()
        .filter(|id| !id.trim().is_empty())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .unwrap_or_else(|| "unknown-host".into());
    let digest = Sha256::digest(format!("tessera-fingerprint:{}", source.trim()));
    hex::encode(digest)[..32].to_string()
}

impl Backend {
    /// The self-hosted side, or 404 in vendor mode: its pages and API do not exist there.
    pub fn self_host(&self) -> Result<&SelfHost> {
        match self.config.mode {
            Mode::SelfHost => self.licensee(),
            Mode::Vendor => Err(Error::NotFound("page".into())),
        }
    }

    /// What holds this install's own license: the self-hosted side, or on a vendor install
    /// Tessera's own license (404 when it has none).
    pub fn licensee(&self) -> Result<&SelfHost> {
        self.licensee
            .as_deref()
            .ok_or_else(|| Error::NotFound("page".into()))
    }

    /// Vendor use cases (issuing, keys, receiving heartbeats) do not exist on a self-hosted
    /// install: 404 there.
    pub fn vendor_only(&self) -> Result<()> {
        match self.config.mode {
            Mode::Vendor => Ok(()),
            Mode::SelfHost => Err(Error::NotFound("page".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_served_host_is_read_from_the_public_url() {
        assert_eq!(
            host_of("https://erp.example.com:8443/x").as_deref(),
            Some("erp.example.com")
        );
        assert_eq!(
            host_of("http://127.0.0.1:3000").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(host_of("http://[::1]:3000/").as_deref(), Some("::1"));
        assert_eq!(
            host_of("https://u:p@Shop.Example.COM").as_deref(),
            Some("shop.example.com")
        );
        assert_eq!(host_of("https://"), None);
    }

    #[test]
    fn the_pinned_keys_come_from_a_jwks_or_start_is_refused_saying_why() {
        let key = tessera_license::SigningKeyPair::generate(None);
        let jwks = serde_json::to_string(&Jwks::from_keys([&key.public()])).unwrap();
        let keys = pinned_keys(&jwks, "test").unwrap();
        assert!(keys.get(key.kid()).is_some());
        for (text, why) in [
            ("", "TESSERA_VENDOR_JWKS"),
            ("{not json", "not a JWKS document"),
            (r#"{"keys": []}"#, "holds no key"),
            (
                r#"{"keys": [{"kty": "RSA", "crv": "P-256", "x": "AAAA"}]}"#,
                "unusable key",
            ),
        ] {
            let err = format!("{:#}", pinned_keys(text, "test").unwrap_err());
            assert!(err.contains(why), "{why:?} not in {err:?}");
        }
        // This build embedded nothing (the test suite is built without
        // TESSERA_BUILD_VENDOR_JWKS), so a self-hosted start without a file is refused.
        assert!(EMBEDDED_JWKS.trim().is_empty());
    }

    #[test]
    fn a_loopback_address_serves_localhost_and_no_other_ip_does() {
        assert_eq!(loopback_is_localhost("127.0.0.1".into()), "localhost");
        assert_eq!(loopback_is_localhost("::1".into()), "localhost");
        assert_eq!(loopback_is_localhost("10.0.0.7".into()), "10.0.0.7");
        assert_eq!(
            loopback_is_localhost("erp.example.com".into()),
            "erp.example.com"
        );
        assert!(tessera_license::registrable_of_host("10.0.0.7").is_none());
    }

    #[test]
    fn the_machine_fingerprint_is_stable_and_opaque() {
        let a = machine_fingerprint();
        assert_eq!(a, machine_fingerprint());
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
