//! The catalog: what the vendor sells (products, their plans, coupons), managed as code
//! (`tessera catalog apply|export`) or on `/products`, and read publicly by storefronts.
//! A catalog change is one transaction with its audit rows, counted against the caps of the
//! tier this Tessera runs at.

mod apply;
mod coupon;
mod file;
mod manage;
mod spec;
mod storefront;

pub use apply::{Change, ChangeOp};
pub use coupon::CouponSpec;
pub use file::{CatalogSpec, MAX_FILE_BYTES};
pub use spec::{
    PlanSpec, PluginRoles, ProductSpec, SeatBounds, TrialTerms, MAX_SEATS, MAX_UNIT_AMOUNT,
};
pub use storefront::{StoreCoupon, StorePlan, StoreProduct};

use serde::{Deserialize, Serialize};

use crate::store::{CouponRow, PlanRow, ProductRow};
use crate::{Error, Result};

/// How much of the catalog this Tessera may keep active (`None`: no cap), and whether it
/// may sell subscriptions: the free Creator tier, or what Tessera's own license grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogCaps {
    pub products: Option<i64>,
    pub plans_per_product: Option<i64>,
    pub active_coupons: Option<i64>,
    /// The `recurring_billing` feature: monthly and yearly plans may be sold.
    pub recurring_billing: bool,
    /// Where the caps come from, as a refusal names it.
    pub source: String,
}

/// The cap a license for Tessera sets on active products (absent: no cap).
pub const CAP_PRODUCTS: &str = "products";
/// The cap a license for Tessera sets on active plans per product.
pub const CAP_PLANS_PER_PRODUCT: &str = "plans_per_product";
/// The cap a license for Tessera sets on active coupons.
pub const CAP_ACTIVE_COUPONS: &str = "active_coupons";
/// The feature of a license for Tessera that unlocks subscriptions.
pub const RECURRING_BILLING: &str = "recurring_billing";

impl CatalogCaps {
    /// The free Creator tier: what Tessera allows without a license of its own.
    pub fn creator() -> Self {
        Self {
            products: Some(5),
            plans_per_product: Some(5),
            active_coupons: Some(10),
            recurring_billing: false,
            source: "the free Creator tier (no valid Tessera license)".into(),
        }
    }

    /// What a license in force for Tessera grants (its caps narrowed by live answers).
    pub fn licensed(entitlements: &tessera_license::Entitlements, license_id: &str) -> Self {
        Self {
            products: entitlements.cap(CAP_PRODUCTS),
            plans_per_product: entitlements.cap(CAP_PLANS_PER_PRODUCT),
            active_coupons: entitlements.cap(CAP_ACTIVE_COUPONS),
            recurring_billing: entitlements.has_feature(RECURRING_BILLING),
            source: format!("Tessera license {license_id}"),
        }
    }
}

/// A stored plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub id: String,
    pub product_id: String,
    pub spec: PlanSpec,
    /// The Stripe price carrying the lookup key, once synced.
    pub stripe_price_id: Option<String>,
    /// The Stripe price of one extra seat, once synced.
    pub stripe_extra_seat_price_id: Option<String>,
}

/// A stored product with its plans (`spec.plans` is empty: the plans are in `plans`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub spec: ProductSpec,
    pub plans: Vec<Plan>,
    pub stripe_product_id: Option<String>,
}

impl Product {
    /// The product as a catalog file writes it, plans included.
    pub fn to_spec(&self) -> ProductSpec {
        ProductSpec {
            plans: self.plans.iter().map(|p| p.spec.clone()).collect(),
            ..self.spec.clone()
        }
    }
}

/// A stored coupon and how often it was redeemed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coupon {
    pub id: String,
    pub spec: CouponSpec,
    pub redemptions: i64,
}

/// The whole catalog, products in name order, coupons by code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    pub products: Vec<Product>,
    pub coupons: Vec<Coupon>,
}

impl Catalog {
    /// The catalog as a file writes it (what `tessera catalog export` prints).
    pub fn to_spec(&self) -> CatalogSpec {
        CatalogSpec {
            products: self.products.iter().map(Product::to_spec).collect(),
            coupons: self.coupons.iter().map(|c| c.spec.clone()).collect(),
        }
    }

    /// The product called `slug`.
    pub fn product(&self, slug: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.spec.slug == slug)
    }

    fn from_rows(
        products: Vec<ProductRow>,
        plans: &[PlanRow],
        coupons: Vec<CouponRow>,
    ) -> Result<Self> {
        let corrupt = |what: &str, e: serde_json::Error| {
            Error::Internal(anyhow::anyhow!("corrupt catalog row {what}: {e}"))
        };
        let mut out = Vec::with_capacity(products.len());
        for row in products {
            let mut spec: ProductSpec =
                serde_json::from_str(&row.spec).map_err(|e| corrupt(&row.id, e))?;
            spec.slug = row.slug;
            spec.name = row.name;
            spec.product_key = row.product_key;
            spec.active = row.active == 1;
            spec.internal = row.internal == 1;
            spec.plans.clear();
            let mut plans: Vec<Plan> = plans
                .iter()
                .filter(|p| p.product_id == row.id)
                .map(|p| Plan {
                    id: p.id.clone(),
                    product_id: p.product_id.clone(),
                    spec: PlanSpec {
                        lookup_key: p.lookup_key.clone(),
                        tier: p.tier,
                        interval: p.billing_interval,
                        unit_amount: p.unit_amount,
                        currency: p.currency.clone(),
                        seats_included: u32::try_from(p.seats_included).unwrap_or(1),
                        extra_seat_unit_amount: p.extra_seat_unit_amount,
                        active: p.active == 1,
                    },
                    stripe_price_id: p.stripe_price_id.clone(),
                    stripe_extra_seat_price_id: p.stripe_extra_seat_price_id.clone(),
                })
                .collect();
            plans.sort_by_key(|p| plan_order(&p.spec));
            out.push(Product {
                id: row.id,
                spec,
                plans,
                stripe_product_id: row.stripe_product_id,
            });
        }
        out.sort_by(|a, b| {
            a.spec
                .name
                .cmp(&b.spec.name)
                .then(a.spec.slug.cmp(&b.spec.slug))
        });
        let mut coupons = coupons
            .into_iter()
            .map(|row| {
                let mut spec: CouponSpec =
                    serde_json::from_str(&row.spec).map_err(|e| corrupt(&row.id, e))?;
                spec.code = row.code;
                spec.active = row.active == 1;
                spec.public = row.public == 1;
                Ok(Coupon {
                    id: row.id,
                    spec,
                    redemptions: row.redemptions,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        coupons.sort_by(|a, b| a.spec.code.cmp(&b.spec.code));
        Ok(Self {
            products: out,
            coupons,
        })
    }
}

/// Plans are listed entry tier first, then monthly, yearly and one-off.
pub fn plan_order(plan: &PlanSpec) -> (usize, usize, String) {
    use tessera_license::vocab::{BillingInterval, Tier};
    let tier = Tier::ALL.iter().position(|t| *t == plan.tier);
    let interval = BillingInterval::ALL
        .iter()
        .position(|i| *i == plan.interval);
    (
        tier.unwrap_or(usize::MAX),
        interval.unwrap_or(usize::MAX),
        plan.lookup_key.clone(),
    )
}

/// An amount in a currency's smallest unit as people read it: `49.00 EUR`, `500 JPY`.
pub fn money(amount: i64, currency: &str) -> String {
    const ZERO_DECIMAL: [&str; 16] = [
        "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
        "xaf", "xof", "xpf",
    ];
    let code = currency.to_ascii_uppercase();
    if ZERO_DECIMAL.contains(&currency) {
        format!("{amount} {code}")
    } else {
        let sign = if amount < 0 { "-" } else { "" };
        let abs = amount.unsigned_abs();
        format!("{sign}{}.{:02} {code}", abs / 100, abs % 100)
    }
}

/// An amount as people type it (`49`, `49.5`, `49.00`) in the currency's smallest unit.
pub fn parse_amount(field: &str, text: &str, currency: &str) -> Result<i64> {
    let text = text.trim();
    let decimals = if money(0, currency).contains('.') {
        2
    } else {
        0
    };
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let ok = digits(whole)
        && whole.len() <= 9
        && (fraction.is_empty() || (digits(fraction) && fraction.len() <= decimals));
    if !ok || text.ends_with('.') {
        return Err(Error::invalid(format!(
            "{field}: {text:?} is not an amount in {}; write e.g. {}",
            currency.to_ascii_uppercase(),
            if decimals == 2 { "49.00" } else { "500" }
        )));
    }
    let whole: i64 = whole
        .parse()
        .map_err(|_| Error::invalid(format!("{field}: too large")))?;
    let fraction: i64 = format!("{fraction:0<decimals$}").parse().unwrap_or(0);
    Ok(whole * 10_i64.pow(decimals as u32) + fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_people_type_them() {
        assert_eq!(parse_amount("price", "49", "eur").unwrap(), 4900);
        assert_eq!(parse_amount("price", "49.5", "eur").unwrap(), 4950);
        assert_eq!(parse_amount("price", " 0.05 ", "usd").unwrap(), 5);
        assert_eq!(parse_amount("price", "500", "jpy").unwrap(), 500);
        for bad in ["", "49.", "4,90", "-1", "1.234", "abc", "9999999999"] {
            let err = parse_amount("price", bad, "eur").unwrap_err().to_string();
            assert!(err.starts_with("price: "), "{bad}: {err}");
        }
        assert!(parse_amount("price", "5.5", "jpy").is_err());
    }

    #[test]
    fn money_reads_in_the_currency_s_units() {
        assert_eq!(money(4900, "eur"), "49.00 EUR");
        assert_eq!(money(5, "usd"), "0.05 USD");
        assert_eq!(money(500, "jpy"), "500 JPY");
    }
}
