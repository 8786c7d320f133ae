//! The self-hosted install's pages: `/license` (the installed license, its state, the
//! vendor's last answer) and `/marketplace` (plugin seats and who holds them).

mod license_page;
mod marketplace;

pub use license_page::*;
pub use marketplace::*;
use serde::{Deserialize, Serialize};
use tessera_license::vocab::{LicenseKind, StateName, Tier};

/// A named number (a cap).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapEntry {
    pub name: String,
    pub value: i64,
    /// What this deployment uses of it, as last reported (sent with each heartbeat).
    pub used: Option<i64>,
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

/// A plugin role and its holders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleEntry {
    pub name: String,
    pub billable: bool,
    pub used: u32,
    /// Its own licensed count; `None` for free roles and roles bounded only by the pool.
    pub limit: Option<u32>,
    pub over: bool,
}

/// A user holding a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolderEntry {
    pub user: String,
    pub role: String,
    pub granted_at: i64,
}

/// One plugin: `used / limit` seats, its roles, its holders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginCard {
    pub plugin: String,
    pub used: u32,
    /// `None` when the plugin has no billable role.
    pub limit: Option<u32>,
    /// More in use than licensed (after a downgrade).
    pub over: bool,
    pub roles: Vec<RoleEntry>,
    pub holders: Vec<HolderEntry>,
}

/// `/marketplace` and `/marketplace/{plugin}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketplaceView {
    pub state: StateName,
    pub banner: Option<String>,
    /// The vendor's billing page, where seats are bought.
    pub billing_url: Option<String>,
    pub plugins: Vec<PluginCard>,
    /// The caller may grant and revoke roles (operators and sysadmins).
    pub can_grant: bool,
}
