//! A checkout request read against the catalog: the plan, the seats (within the product's
//! bounds, extra seats only where the plan sells them) and the coupon (its rules), and the
//! id a coupon's terms have at Stripe.

use sha2::{Digest as _, Sha256};
use tessera_stripe::CouponTerms;

use super::checkout::CheckoutInput;
use crate::catalog::{Catalog, Coupon, Plan, Product, MAX_SEATS};
use crate::{now, Error, Result};

/// Longest success or cancel URL.
const MAX_URL: usize = 2000;

/// A request read against the catalog.
pub(super) struct Chosen<'a> {
    pub product: &'a Product,
    pub plan: &'a Plan,
    pub seats: u32,
    pub coupon: Option<&'a Coupon>,
}

pub(super) fn refuse(field: &str, reason: impl std::fmt::Display) -> Error {
    Error::invalid(format!("{field}: {reason}"))
}

pub(super) fn url(field: &str, value: Option<&str>, default: String) -> Result<String> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(default);
    };
    let ok = (value.starts_with("https://") || value.starts_with("http://"))
        && value.len() <= MAX_URL
        && !value.chars().any(char::is_control);
    if ok {
        Ok(value.to_string())
    } else {
        Err(refuse(
            field,
            format!("an http(s) URL of at most {MAX_URL} characters"),
        ))
    }
}

/// The plan, seats and coupon `input` asks for, by the catalog's rules.
pub(super) fn choose<'a>(catalog: &'a Catalog, input: &CheckoutInput) -> Result<Chosen<'a>> {
    let product = catalog
        .product(input.product.trim())
        .filter(|p| p.spec.active)
        .ok_or_else(|| refuse("product", format!("{:?} is not sold", input.product)))?;
    let plan = product
        .plans
        .iter()
        .find(|p| p.spec.lookup_key == input.plan.trim() && p.spec.active)
        .ok_or_else(|| {
            refuse(
                "plan",
                format!(
                    "{:?} is not an active plan of {}",
                    input.plan, product.spec.slug
                ),
            )
        })?;
    let included = plan.spec.seats_included;
    let seats = input.seats.unwrap_or(included).max(included);
    let bounds = product.spec.seats;
    if seats < bounds.min {
        return Err(refuse(
            "seats",
            format!("{} sells at least {} seats", product.spec.slug, bounds.min),
        ));
    }
    let max = bounds.max.unwrap_or(MAX_SEATS);
    if seats > max {
        return Err(refuse(
            "seats",
            format!("{} sells at most {max} seats", product.spec.slug),
        ));
    }
    if seats > included && plan.spec.extra_seat_unit_amount.is_none() {
        return Err(refuse(
            "seats",
            format!(
                "plan {} includes {included} seats and sells no extra seats",
                plan.spec.lookup_key
            ),
        ));
    }
    let coupon = match input.coupon.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(code) => Some(coupon_for(catalog, code, plan, seats)?),
    };
    Ok(Chosen {
        product,
        plan,
        seats,
        coupon,
    })
}

/// The coupon `code`, if its rules allow it on `plan` with `seats`.
fn coupon_for<'a>(catalog: &'a Catalog, code: &str, plan: &Plan, seats: u32) -> Result<&'a Coupon> {
    let code = code.to_ascii_uppercase();
    let coupon = catalog
        .coupons
        .iter()
        .find(|c| c.spec.code == code && c.spec.active)
        .ok_or_else(|| refuse("coupon", format!("{code} is not a valid coupon")))?;
    let spec = &coupon.spec;
    if spec.expires_at.is_some_and(|at| at.timestamp() <= now()) {
        return Err(refuse("coupon", format!("{code} has expired")));
    }
    if !spec.tiers.is_empty() && !spec.tiers.contains(&plan.spec.tier) {
        return Err(refuse(
            "coupon",
            format!("{code} is not valid for the {} tier", plan.spec.tier),
        ));
    }
    if spec.min_seats.is_some_and(|m| seats < m) || spec.max_seats.is_some_and(|m| seats > m) {
        return Err(refuse(
            "coupon",
            format!(
                "{code} needs {} to {} seats",
                spec.min_seats.unwrap_or(1),
                spec.max_seats
                    .map_or("any number of".into(), |m| m.to_string())
            ),
        ));
    }
    if spec
        .max_redemptions
        .is_some_and(|m| coupon.redemptions >= i64::from(m))
    {
        return Err(refuse("coupon", format!("{code} has been used up")));
    }
    if spec
        .currency
        .as_deref()
        .is_some_and(|c| c != plan.spec.currency)
    {
        return Err(refuse(
            "coupon",
            format!("{code} is an amount in another currency"),
        ));
    }
    Ok(coupon)
}

/// The id a coupon's terms have at Stripe (coupons cannot change there, so a change of
/// terms is another id).
pub(super) fn stripe_coupon(coupon: &Coupon) -> CouponTerms {
    let spec = &coupon.spec;
    let terms = format!(
        "{:?}|{:?}|{:?}",
        spec.percent_off, spec.amount_off, spec.currency
    );
    let digest = hex::encode(Sha256::digest(terms.as_bytes()));
    CouponTerms {
        id: format!("tessera-{}-{}", spec.code, &digest[..8]),
        name: spec.code.clone(),
        percent_off: spec.percent_off,
        amount_off: spec.amount_off.zip(spec.currency.clone()),
    }
}
