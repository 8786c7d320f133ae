//! The rows of customer orgs, their members, sign-in links and trials.

use serde::Serialize;
use tessera_license::vocab::OrgRole;

/// A customer org (a "group" in the API): what a subscription belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OrgRow {
    pub id: String,
    /// Its name in URLs and the API (`acme-gmbh`).
    pub slug: String,
    pub name: String,
    pub billing_email: String,
    pub stripe_customer_id: Option<String>,
    pub created_by: String,
    pub created_at: i64,
}

/// A person who signs in to `/billing`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CustomerRow {
    pub id: String,
    /// Lower-case.
    pub email: String,
    pub created_at: i64,
    pub last_sign_in_at: Option<i64>,
}

/// Someone in an org, with their role there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MemberRow {
    pub org_id: String,
    pub customer_id: String,
    pub email: String,
    pub role: OrgRole,
    pub added_by: String,
    pub added_at: i64,
}

/// An org a customer belongs to, with their role in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MembershipRow {
    pub org_id: String,
    pub slug: String,
    pub name: String,
    pub role: OrgRole,
}

/// An org as the operator's list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OrgSummaryRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub billing_email: String,
    pub stripe_customer_id: Option<String>,
    pub created_at: i64,
    pub members: i64,
    pub licenses: i64,
}

/// A one-time sign-in link, by the SHA-256 of its secret.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SignInLinkRow {
    pub token_sha256: String,
    pub customer_id: String,
    /// The SHA-256 of the sign-in cookie of the browser that asked for it.
    pub browser_sha256: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

/// Why a sign-in link did not sign anyone in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefusal {
    /// No such link, or it was used already.
    Unknown,
    Used,
    Expired,
    /// Opened in another browser than the one that asked for it.
    OtherBrowser,
}

/// A free trial an org started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct TrialRow {
    pub id: String,
    pub org_id: String,
    pub product_id: String,
    /// 1 for the org's first trial of the product, 2 for the next, ...
    pub round: i64,
    pub license_id: String,
    pub started_at: i64,
    pub ends_at: i64,
    pub converted_at: Option<i64>,
}

/// A new org, with the person who owns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrg {
    pub org: OrgRow,
    /// The owner's e-mail (lower-case); their customer account is made when missing.
    pub owner_email: String,
}

/// Ties what a commerce write issues to its org, creating the org when `create` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgLink {
    pub org_id: String,
    pub create: Option<NewOrg>,
    pub license_id: String,
    /// Remembered as the org's Stripe customer when it has none (and no other org has it).
    pub stripe_customer: Option<String>,
    /// The product whose open trial this purchase converts.
    pub product_id: String,
}
