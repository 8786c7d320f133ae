//! `/billing`'s forms (a signed-in customer; each names its `org`, and the backend checks
//! the customer's role there): `buy` (to Stripe Checkout), `portal` (to Stripe's billing
//! portal), `trial`, `resend` a license's
//! token, `invite` and `remove` members (owners). And `/orgs`'s one form (staff): `create`.

use axum::extract::State;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use tessera_backend::auth::Role;
use tessera_backend::customers::checkout::OrgPurchase;
use tessera_backend::customers::CustomerUser;
use tessera_backend::Error;
use tessera_license::vocab::OrgRole;

use super::forms::{done_or_refused, field, refusal, render, require, Fields};
use super::AppState;
use crate::input::split_list;

/// `/billing` for `org`, with `done` said on it when set.
fn page_with(org: &str, done: Option<&str>) -> String {
    let mut pairs = Vec::new();
    if !org.is_empty() {
        pairs.push(("org", org));
    }
    if let Some(done) = done {
        pairs.push(("done", done));
    }
    match serde_urlencoded::to_string(&pairs) {
        Ok(query) if !query.is_empty() => format!("/billing?{query}"),
        _ => "/billing".to_string(),
    }
}

fn page(org: &str) -> String {
    page_with(org, None)
}

/// `POST /billing`.
pub async fn act(
    State(state): State<AppState>,
    parts: Parts,
    Form(fields): Form<Fields>,
) -> Response {
    let Some(customer) = parts.extensions.get::<CustomerUser>().cloned() else {
        return Redirect::to("/signin").into_response();
    };
    let backend = &state.backend;
    let org = field(&fields, "org");
    let result = match field(&fields, "action").as_str() {
        "buy" => {
            let seats = field(&fields, "seats");
            let seats = match seats.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) if seats.is_empty() => None,
                Err(_) => {
                    let err = Error::invalid("seats: a whole number");
                    return refused(&state, &parts, &org, err, fields).await;
                }
            };
            let purchase = OrgPurchase {
                product: field(&fields, "product"),
                plan: field(&fields, "plan"),
                seats,
                coupon: Some(field(&fields, "coupon")),
                domains: split_list(&field(&fields, "domains")),
            };
            match backend.start_org_checkout(&customer, &org, &purchase).await {
                // Off to Stripe's hosted page.
                Ok(view) => return Redirect::to(&view.url).into_response(),
                Err(err) => Err(err),
            }
        }
        "portal" => match backend.org_portal(&customer, &org).await {
            // Off to Stripe's billing portal.
            Ok(url) => return Redirect::to(&url).into_response(),
            Err(err) => Err(err),
        },
        "trial" => backend
            .start_org_trial(&customer, &org, &field(&fields, "product"))
            .await
            .map(|l| {
                format!(
                    "trial started: its license was e-mailed to {}",
                    l.customer_email
                )
            }),
        "resend" => backend
            .resend_org_license(&customer, &org, &field(&fields, "license"))
            .await
            .map(|l| format!("a fresh token was e-mailed to {}", l.customer_email)),
        "invite" => match field(&fields, "role").parse::<OrgRole>() {
            Ok(role) => backend
                .add_org_member(&customer, &org, &field(&fields, "email"), role)
                .await
                .map(|m| format!("{} is a {} now", m.email, m.role)),
            Err(_) => Err(Error::invalid("role: owner or member")),
        },
        "remove" => backend
            .remove_org_member(&customer, &org, &field(&fields, "member"))
            .await
            .map(|()| "removed".to_string()),
        _ => return (StatusCode::UNPROCESSABLE_ENTITY, "unknown action").into_response(),
    };
    match result {
        Ok(done) => Redirect::to(&page_with(&org, Some(&done))).into_response(),
        Err(err) => refused(&state, &parts, &org, err, fields).await,
    }
}

async fn refused(
    state: &AppState,
    parts: &Parts,
    org: &str,
    err: Error,
    fields: Fields,
) -> Response {
    let (outcome, status) = refusal(err, fields);
    render(state, parts, &page(org), outcome, status).await
}

/// `POST /orgs` (operators): `create` an org with its owner.
pub async fn orgs(
    State(state): State<AppState>,
    parts: Parts,
    Form(fields): Form<Fields>,
) -> Response {
    let user = match require(&parts, Role::Operator) {
        Ok(user) => user,
        Err(refused) => return refused.into_response(),
    };
    let result = match field(&fields, "action").as_str() {
        "create" => {
            let slug = field(&fields, "slug");
            state
                .backend
                .create_org(
                    &field(&fields, "name"),
                    Some(slug.as_str()).filter(|s| !s.is_empty()),
                    &field(&fields, "owner"),
                    &user.email,
                )
                .await
                .map(|org| format!("created {}", org.slug))
        }
        _ => return (StatusCode::UNPROCESSABLE_ENTITY, "unknown action").into_response(),
    };
    done_or_refused(&state, &parts, "/orgs", result, fields).await
}
