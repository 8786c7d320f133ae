//! The rows of selling: checkouts, subscriptions, payments, Stripe events, and the one write
//! a Stripe event makes (`CommerceStore::apply_commerce`).

use tessera_license::vocab::{CheckoutStatus, LicenseStatus, PaymentStatus, SupersedeReason};

use super::{AuditEvent, LicenseRow, OutboxEvent};

/// A Stripe Checkout Session Tessera started (`id` is the session's).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CheckoutRow {
    pub id: String,
    /// Tessera's own name (`chk_...`), in the session's and subscription's metadata.
    pub reference: String,
    pub product_id: String,
    pub plan_id: String,
    pub seats: i64,
    pub coupon_code: Option<String>,
    /// Comma-separated.
    pub domains: String,
    pub company: String,
    pub email: String,
    pub url: String,
    pub status: CheckoutStatus,
    pub license_id: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub completed_at: Option<i64>,
    /// The org buying, when a signed-in customer started it; otherwise found or made when
    /// it is paid.
    pub org_id: Option<String>,
}

/// A Stripe subscription and the license it pays for.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SubscriptionRow {
    pub id: String,
    pub license_id: String,
    pub checkout_id: Option<String>,
    pub customer_id: Option<String>,
    /// Stripe's word for it (`active`, `past_due`, `canceled`, ...).
    pub status: String,
    pub lookup_key: String,
    pub seats: i64,
    pub current_period_end: Option<i64>,
    pub cancel_at_period_end: i64,
    pub ended_at: Option<i64>,
    pub updated_at: i64,
}

/// Money received for a license, once per Stripe invoice (or session, for one-off sales).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PaymentRow {
    pub id: String,
    pub license_id: String,
    pub source: String,
    pub charge_id: Option<String>,
    pub payment_intent_id: Option<String>,
    pub amount: i64,
    pub currency: String,
    pub status: PaymentStatus,
    pub amount_refunded: i64,
    pub refund_id: Option<String>,
    pub product: String,
    pub company: String,
    pub email: String,
    pub paid_at: i64,
}

/// A Stripe event, once handled.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StripeEventRow {
    pub id: String,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub created: i64,
    pub received_at: i64,
    pub outcome: String,
}

/// What a commerce change does to a license.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum LicenseWrite {
    #[default]
    Untouched,
    /// A new license (a checkout paid).
    Insert(LicenseRow),
    /// The license signed again (renewed, seats or plan changed).
    Replace(LicenseRow, SupersedeReason),
    /// Ended now (refunded, disputed).
    End {
        id: String,
        status: LicenseStatus,
        reason: String,
    },
}

/// A payment's new standing after a refund or a dispute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentChange {
    pub id: String,
    pub status: PaymentStatus,
    pub amount_refunded: i64,
    pub refund_id: Option<String>,
}

/// Everything one Stripe event (or one checkout found paid) changes, written at once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommerceWrite {
    /// The event handled; a second write for the same event id writes nothing.
    pub event: Option<StripeEventRow>,
    /// The checkout completed by this write, with its license id; a checkout already
    /// completed makes the whole write nothing.
    pub checkout: Option<(String, String)>,
    pub license: LicenseWrite,
    pub subscription: Option<SubscriptionRow>,
    /// Inserted once per `source`; a second payment for the same source only fills in the
    /// charge and payment intent ids it lacked.
    pub payment: Option<PaymentRow>,
    pub payment_change: Option<PaymentChange>,
    /// A coupon code redeemed once more.
    pub coupon_redeemed: Option<String>,
    /// The org the issued license belongs to.
    pub org: Option<super::OrgLink>,
    pub audits: Vec<AuditEvent>,
    pub events: Vec<OutboxEvent>,
}

/// Whether a commerce write happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Written,
    /// The event was handled before, or the checkout completed before: nothing written.
    AlreadyDone,
}
