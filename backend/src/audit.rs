//! The hash-chained audit log: each row carries a MAC of its fields and of the row before it,
//! so an edited, removed or reordered row breaks the chain from that point on.
//!
//! Rows are hashed with HMAC-SHA256 under a [`ChainKey`] derived from the KEK: database access
//! alone cannot recompute the chain. Databases written before the key was used start with
//! rows hashed with plain SHA-256 ([`legacy_chain_hash`]); those are accepted only as an
//! unbroken prefix before the first keyed row. Each instance records the newest head it
//! verified in an anchor file outside the database ([`anchor`]), so deleting the newest rows is
//! caught even when `audit_head` is rewound to match. [`Backend::verify_audit_chain`] walks the
//! whole log; [`Backend::audit_chain_status`] only what was added since the last check.

pub mod anchor;
mod monitor;
mod walk;

use std::sync::Arc;

use hmac::{Hmac, Mac as _};
use serde::Serialize;
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

pub use monitor::AuditMonitor;

use crate::crypto::Kek;
use crate::store::chain::frame;
pub use crate::store::chain::{ChainHasher, ChainHead, RowFields};
use crate::store::{AuditFilter, AuditRecord};
use crate::{Backend, Result};

/// The hash every chain starts from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What the chain key is derived for; changing it would orphan every keyed row.
const CHAIN_KEY_PURPOSE: &str = "tessera audit chain v1";

/// The key audit rows are chained with, derived from the KEK so that only a holder of the KEK
/// can compute (or recompute) the chain. `Debug` never prints it.
#[derive(Clone)]
pub struct ChainKey(Arc<Zeroizing<[u8; 32]>>);

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChainKey(***)")
    }
}

impl ChainKey {
    /// The chain key belonging to `kek`.
    pub fn from_kek(kek: &Kek) -> Self {
        Self(Arc::new(kek.derive(CHAIN_KEY_PURPOSE)))
    }

    /// HMAC-SHA256 (hex) of a row's framed fields: the hash a keyed row carries.
    pub fn row_hash(&self, row: &RowFields<'_>) -> String {
        let mut mac = self.mac();
        row.frame(|bytes| mac.update(bytes));
        hex::encode(mac.finalize().into_bytes())
    }

    /// A MAC over length-prefixed `fields`, for records other than rows (the anchor file).
    pub(crate) fn mac_fields(&self, fields: &[&str]) -> Hmac<Sha256> {
        let mut mac = self.mac();
        frame(fields, |bytes| mac.update(bytes));
        mac
    }

    fn mac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as hmac::digest::KeyInit>::new_from_slice(self.0.as_slice())
            .expect("HMAC takes keys of any length")
    }
}

impl ChainHasher for ChainKey {
    fn row_hash(&self, row: &RowFields<'_>) -> String {
        ChainKey::row_hash(self, row)
    }

    fn key_id(&self) -> String {
        hex::encode(self.mac_fields(&["chain key id"]).finalize().into_bytes())
    }
}

/// Plain SHA-256 (hex) of a row's framed fields: how rows were hashed before the chain was
/// keyed. Anyone can compute it, so it is trusted only for a database's oldest rows.
pub fn legacy_chain_hash(row: &RowFields<'_>) -> String {
    let mut hasher = Sha256::new();
    row.frame(|bytes| hasher.update(bytes));
    hex::encode(hasher.finalize())
}

/// Whether the stored chain is intact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ChainStatus {
    /// Every row links to its predecessor and hashes to what it claims.
    Intact { rows: i64 },
    /// The first row that does not fit, and what is wrong with it.
    Broken { seq: i64, reason: String },
}

impl ChainStatus {
    /// A broken verdict at `seq`.
    pub fn broken(seq: i64, reason: impl Into<String>) -> Self {
        ChainStatus::Broken {
            seq,
            reason: reason.into(),
        }
    }
}

impl Backend {
    /// Audit rows, newest first, matching `filter`, older than `before` when given.
    pub async fn audit_trail(
        &self,
        filter: &AuditFilter,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditRecord>> {
        let texts = [
            ("subject", &filter.subject),
            ("actor", &filter.actor),
            ("action", &filter.action_prefix),
        ];
        for (field, value) in texts {
            if let Some(value) = value {
                crate::input::printable(field, value)?;
            }
        }
        Ok(self
            .store
            .audit_search(filter, before, limit.clamp(1, 500))
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row<'a>(actor: &'a str, action: &'a str) -> RowFields<'a> {
        RowFields {
            prev: GENESIS,
            seq: 1,
            at: 0,
            actor,
            action,
            subject: "s",
            detail: "{}",
        }
    }

    #[test]
    fn field_boundaries_change_the_hash() {
        let a = legacy_chain_hash(&row("ab", "c"));
        let b = legacy_chain_hash(&row("a", "bc"));
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        let key = ChainKey::from_kek(&Kek::generate());
        assert_ne!(key.row_hash(&row("ab", "c")), key.row_hash(&row("a", "bc")));
    }

    #[test]
    fn a_keyed_hash_depends_on_the_key_and_differs_from_the_legacy_one() {
        let kek = Kek::generate();
        let key = ChainKey::from_kek(&kek);
        let fields = row("alice", "key.generated");
        assert_eq!(
            key.row_hash(&fields),
            ChainKey::from_kek(&kek).row_hash(&fields)
        );
        assert_ne!(
            key.row_hash(&fields),
            ChainKey::from_kek(&Kek::generate()).row_hash(&fields)
        );
        assert_ne!(key.row_hash(&fields), legacy_chain_hash(&fields));
        assert_eq!(key.row_hash(&fields).len(), 64);
    }

    #[test]
    fn the_chain_key_is_hidden_from_debug_output() {
        let key = ChainKey::from_kek(&Kek::generate());
        assert_eq!(format!("{key:?}"), "ChainKey(***)");
    }
}
