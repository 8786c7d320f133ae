//! What the store needs to chain audit rows, without knowing how they are hashed: the
//! fields a row's hash covers, the head row, and the hasher the backend gives the store
//! (the audit module's keyed [`ChainHasher`]).

use std::fmt::Debug;

use super::AuditRecord;

/// Computes audit rows' hashes. The store appends rows with the hasher it is given once.
pub trait ChainHasher: Send + Sync + Debug {
    /// The hash a row with these fields carries.
    fn row_hash(&self, row: &RowFields<'_>) -> String;
    /// Names the key without revealing it, so a store can refuse a second, different one.
    fn key_id(&self) -> String;
}

/// The fields a row's hash covers, in hashing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowFields<'a> {
    /// The previous row's hash (all zeros for the first row).
    pub prev: &'a str,
    pub seq: i64,
    pub at: i64,
    pub actor: &'a str,
    pub action: &'a str,
    pub subject: &'a str,
    pub detail: &'a str,
}

impl<'a> RowFields<'a> {
    /// The hashed fields of a stored row.
    pub fn of(record: &'a AuditRecord) -> Self {
        Self {
            prev: &record.prev_hash,
            seq: record.seq,
            at: record.at,
            actor: &record.actor,
            action: record.action.as_str(),
            subject: &record.subject,
            detail: &record.detail,
        }
    }

    /// Feeds the framed fields to `update`, in hashing order.
    pub fn frame(&self, update: impl FnMut(&[u8])) {
        let (seq, at) = (self.seq.to_string(), self.at.to_string());
        frame(
            &[
                self.prev,
                &seq,
                &at,
                self.actor,
                self.action,
                self.subject,
                self.detail,
            ],
            update,
        );
    }
}

/// Each field preceded by its length, so no two different field lists share a byte string.
pub(crate) fn frame(fields: &[&str], mut update: impl FnMut(&[u8])) {
    for field in fields {
        update(&(field.len() as u64).to_be_bytes());
        update(field.as_bytes());
    }
}

/// The `audit_head` row: the sequence number and hash of the newest row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: String,
}
