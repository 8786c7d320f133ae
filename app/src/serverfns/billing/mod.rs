//! `/billing` (a signed-in customer, for an org they are in) and `/orgs` (staff).

mod billing_page;
mod org_list;

pub use billing_page::*;
pub use org_list::*;
use serde::{Deserialize, Serialize};
use tessera_license::vocab::{BillingInterval, LicenseKind, LicenseStatus, OrgRole, Tier};

/// An org the customer may switch to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgChoice {
    pub slug: String,
    pub name: String,
}

/// One of the org's licenses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BilledEntry {
    pub id: String,
    pub product: String,
    pub plan: Option<String>,
    pub tier: Tier,
    pub kind: LicenseKind,
    pub status: LicenseStatus,
    /// Past its expiry (status still `active`).
    pub expired: bool,
    pub seats: u32,
    pub renews_at: Option<i64>,
    pub lapses_at: Option<i64>,
    /// Stripe's word for the subscription paying for it (`active`, `past_due`, ...).
    pub subscription: Option<String>,
    pub trial: bool,
    /// A trial that a purchase of the product replaced.
    pub converted: bool,
    /// What its deployment last reported using.
    pub usage: Option<UsageEntry>,
}

/// A license's latest usage report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageEntry {
    pub reported_at: i64,
    /// Seats per plugin, then caps.
    pub lines: Vec<UsageLineEntry>,
}

/// `used` of `licensed` of a plugin's seats or of a cap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageLineEntry {
    /// `rooms seats` or `rooms`.
    pub label: String,
    pub used: i64,
    /// `None`: the license does not limit it.
    pub licensed: Option<i64>,
}

/// Someone in the org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberEntry {
    pub customer_id: String,
    pub email: String,
    pub role: OrgRole,
}

/// A plan the org may buy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferPlan {
    pub lookup_key: String,
    pub tier: Tier,
    pub interval: BillingInterval,
    /// `49.00 EUR`.
    pub price: String,
    pub seats_included: u32,
    /// `9.00 EUR` per seat beyond the included ones, where sold.
    pub extra_seat: Option<String>,
}

/// A product the org may buy or trial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    pub slug: String,
    pub name: String,
    /// Days of a free trial, where the product offers one.
    pub trial_days: Option<u32>,
    pub domain_required: bool,
    pub plans: Vec<OfferPlan>,
    /// `SPRING: 20 %`.
    pub coupons: Vec<String>,
}

/// A checkout the customer came back from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purchase {
    /// The license exists.
    pub finished: bool,
    pub license_id: Option<String>,
}

/// An invoice from Stripe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceEntry {
    /// `ACME-0001`, or `draft`.
    pub number: String,
    pub created: i64,
    /// `49.00 EUR`.
    pub amount: String,
    pub status: String,
    pub pdf: Option<String>,
}

/// `/billing` for one org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingView {
    pub slug: String,
    pub name: String,
    pub billing_email: String,
    pub owner: bool,
    /// Who is signed in.
    pub email: String,
    pub orgs: Vec<OrgChoice>,
    pub past_due: bool,
    pub licenses: Vec<BilledEntry>,
    pub members: Vec<MemberEntry>,
    pub offers: Vec<Offer>,
    pub purchase: Option<Purchase>,
    pub invoices: Vec<InvoiceEntry>,
    /// `visa •••• 4242, expires 12/2034`: the card of the last payment.
    pub card: Option<String>,
    /// The org pays through Stripe: "Manage billing" opens its portal.
    pub stripe_customer: bool,
    /// Why invoices and card are missing just now.
    pub stripe_unavailable: Option<String>,
}

/// An org as staff see it on `/orgs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgEntry {
    pub slug: String,
    pub name: String,
    pub billing_email: String,
    pub stripe_customer: Option<String>,
    pub created_at: i64,
    pub licenses: i64,
    pub members: Vec<MemberEntry>,
}
