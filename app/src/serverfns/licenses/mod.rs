//! Licenses as the pages show them.

mod form_outcome;
mod license_detail;
mod list_licenses;

pub use form_outcome::*;
pub use license_detail::*;
pub use list_licenses::*;
use serde::{Deserialize, Serialize};

/// One row of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseSummary {
    pub id: String,
    pub status: String,
    pub tier: String,
    pub kind: String,
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
    /// The input was refused; the form comes back with what was typed.
    Rejected {
        message: String,
        values: Vec<(String, String)>,
    },
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
    pub history: Vec<(i64, String, String, String)>,
    pub heartbeats: Vec<(i64, String, String, String, Option<String>)>,
    pub installs: Vec<(String, i64, i64, String)>,
    /// Installs seen in all, this page (from 0) and the number of pages.
    pub installs_total: i64,
    pub installs_page: i64,
    pub installs_pages: i64,
    pub anomalies: Vec<(String, String, i64)>,
}
