//! Coupons as the vendor writes them, and their rules.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_license::vocab::Tier;

use super::spec::{amount, currency, refuse, seats, yes};
use crate::licenses::request::MAX_ITEMS;
use crate::Result;

/// A coupon: a percentage or an amount off, with its rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CouponSpec {
    /// What the customer types: `A-Z 0-9 _ -`, stored upper case.
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent_off: Option<u32>,
    /// In the smallest unit of `currency`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_off: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_seats: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_seats: Option<u32>,
    /// The tiers it applies to; empty: every tier.
    #[serde(default)]
    pub tiers: Vec<Tier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_redemptions: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Shown by the public product API (a storefront may advertise it).
    #[serde(default)]
    pub public: bool,
    #[serde(default = "yes")]
    pub active: bool,
}

impl CouponSpec {
    /// The coupon as the rules read it.
    pub fn checked(self) -> Result<Self> {
        let code = self.code.trim().to_ascii_uppercase();
        let ok = (3..=40).contains(&code.len())
            && code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"_-".contains(&b));
        if !ok {
            return Err(refuse(
                "code",
                format!("3 to 40 characters of A-Z 0-9 _ - (got {code:?})"),
            ));
        }
        let (percent_off, amount_off, currency) = match (self.percent_off, self.amount_off) {
            (Some(p), None) if (1..=100).contains(&p) => (Some(p), None, None),
            (Some(p), None) => return Err(refuse("percent_off", format!("1 to 100 (got {p})"))),
            (None, Some(a)) if a > 0 => {
                let c = self
                    .currency
                    .as_deref()
                    .ok_or_else(|| refuse("currency", "required with amount_off"))?;
                (
                    None,
                    Some(amount("amount_off", a)?),
                    Some(currency("currency", c)?),
                )
            }
            (None, Some(a)) => return Err(refuse("amount_off", format!("more than 0 (got {a})"))),
            _ => {
                return Err(refuse(
                    "percent_off",
                    "give exactly one of percent_off and amount_off",
                ))
            }
        };
        let min_seats = self.min_seats.map(|m| seats("min_seats", m)).transpose()?;
        let max_seats = self.max_seats.map(|m| seats("max_seats", m)).transpose()?;
        if let (Some(min), Some(max)) = (min_seats, max_seats) {
            if max < min {
                return Err(refuse(
                    "max_seats",
                    format!("must be at least min_seats ({min})"),
                ));
            }
        }
        if self.max_redemptions == Some(0) {
            return Err(refuse("max_redemptions", "at least 1 (or leave it out)"));
        }
        let tiers: BTreeSet<Tier> = self.tiers.into_iter().collect();
        if tiers.len() > MAX_ITEMS {
            return Err(refuse("tiers", format!("at most {MAX_ITEMS}")));
        }
        Ok(Self {
            code,
            percent_off,
            amount_off,
            currency,
            min_seats,
            max_seats,
            tiers: tiers.into_iter().collect(),
            ..self
        })
    }

    /// What it takes off, as people read it: `20 %` or `10.00 EUR`.
    pub fn discount_text(&self) -> String {
        match (self.percent_off, self.amount_off, &self.currency) {
            (Some(p), _, _) => format!("{p} %"),
            (_, Some(a), Some(c)) => super::money(a, c),
            _ => String::new(),
        }
    }
}
