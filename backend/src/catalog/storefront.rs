//! The public face of the catalog: what a storefront may show without signing in. Active,
//! non-internal products with their active plans, the tiers they sell and the public coupons
//! that apply to them. Nothing internal (ids, Stripe ids, redemption counts) is in it.

use serde::{Deserialize, Serialize};
use tessera_license::vocab::{BillingInterval, Tier};

use super::{money, Catalog, Coupon, PluginRoles, Product, SeatBounds, TrialTerms};
use crate::{Backend, Error, Result};

/// A plan as a storefront shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorePlan {
    pub lookup_key: String,
    pub tier: Tier,
    pub interval: BillingInterval,
    pub unit_amount: i64,
    pub currency: String,
    /// `unit_amount` as people read it: `49.00 EUR`.
    pub price: String,
    pub seats_included: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_seat_unit_amount: Option<i64>,
}

/// A public coupon as a storefront may advertise it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreCoupon {
    pub code: String,
    /// `20 %` or `10.00 EUR`.
    pub discount: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent_off: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_off: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_seats: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_seats: Option<u32>,
    /// Empty: every tier.
    pub tiers: Vec<Tier>,
    /// Unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

/// A product as a storefront shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreProduct {
    pub slug: String,
    pub name: String,
    pub product_key: String,
    pub features: Vec<String>,
    pub caps: std::collections::BTreeMap<String, i64>,
    pub plugins: std::collections::BTreeMap<String, PluginRoles>,
    pub seats: SeatBounds,
    pub domain_required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trial: Option<TrialTerms>,
    /// The tiers its plans sell, from entry to top.
    pub tiers: Vec<Tier>,
    pub plans: Vec<StorePlan>,
    pub coupons: Vec<StoreCoupon>,
}

fn offered(coupon: &Coupon, tiers: &[Tier], now: i64) -> bool {
    let spec = &coupon.spec;
    spec.public
        && spec.active
        && spec.expires_at.is_none_or(|at| at.timestamp() > now)
        && spec
            .max_redemptions
            .is_none_or(|max| coupon.redemptions < i64::from(max))
        && (spec.tiers.is_empty() || spec.tiers.iter().any(|t| tiers.contains(t)))
}

fn store_product(product: &Product, coupons: &[Coupon], now: i64) -> StoreProduct {
    let spec = &product.spec;
    let plans: Vec<StorePlan> = product
        .plans
        .iter()
        .filter(|p| p.spec.active)
        .map(|p| StorePlan {
            lookup_key: p.spec.lookup_key.clone(),
            tier: p.spec.tier,
            interval: p.spec.interval,
            unit_amount: p.spec.unit_amount,
            currency: p.spec.currency.clone(),
            price: money(p.spec.unit_amount, &p.spec.currency),
            seats_included: p.spec.seats_included,
            extra_seat_unit_amount: p.spec.extra_seat_unit_amount,
        })
        .collect();
    let mut tiers: Vec<Tier> = plans.iter().map(|p| p.tier).collect();
    tiers.sort_by_key(|t| Tier::ALL.iter().position(|x| x == t));
    tiers.dedup();
    let coupons = coupons
        .iter()
        .filter(|c| offered(c, &tiers, now))
        .map(|c| StoreCoupon {
            code: c.spec.code.clone(),
            discount: c.spec.discount_text(),
            percent_off: c.spec.percent_off,
            amount_off: c.spec.amount_off,
            currency: c.spec.currency.clone(),
            min_seats: c.spec.min_seats,
            max_seats: c.spec.max_seats,
            tiers: c.spec.tiers.clone(),
            expires_at: c.spec.expires_at.map(|at| at.timestamp()),
        })
        .collect();
    StoreProduct {
        slug: spec.slug.clone(),
        name: spec.name.clone(),
        product_key: spec.product_key.clone(),
        features: spec.features.clone(),
        caps: spec.caps.clone(),
        plugins: spec.plugins.clone(),
        seats: spec.seats,
        domain_required: spec.domain_required,
        trial: spec.trial,
        tiers,
        plans,
        coupons,
    }
}

impl Catalog {
    /// What a storefront may list.
    pub fn storefront(&self, now: i64) -> Vec<StoreProduct> {
        self.products
            .iter()
            .filter(|p| p.spec.active && !p.spec.internal)
            .map(|p| store_product(p, &self.coupons, now))
            .collect()
    }
}

impl Backend {
    /// Every product a storefront may list (no sign-in needed).
    pub async fn storefront(&self) -> Result<Vec<StoreProduct>> {
        Ok(self.catalog().await?.storefront(crate::time::now()))
    }

    /// One listed product; an internal, inactive or unknown one is not found.
    pub async fn storefront_product(&self, slug: &str) -> Result<StoreProduct> {
        self.storefront()
            .await?
            .into_iter()
            .find(|p| p.slug == slug)
            .ok_or_else(|| Error::NotFound(format!("product {slug}")))
    }
}
