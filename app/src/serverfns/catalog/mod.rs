//! The catalog pages: `/products` (sysadmin) and the issue form's choices (operator).

mod catalog_choices;
mod list_products;

pub use catalog_choices::*;
pub use list_products::*;
use serde::{Deserialize, Serialize};
use tessera_license::vocab::{BillingInterval, Tier};

/// A plan as `/products` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanEntry {
    pub lookup_key: String,
    pub tier: Tier,
    pub interval: BillingInterval,
    /// `49.00 EUR`.
    pub price: String,
    pub seats_included: u32,
    /// The price of each extra seat, when extra seats are sold.
    pub extra_seat: Option<String>,
    pub active: bool,
    /// The Stripe price, once `tessera stripe sync-products` made it.
    pub stripe_price_id: Option<String>,
}

/// A product as `/products` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductEntry {
    pub slug: String,
    pub name: String,
    pub product_key: String,
    pub active: bool,
    pub internal: bool,
    pub domain_required: bool,
    pub features: Vec<String>,
    /// `1–500 seats`, `from 1 seat`.
    pub seats: String,
    /// `14 days, then 90 days before the same group may trial again`, or none.
    pub trial: Option<String>,
    pub plans: Vec<PlanEntry>,
}

/// A coupon as `/products` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponEntry {
    pub code: String,
    /// `20 %` or `100.00 EUR`.
    pub discount: String,
    /// The rules: tiers, seats, redemptions, expiry.
    pub rules: String,
    pub public: bool,
    pub active: bool,
}

/// `/products`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductsView {
    pub products: Vec<ProductEntry>,
    pub coupons: Vec<CouponEntry>,
    /// What the tier this Tessera runs at allows, e.g. `2 of 5 active products`.
    pub usage: Vec<String>,
}

/// A product the issue form offers, with its active plans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductChoice {
    pub product_key: String,
    pub name: String,
    /// `(lookup key, label)` of each active plan.
    pub plans: Vec<(String, String)>,
}
