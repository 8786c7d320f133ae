//! The self-hosted install's pages: `/license` (the installed license, its state, the
//! vendor's last answer).

mod license_page;

pub use license_page::*;
use serde::{Deserialize, Serialize};
use tessera_license::vocab::{LicenseKind, StateName, Tier};

/// A named number (a cap).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapEntry {
    pub name: String,
    pub value: i64,
}

/// A plugin's seats as the license grants them, in words (`booking.editor: 2, pool 3`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatEntry {
    pub plugin: String,
    pub grant: String,
}

/// What the vendor last answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorAnswerEntry {
    pub status: String,
    pub received_at: i64,
    /// `network` or `file`.
    pub via: String,
    /// The answer carried a newer token, which was installed.
    pub rotated: bool,
}

/// The signed grant of the installed token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstalledGrant {
    pub license_id: String,
    pub tier: Tier,
    pub kind: LicenseKind,
    pub customer: String,
    pub expires_at: Option<i64>,
    pub support_until: Option<i64>,
    pub features: Vec<String>,
    pub plugins: Vec<String>,
    pub caps: Vec<CapEntry>,
    pub seats: Vec<SeatEntry>,
    pub domains: Vec<String>,
    pub node_lock: Option<String>,
}

/// Everything on `/license`. Never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicensePageView {
    pub state: StateName,
    pub grace_until: Option<i64>,
    pub banner: Option<String>,
    /// Why the install is unlicensed, in a sentence.
    pub problem: Option<String>,
    pub grant: Option<InstalledGrant>,
    pub support_active: bool,
    pub kid: Option<String>,
    pub install_id: String,
    pub fingerprint: String,
    pub token_installed_at: Option<i64>,
    pub pinned_kids: Vec<String>,
    pub keys_source: String,
    pub clock_behind: bool,
    pub vendor_url: Option<String>,
    pub last_attempt_at: Option<i64>,
    pub last_success_at: Option<i64>,
    pub last_error: Option<String>,
    pub failures: i64,
    pub answer: Option<VendorAnswerEntry>,
    /// The caller may install a token and check in (sysadmins).
    pub can_install: bool,
}
