//! The audit trail as the audit page shows it.

mod audit_trail;

pub use audit_trail::*;
use serde::{Deserialize, Serialize};

/// One audit row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

/// A page of the trail and whether the whole chain verifies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub chain_rows: i64,
    /// `Some((seq, reason))` for the first row that breaks the chain.
    pub broken: Option<(i64, String)>,
    pub rows: Vec<AuditRow>,
    /// Pass as `before` for the next (older) page.
    pub next_before: Option<i64>,
}
