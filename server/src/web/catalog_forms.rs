//! `/products`'s forms (sysadmin), posted to the page with an `action`: add a `product`, a
//! `plan` or a `coupon`, or switch one active or inactive (`product_active`, `plan_active`,
//! `coupon_active`). A refusal renders the page again with the reason and what was typed.

use axum::extract::State;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use chrono::{NaiveDate, TimeZone as _, Utc};
use tessera_backend::auth::Role;
use tessera_backend::catalog::{
    parse_amount, ChangeOp, CouponSpec, PlanSpec, ProductSpec, SeatBounds, TrialTerms,
};
use tessera_backend::{Error, Result};

use super::forms::{done_or_refused, field, require, Fields};
use super::AppState;
use crate::input::split_list;

/// A whole number typed into `name`, or `None` when it was left empty.
fn number(fields: &Fields, name: &str) -> Result<Option<u32>> {
    let text = field(fields, name);
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| Error::invalid(format!("{name}: {text:?} is not a whole number")))
}

fn checked(fields: &Fields, name: &str) -> bool {
    field(fields, name) == "on"
}

fn product(fields: &Fields) -> Result<ProductSpec> {
    let trial = match (
        number(fields, "trial_days")?,
        number(fields, "trial_cooldown_days")?,
    ) {
        (None, None) => None,
        (days, cooldown) => Some(TrialTerms {
            days: days.ok_or_else(|| Error::invalid("trial_days: required with a cooldown"))?,
            cooldown_days: cooldown.unwrap_or(0),
        }),
    };
    Ok(ProductSpec {
        slug: field(fields, "slug"),
        name: field(fields, "name"),
        product_key: field(fields, "product_key"),
        active: true,
        internal: checked(fields, "internal"),
        domain_required: checked(fields, "domain_required"),
        features: split_list(&field(fields, "features")),
        caps: Default::default(),
        plugins: Default::default(),
        seats: SeatBounds {
            min: number(fields, "seats_min")?.unwrap_or(1),
            max: number(fields, "seats_max")?,
        },
        max_license_total: number(fields, "max_license_total")?,
        trial,
        plans: Vec::new(),
    })
}

fn plan(fields: &Fields) -> Result<PlanSpec> {
    let currency = field(fields, "currency").to_ascii_lowercase();
    let extra = field(fields, "extra_seat_price");
    Ok(PlanSpec {
        lookup_key: field(fields, "lookup_key"),
        tier: field(fields, "tier").parse()?,
        interval: field(fields, "interval").parse()?,
        unit_amount: parse_amount("price", &field(fields, "price"), &currency)?,
        seats_included: number(fields, "seats_included")?.unwrap_or(1),
        extra_seat_unit_amount: (!extra.is_empty())
            .then(|| parse_amount("extra_seat_price", &extra, &currency))
            .transpose()?,
        currency,
        active: true,
    })
}

fn coupon(fields: &Fields) -> Result<CouponSpec> {
    let currency = field(fields, "coupon_currency").to_ascii_lowercase();
    let amount = field(fields, "amount_off");
    let expires = field(fields, "expires");
    let expires_at = if expires.is_empty() {
        None
    } else {
        let day = NaiveDate::parse_from_str(&expires, "%Y-%m-%d").map_err(|_| {
            Error::invalid(format!(
                "expires: {expires:?} is not a date like 2027-01-31"
            ))
        })?;
        Some(Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default()))
    };
    let tiers = split_list(&field(fields, "tiers"))
        .iter()
        .map(|t| t.parse().map_err(Error::from))
        .collect::<Result<Vec<_>>>()?;
    Ok(CouponSpec {
        code: field(fields, "code"),
        percent_off: number(fields, "percent_off")?,
        amount_off: (!amount.is_empty())
            .then(|| {
                parse_amount(
                    "amount_off",
                    &amount,
                    if currency.is_empty() {
                        "eur"
                    } else {
                        &currency
                    },
                )
            })
            .transpose()?,
        currency: (!currency.is_empty()).then_some(currency),
        min_seats: number(fields, "min_seats")?,
        max_seats: number(fields, "max_seats")?,
        tiers,
        max_redemptions: number(fields, "max_redemptions")?,
        expires_at,
        public: checked(fields, "public"),
        active: true,
    })
}

fn said(changes: &[tessera_backend::catalog::Change]) -> String {
    if changes.is_empty() {
        "nothing changed".into()
    } else {
        changes
            .iter()
            .map(|c| match c.op {
                ChangeOp::Create => format!("created {} {}", c.what, c.key),
                ChangeOp::Update => format!("changed {} {}", c.what, c.key),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `POST /products`.
pub async fn act(
    State(state): State<AppState>,
    parts: Parts,
    Form(fields): Form<Fields>,
) -> Response {
    let user = match require(&parts, Role::Sysadmin) {
        Ok(user) => user,
        Err(refused) => return refused.into_response(),
    };
    let backend = &state.backend;
    let actor = user.email.as_str();
    let active = field(&fields, "active") == "true";
    let result = match field(&fields, "action").as_str() {
        "product" => match product(&fields) {
            Ok(spec) => backend.save_product(spec, actor).await,
            Err(err) => Err(err),
        },
        "plan" => match plan(&fields) {
            Ok(spec) => {
                backend
                    .save_plan(&field(&fields, "product"), spec, actor)
                    .await
            }
            Err(err) => Err(err),
        },
        "coupon" => match coupon(&fields) {
            Ok(spec) => backend.save_coupon(spec, actor).await,
            Err(err) => Err(err),
        },
        "product_active" => {
            backend
                .set_product_active(&field(&fields, "slug"), active, actor)
                .await
        }
        "plan_active" => {
            backend
                .set_plan_active(&field(&fields, "lookup_key"), active, actor)
                .await
        }
        "coupon_active" => {
            backend
                .set_coupon_active(&field(&fields, "code"), active, actor)
                .await
        }
        _ => return (StatusCode::UNPROCESSABLE_ENTITY, "unknown action").into_response(),
    };
    done_or_refused(
        &state,
        &parts,
        "/products",
        result.map(|c| said(&c)),
        fields,
    )
    .await
}
