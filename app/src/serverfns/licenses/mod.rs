//! Licenses as the pages show them.

mod form_outcome;
mod license_detail;
mod list_licenses;

pub use form_outcome::*;
pub use license_detail::*;
pub use list_licenses::*;
use serde::{Deserialize, Serialize};
use tessera_license::vocab::{AnomalyKind, AuditAction, LicenseKind, LicenseStatus, Tier};

use super::params::Param;

/// One row of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseSummary {
    pub id: String,
    pub status: LicenseStatus,
    pub tier: Tier,
    pub kind: LicenseKind,
    pub company: String,
    pub email: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_heartbeat_at: Option<i64>,
}

/// A page of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseListPage {
    /// The server's clock when the page was read (freshness is relative to it).
    pub now: i64,
    pub rows: Vec<LicenseSummary>,
    pub total: i64,
    /// More than `total` match (counting stops at a cap).
    pub total_capped: bool,
    pub next: Option<String>,
    /// The caller may issue licenses (operators and sysadmins).
    pub can_issue: bool,
}

/// The result of a form the server handled (shown once, in the page it rendered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FormOutcome {
    /// A token was signed: shown once, with a copy button.
    Signed {
        license_id: String,
        token: String,
        mail_error: Option<String>,
        what: String,
    },
    /// A password was generated for a user: shown once, to the sysadmin who asked.
    Password { email: String, password: String },
    /// A webhook endpoint was added: its signing secret, shown once.
    Secret { endpoint: String, secret: String },
    /// The input was refused; the form comes back with what was typed.
    Rejected { message: String, values: Vec<Param> },
}

/// Everything on the detail page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LicenseDetailView {
    pub summary: LicenseSummary,
    /// The caller may resend, transfer, revoke (operators and sysadmins).
    pub can_act: bool,
    pub tax_id: Option<String>,
    pub product: String,
    pub plan: Option<String>,
    pub kid: String,
    pub rotate_before_retire: bool,
    pub support_until: Option<i64>,
    pub support_left_days: Option<i64>,
    pub revoke_reason: Option<String>,
    pub multi_install_until: Option<i64>,
    pub replaced_by: Option<String>,
    pub transferred_from: Option<String>,
    pub claims_json: String,
    /// This license's audit rows, newest first.
    pub history: Vec<HistoryEntry>,
    pub heartbeats: Vec<HeartbeatEntry>,
    /// One page of the installs seen.
    pub installs: Vec<InstallEntry>,
    /// Installs seen in all, this page (from 0) and the number of pages.
    pub installs_total: i64,
    pub installs_page: i64,
    pub installs_pages: i64,
    pub anomalies: Vec<AnomalyEntry>,
    /// Until when its payment may be refunded from here (unix seconds), if it may.
    pub refund_until: Option<i64>,
    /// Why it may not be refunded (empty when it may).
    pub refund_refused: String,
}

/// A change to a license, from the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: i64,
    pub action: AuditAction,
    pub actor: String,
    /// Before and after, as JSON.
    pub detail: String,
}

/// A heartbeat as the detail page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatEntry {
    pub at: i64,
    pub install_id: String,
    pub version: String,
    pub ip: String,
    /// The kid of the token the install presented.
    pub kid: Option<String>,
}

/// An install seen for a license.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallEntry {
    pub install_id: String,
    pub first_seen: i64,
    pub last_seen: i64,
    pub last_version: String,
}

/// An anomaly an operator should look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnomalyEntry {
    pub license_id: String,
    pub kind: AnomalyKind,
    pub detail: String,
    pub detected_at: i64,
}

#[cfg(feature = "ssr")]
impl From<tessera_backend::store::AnomalyRow> for AnomalyEntry {
    fn from(a: tessera_backend::store::AnomalyRow) -> Self {
        Self {
            license_id: a.license_id,
            kind: a.kind,
            detail: a.detail,
            detected_at: a.detected_at,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<tessera_backend::store::LicenseRow> for LicenseSummary {
    fn from(r: tessera_backend::store::LicenseRow) -> Self {
        Self {
            id: r.id,
            status: r.status,
            tier: r.tier,
            kind: r.kind,
            company: r.company,
            email: r.customer_email,
            created_at: r.created_at,
            expires_at: r.expires_at,
            last_heartbeat_at: r.last_heartbeat_at,
        }
    }
}
