//! The audit trail as the audit page shows it.

mod audit_trail;

pub use audit_trail::*;
use serde::{Deserialize, Serialize};
use tessera_license::vocab::AuditAction;

/// One audit row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: AuditAction,
    pub subject: String,
    pub detail: String,
}

/// A page of the trail and whether the whole chain verifies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub chain_rows: i64,
    /// The first row that breaks the chain, if one does.
    pub broken: Option<ChainBreak>,
    pub rows: Vec<AuditRow>,
    /// Pass as `before` for the next (older) page.
    pub next_before: Option<i64>,
}

/// Where the audit chain breaks, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}
