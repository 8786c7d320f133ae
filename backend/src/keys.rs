//! Signing-key use cases: generate, import, activate, retire, publish (JWKS), and the signer.
//!
//! Rotation (DESIGN.md): a new key arrives as `accepted` (published, verifies, signs nothing),
//! is activated once installs accept it, and the old key is retired when no unexpired license
//! still uses it. The very first key is active at once.

use tessera_license::keys::{import_pem, ImportedKey, Jwks, KeySet, PublicKey, SigningKeyPair};
use tessera_license::Kid;

use crate::store::{AuditAction, AuditEvent, KeyRow, KeyStatus, StoreError};
use crate::{now, Backend, Error, Result};

/// A key as the UI and CLI show it: never the private part.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KeyInfo {
    pub kid: String,
    pub status: KeyStatus,
    pub can_sign: bool,
    pub created_at: i64,
    pub activated_at: Option<i64>,
    pub retired_at: Option<i64>,
}

impl From<&KeyRow> for KeyInfo {
    fn from(row: &KeyRow) -> Self {
        Self {
            kid: row.kid.clone(),
            status: row.status,
            can_sign: row.private_enc.is_some(),
            created_at: row.created_at,
            activated_at: row.activated_at,
            retired_at: row.retired_at,
        }
    }
}

/// How long the verification keys are reused before the database is read again. Keys changed
/// on this instance are seen at once; changes made by another instance within this delay.
const KEY_CACHE_SECS: u64 = 5;

/// The verification keys, kept briefly so every heartbeat does not re-read and re-decode them.
#[derive(Debug, Default)]
pub(crate) struct KeyCache(std::sync::Mutex<Option<(std::time::Instant, std::sync::Arc<KeySet>)>>);

impl KeyCache {
    fn get(&self) -> Option<std::sync::Arc<KeySet>> {
        let cached = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cached
            .as_ref()
            .filter(|(at, _)| at.elapsed().as_secs() < KEY_CACHE_SECS)
            .map(|(_, keys)| std::sync::Arc::clone(keys))
    }

    fn put(&self, keys: &std::sync::Arc<KeySet>) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((std::time::Instant::now(), std::sync::Arc::clone(keys)));
    }

    fn clear(&self) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }
}

fn parse_kid(kid: &str) -> Result<Kid> {
    Kid::parse(kid).map_err(|e| Error::invalid(e.to_string()))
}

fn public_of(row: &KeyRow) -> Result<PublicKey> {
    let bytes: [u8; 32] = row.public_key.as_slice().try_into().map_err(|_| {
        Error::Internal(anyhow::anyhow!(
            "key {} has a public key of the wrong length",
            row.kid
        ))
    })?;
    let kid = parse_kid(&row.kid)?;
    PublicKey::from_bytes(kid, &bytes)
        .map_err(|e| Error::Internal(anyhow::anyhow!("key {}: {e}", row.kid)))
}

impl Backend {
    /// Generates a new key. The first key becomes active; later ones start as accepted.
    pub async fn generate_key(&self, kid: Option<&str>, actor: &str) -> Result<KeyInfo> {
        self.vendor_only()?;
        let kid = kid.map(parse_kid).transpose()?;
        let pair = SigningKeyPair::generate(kid);
        self.store_key(
            Some(&pair),
            &pair.public(),
            actor,
            AuditAction::KeyGenerated,
        )
        .await
    }

    /// Imports a PKCS#8 private key (a signing key) or an SPKI public key (verify-only).
    pub async fn import_key(&self, pem: &str, kid: Option<&str>, actor: &str) -> Result<KeyInfo> {
        self.vendor_only()?;
        let kid = kid.map(parse_kid).transpose()?;
        match import_pem(pem, kid).map_err(|e| Error::invalid(e.to_string()))? {
            ImportedKey::Private(pair) => {
                self.store_key(Some(&pair), &pair.public(), actor, AuditAction::KeyImported)
                    .await
            }
            ImportedKey::Public(public) => {
                self.store_key(None, &public, actor, AuditAction::KeyImported)
                    .await
            }
        }
    }

    async fn store_key(
        &self,
        pair: Option<&SigningKeyPair>,
        public: &PublicKey,
        actor: &str,
        action: AuditAction,
    ) -> Result<KeyInfo> {
        let has_active = self
            .store
            .list_keys()
            .await?
            .iter()
            .any(|k| k.status == KeyStatus::Active);
        let status = if pair.is_some() && !has_active {
            KeyStatus::Active
        } else {
            KeyStatus::Accepted
        };
        self.store_key_as(pair, public, actor, action, status).await
    }

    async fn store_key_as(
        &self,
        pair: Option<&SigningKeyPair>,
        public: &PublicKey,
        actor: &str,
        action: AuditAction,
        status: KeyStatus,
    ) -> Result<KeyInfo> {
        let kid = public.kid().as_ref().to_string();
        let at = now();
        let row = KeyRow {
            kid: kid.clone(),
            status,
            public_key: public.to_bytes().to_vec(),
            private_enc: pair.map(|p| self.kek.seal(&kid, p.seed().as_ref())),
            created_at: at,
            activated_at: (status == KeyStatus::Active).then_some(at),
            retired_at: None,
        };
        let audit = AuditEvent {
            at,
            actor: actor.to_string(),
            action,
            subject: kid.clone(),
            detail: serde_json::json!({ "after": { "status": status.as_str(), "can_sign": pair.is_some() } }),
        };
        match self.store.insert_key(&row, &audit).await {
            // Another process made its key active first: this one waits as accepted.
            Err(StoreError::Conflict(_)) if status == KeyStatus::Active => {
                return Box::pin(self.store_key_as(
                    pair,
                    public,
                    actor,
                    action,
                    KeyStatus::Accepted,
                ))
                .await;
            }
            other => other?,
        }
        self.key_cache.clear();
        tracing::info!(key.kid = %kid, key.status = status.as_str(), "stored signing key");
        Ok(KeyInfo::from(&row))
    }

    /// Every key, newest first.
    pub async fn list_keys(&self) -> Result<Vec<KeyInfo>> {
        self.vendor_only()?;
        Ok(self
            .store
            .list_keys()
            .await?
            .iter()
            .map(KeyInfo::from)
            .collect())
    }

    async fn key_row(&self, kid: &str) -> Result<KeyRow> {
        self.store
            .get_key(kid)
            .await?
            .ok_or_else(|| Error::NotFound(format!("key {kid}")))
    }

    /// Makes a key the one that signs; the previous active key stays accepted.
    pub async fn activate_key(&self, kid: &str, actor: &str) -> Result<KeyInfo> {
        self.vendor_only()?;
        let row = self.key_row(kid).await?;
        if row.private_enc.is_none() {
            return Err(Error::Conflict(format!(
                "key {kid} is verify-only (no private key) and cannot sign"
            )));
        }
        if row.status == KeyStatus::Retired {
            return Err(Error::Conflict(format!("key {kid} is retired")));
        }
        let audit = status_change(kid, row.status, KeyStatus::Active, actor);
        self.store.activate_key(kid, &audit).await?;
        self.key_cache.clear();
        Ok(KeyInfo::from(&self.key_row(kid).await?))
    }

    /// Retires a key, refused for the active key and while unexpired licenses still use it.
    pub async fn retire_key(&self, kid: &str, actor: &str) -> Result<KeyInfo> {
        self.vendor_only()?;
        let row = self.key_row(kid).await?;
        match row.status {
            KeyStatus::Active => {
                return Err(Error::Conflict(format!(
                    "key {kid} is the active key: activate another key before retiring it"
                )))
            }
            KeyStatus::Retired => {
                return Err(Error::Conflict(format!("key {kid} is already retired")))
            }
            KeyStatus::Accepted => {}
        }
        let live = self.store.count_live_licenses_for_kid(kid, now()).await?;
        if live > 0 {
            return Err(Error::Conflict(format!(
                "key {kid} still signs {live} unexpired license(s): rotate them before retiring it"
            )));
        }
        let audit = status_change(kid, row.status, KeyStatus::Retired, actor);
        self.store.retire_key(kid, &audit).await?;
        self.key_cache.clear();
        Ok(KeyInfo::from(&self.key_row(kid).await?))
    }

    /// The keys that verify tokens now: active and accepted.
    pub async fn verification_keys(&self) -> Result<KeySet> {
        Ok(KeySet::clone(&*self.shared_verification_keys().await?))
    }

    /// [`Backend::verification_keys`], shared rather than copied (the heartbeat's hot path).
    pub(crate) async fn shared_verification_keys(&self) -> Result<std::sync::Arc<KeySet>> {
        if let Some(keys) = self.key_cache.get() {
            return Ok(keys);
        }
        let rows = self.store.list_keys().await?;
        let keys = rows
            .iter()
            .filter(|r| r.status != KeyStatus::Retired)
            .map(public_of)
            .collect::<Result<Vec<_>>>()?;
        let keys = std::sync::Arc::new(KeySet::new(keys));
        self.key_cache.put(&keys);
        Ok(keys)
    }

    /// The JWKS published at `/.well-known/jwks.json`.
    pub async fn jwks(&self) -> Result<Jwks> {
        let set = self.verification_keys().await?;
        Ok(Jwks::from_keys(set.iter()))
    }

    /// A key's public half as SPKI PEM.
    pub async fn export_public_key(&self, kid: &str) -> Result<String> {
        Ok(public_of(&self.key_row(kid).await?)?.to_spki_pem())
    }

    /// The active signing key, decrypted with the KEK for the time of one signature.
    pub(crate) async fn active_signer(&self) -> Result<SigningKeyPair> {
        let rows = self.store.list_keys().await?;
        let row = rows
            .iter()
            .find(|r| r.status == KeyStatus::Active)
            .ok_or_else(|| {
                Error::Conflict(
                    "there is no active signing key: run `tessera keys generate`".into(),
                )
            })?;
        self.unseal(row)
    }

    /// The signing key `kid`, if it still has its private part.
    pub(crate) async fn signer_for(&self, kid: &str) -> Result<SigningKeyPair> {
        self.unseal(&self.key_row(kid).await?)
    }

    fn unseal(&self, row: &KeyRow) -> Result<SigningKeyPair> {
        let sealed = row.private_enc.as_ref().ok_or_else(|| {
            Error::Conflict(format!("key {} is verify-only and cannot sign", row.kid))
        })?;
        let seed = self
            .kek
            .open(&row.kid, sealed)
            .map_err(|e| Error::Internal(e.into()))?;
        let seed: &[u8; 32] = seed.as_slice().try_into().map_err(|_| {
            Error::Internal(anyhow::anyhow!(
                "key {} has a seed of the wrong length",
                row.kid
            ))
        })?;
        Ok(SigningKeyPair::from_seed(seed, parse_kid(&row.kid)?))
    }
}

fn status_change(kid: &str, before: KeyStatus, after: KeyStatus, actor: &str) -> AuditEvent {
    AuditEvent {
        at: now(),
        actor: actor.to_string(),
        action: if after == KeyStatus::Active {
            AuditAction::KeyActivated
        } else {
            AuditAction::KeyRetired
        },
        subject: kid.to_string(),
        detail: serde_json::json!({ "before": { "status": before.as_str() }, "after": { "status": after.as_str() } }),
    }
}
