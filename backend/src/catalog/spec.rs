//! What a vendor sells, as the vendor writes it (the catalog file, the `/products` forms):
//! products with their plans. Coupons are in `coupon.rs`, the whole file in `file.rs`. [`ProductSpec::checked`] and friends are the one
//! home of the catalog's rules; every door passes through them.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use tessera_license::vocab::{BillingInterval, Tier};
use tessera_license::ProductKey;

use crate::licenses::request::{caps, names};
use crate::{Error, Result};

/// Most plugins a product declares, most plans per product, most coupons in one file.
pub const MAX_ENTRIES: usize = 64;
/// The largest amount Stripe accepts for a price, in the currency's smallest unit.
pub const MAX_UNIT_AMOUNT: i64 = 99_999_999;
/// Most seats one license may hold.
pub const MAX_SEATS: u32 = 100_000;

pub(super) fn yes() -> bool {
    true
}

fn one() -> u32 {
    1
}

/// A product: what a license is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductSpec {
    /// The product's name in URLs: `a-z 0-9 -`.
    pub slug: String,
    pub name: String,
    /// The token's `aud`: what the customer's product checks.
    pub product_key: String,
    /// Sold and listed; an inactive product keeps its licenses.
    #[serde(default = "yes")]
    pub active: bool,
    /// Never listed publicly (staff-only or self-licensing products).
    #[serde(default)]
    pub internal: bool,
    /// A license must name at least one domain other than localhost.
    #[serde(default)]
    pub domain_required: bool,
    #[serde(default)]
    pub features: Vec<String>,
    #[serde(default)]
    pub caps: BTreeMap<String, i64>,
    /// Plugins and the roles they declare.
    #[serde(default)]
    pub plugins: BTreeMap<String, PluginRoles>,
    #[serde(default)]
    pub seats: SeatBounds,
    /// Most licenses ever sold of a one-off (perpetual) plan of this product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_license_total: Option<u32>,
    /// Free trial terms; no trials when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial: Option<TrialTerms>,
    /// Its plans. A plan absent from a file is left as it is (deactivate it to stop selling).
    #[serde(default)]
    pub plans: Vec<PlanSpec>,
}

/// A plugin's roles: billable ones take a seat, free ones never do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginRoles {
    #[serde(default)]
    pub billable: Vec<String>,
    #[serde(default)]
    pub free: Vec<String>,
}

/// How many seats one purchase may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeatBounds {
    #[serde(default = "one")]
    pub min: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
}

impl Default for SeatBounds {
    fn default() -> Self {
        Self { min: 1, max: None }
    }
}

/// A free trial's length, and how long a group waits before trialling the product again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialTerms {
    pub days: u32,
    #[serde(default)]
    pub cooldown_days: u32,
}

/// A plan: one price of a product, for a tier and an interval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSpec {
    /// Stripe's lookup key for the price, unique across the catalog: the plan's name.
    pub lookup_key: String,
    pub tier: Tier,
    pub interval: BillingInterval,
    /// The price of the included seats, in the currency's smallest unit (cents).
    pub unit_amount: i64,
    /// ISO 4217, lower case (`eur`, `usd`).
    pub currency: String,
    #[serde(default = "one")]
    pub seats_included: u32,
    /// The price of each seat beyond the included ones; absent: no extra seats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_seat_unit_amount: Option<i64>,
    #[serde(default = "yes")]
    pub active: bool,
}

pub(super) fn refuse(field: &str, reason: impl std::fmt::Display) -> Error {
    Error::invalid(format!("{field}: {reason}"))
}

/// `a-z 0-9 -`, starting with a letter or digit, 1 to 48 characters.
fn slug(value: &str) -> Result<String> {
    let value = value.trim();
    let ok = (1..=48).contains(&value.len())
        && value.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(value.to_string())
    } else {
        Err(refuse(
            "slug",
            format!(
                "1 to 48 characters of a-z 0-9 -, starting with a letter or digit (got {value:?})"
            ),
        ))
    }
}

pub(super) fn currency(field: &str, value: &str) -> Result<String> {
    let value = value.trim().to_ascii_lowercase();
    if value.len() == 3 && value.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(value)
    } else {
        Err(refuse(
            field,
            format!("an ISO 4217 code such as eur or usd (got {value:?})"),
        ))
    }
}

pub(super) fn amount(field: &str, value: i64) -> Result<i64> {
    if (0..=MAX_UNIT_AMOUNT).contains(&value) {
        Ok(value)
    } else {
        Err(refuse(
            field,
            format!("0 to {MAX_UNIT_AMOUNT} in the currency's smallest unit (got {value})"),
        ))
    }
}

pub(super) fn seats(field: &str, value: u32) -> Result<u32> {
    if (1..=MAX_SEATS).contains(&value) {
        Ok(value)
    } else {
        Err(refuse(field, format!("1 to {MAX_SEATS} (got {value})")))
    }
}

impl ProductSpec {
    /// The product as the rules read it: trimmed, sorted, every bound checked.
    pub fn checked(self) -> Result<Self> {
        let name = crate::licenses::request::optional_text("name", Some(self.name), 100)?
            .ok_or_else(|| refuse("name", "required"))?;
        let product_key = ProductKey::parse(self.product_key.trim())
            .map_err(|e| refuse("product_key", e))?
            .as_ref()
            .to_string();
        if self.plugins.len() > MAX_ENTRIES {
            return Err(refuse("plugins", format!("at most {MAX_ENTRIES}")));
        }
        let mut plugins = BTreeMap::new();
        for (plugin, roles) in self.plugins {
            let plugin = crate::selfhost::seats::name("plugins", plugin.trim())?;
            plugins.insert(plugin.clone(), roles.checked(&plugin)?);
        }
        let min = seats("seats.min", self.seats.min)?;
        let max = self.seats.max.map(|m| seats("seats.max", m)).transpose()?;
        if max.is_some_and(|max| max < min) {
            return Err(refuse(
                "seats.max",
                format!("must be at least seats.min ({min})"),
            ));
        }
        if let Some(trial) = self.trial {
            if !(1..=365).contains(&trial.days) {
                return Err(refuse("trial.days", "1 to 365"));
            }
            if trial.cooldown_days > 3650 {
                return Err(refuse("trial.cooldown_days", "at most 3650"));
            }
        }
        if self.max_license_total == Some(0) {
            return Err(refuse("max_license_total", "at least 1 (or leave it out)"));
        }
        if self.plans.len() > MAX_ENTRIES {
            return Err(refuse(
                "plans",
                format!("at most {MAX_ENTRIES} per product"),
            ));
        }
        let plans = self
            .plans
            .into_iter()
            .map(PlanSpec::checked)
            .collect::<Result<Vec<_>>>()?;
        unique("plans", plans.iter().map(|p| p.lookup_key.as_str()))?;
        Ok(Self {
            slug: slug(&self.slug)?,
            name,
            product_key,
            features: names("features", self.features)?,
            caps: caps(self.caps)?,
            plugins,
            seats: SeatBounds { min, max },
            plans,
            ..self
        })
    }
}

impl PluginRoles {
    fn checked(self, plugin: &str) -> Result<Self> {
        let field = format!("plugins.{plugin}");
        let billable = names(&field, self.billable)?;
        let free = names(&field, self.free)?;
        for role in billable.iter().chain(&free) {
            crate::selfhost::seats::name(&field, role)?;
        }
        if let Some(both) = billable.iter().find(|r| free.contains(r)) {
            return Err(refuse(
                &field,
                format!("role {both} is both billable and free"),
            ));
        }
        Ok(Self { billable, free })
    }
}

impl PlanSpec {
    /// The plan as the rules read it.
    pub fn checked(self) -> Result<Self> {
        let key = self.lookup_key.trim().to_string();
        let ok = (1..=200).contains(&key.len())
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        if !ok {
            return Err(refuse(
                "lookup_key",
                format!("1 to 200 characters of A-Z a-z 0-9 . _ - (got {key:?})"),
            ));
        }
        if self.tier == Tier::Trial {
            return Err(refuse(
                "tier",
                "trials are not sold; give the product trial terms instead",
            ));
        }
        Ok(Self {
            lookup_key: key,
            unit_amount: amount("unit_amount", self.unit_amount)?,
            currency: currency("currency", &self.currency)?,
            seats_included: seats("seats_included", self.seats_included)?,
            extra_seat_unit_amount: self
                .extra_seat_unit_amount
                .map(|a| amount("extra_seat_unit_amount", a))
                .transpose()?,
            ..self
        })
    }
}

pub(super) fn unique<'a>(field: &str, keys: impl Iterator<Item = &'a str>) -> Result<()> {
    let mut seen = BTreeSet::new();
    for key in keys {
        if !seen.insert(key) {
            return Err(refuse(field, format!("{key} is named twice")));
        }
    }
    Ok(())
}
