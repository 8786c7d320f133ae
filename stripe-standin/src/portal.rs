//! The customer portal: `POST /v1/billing_portal/sessions` opens a session for a customer,
//! and the session's page `/portal/{id}` (the customer's browser: no key) lets them cancel
//! a subscription at period end or at once and change an item's quantity. Each button goes
//! through the code of `POST` and `DELETE /v1/subscriptions/{id}`, so it changes and
//! announces the subscription as those calls do, then sends the browser back to the page.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::objects::{self, portal};
use super::portal_page::{missing, render};
use super::{bad, base_url, billing, idempotent, params, StandIn, World};

/// The quantities the portal accepts for an item.
const QUANTITIES: std::ops::RangeInclusive<i64> = 1..=10_000;

pub(crate) async fn create_session(
    State(state): State<StandIn>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = match params(&body) {
        Ok(p) => p,
        Err((status, body)) => return (status, Json(body)).into_response(),
    };
    let base = base_url(&headers);
    idempotent(&state, &headers, &params.clone(), move |world| {
        match open(world, &params, &base) {
            Ok(session) => (StatusCode::OK, session),
            Err(refused) => refused,
        }
    })
}

/// Opens a session from a create's parameters: `customer` must exist, `return_url` be an
/// http(s) URL; without `configuration`, the default one.
fn open(world: &mut World, params: &Value, base: &str) -> Result<Value, (StatusCode, Value)> {
    let Some(customer) = params["customer"].as_str() else {
        return Err(bad("Missing required param: customer.", "customer"));
    };
    world
        .get("customer", customer)
        .map_err(|_| bad(&format!("No such customer: '{customer}'"), "customer"))?;
    if let Some(url) = params["return_url"].as_str() {
        let web = reqwest::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !web {
            return Err(bad("Not a valid URL", "return_url"));
        }
    }
    let configuration = match params["configuration"].as_str() {
        Some(given) => given.to_string(),
        None => world
            .portal_configuration
            .get_or_insert_with(|| objects::id("bpc"))
            .clone(),
    };
    let session = portal::session(customer, &configuration, params, base);
    Ok(world.put(session))
}

pub(crate) async fn show(State(state): State<StandIn>, Path(id): Path<String>) -> Response {
    let world = state.world();
    match world.get("billing_portal.session", &id) {
        Ok(session) => Html(render(&world, session, None)).into_response(),
        Err(_) => missing(),
    }
}

/// "Cancel at period end": `cancel_at_period_end`, as `POST /v1/subscriptions/{sub}` sets it.
pub(crate) async fn cancel_at_period_end(
    State(state): State<StandIn>,
    headers: HeaderMap,
    Path((id, sub)): Path<(String, String)>,
) -> Response {
    let change = json!({ "cancel_at_period_end": "true" });
    act(&state, &headers, &id, &sub, |world| {
        billing::update(world, &sub, &change)
    })
}

/// "Cancel now": as `DELETE /v1/subscriptions/{sub}`.
pub(crate) async fn cancel_now(
    State(state): State<StandIn>,
    headers: HeaderMap,
    Path((id, sub)): Path<(String, String)>,
) -> Response {
    act(&state, &headers, &id, &sub, |world| {
        billing::cancel(world, &sub)
    })
}

/// "Update quantity": the form's `quantity` for the item, as `POST /v1/subscriptions/{sub}`
/// with `items[0][id]` and `items[0][quantity]` sets it.
pub(crate) async fn update_quantity(
    State(state): State<StandIn>,
    headers: HeaderMap,
    Path((id, sub, item)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    let quantity = params(&body)
        .ok()
        .and_then(|form| objects::integer(&form, "quantity"))
        .filter(|q| QUANTITIES.contains(q));
    let Some(quantity) = quantity else {
        let text = format!(
            "The quantity must be a whole number from {} to {}.",
            QUANTITIES.start(),
            QUANTITIES.end()
        );
        return refused(&state, &id, StatusCode::BAD_REQUEST, &text);
    };
    let change = json!({ "items": [{ "id": item, "quantity": quantity.to_string() }] });
    act(&state, &headers, &id, &sub, |world| {
        billing::update(world, &sub, &change)
    })
}

/// Applies `change` to the subscription `sub` if it is one of the session `id`'s customer's
/// and not canceled, then sends the browser back to the portal (303). Otherwise, or if the
/// change is refused, the page again with why (404: no such session or subscription; 409:
/// canceled).
fn act(
    state: &StandIn,
    headers: &HeaderMap,
    id: &str,
    sub: &str,
    change: impl FnOnce(&mut World) -> Result<Value, (StatusCode, Value)>,
) -> Response {
    let mut world = state.world();
    let Ok(session) = world.get("billing_portal.session", id).cloned() else {
        return missing();
    };
    let done = changeable(&world, &session, sub).and_then(|()| {
        change(&mut world).map(drop).map_err(|(status, body)| {
            let text = body["error"]["message"].as_str().unwrap_or("Refused.");
            (status, text.to_string())
        })
    });
    match done {
        Ok(()) => {
            let back = format!("{}portal/{id}", base_url(headers));
            (StatusCode::SEE_OTHER, [(header::LOCATION, back)]).into_response()
        }
        Err((status, text)) => {
            (status, Html(render(&world, &session, Some(&text)))).into_response()
        }
    }
}

/// Whether the portal `session` may change the subscription `sub`: its customer's, not
/// canceled.
fn changeable(world: &World, session: &Value, sub: &str) -> Result<(), (StatusCode, String)> {
    let held = world.get("subscription", sub).ok();
    match held.filter(|s| s["customer"] == session["customer"]) {
        None => Err((
            StatusCode::NOT_FOUND,
            "There is no such subscription.".into(),
        )),
        Some(s) if s["status"] == "canceled" => Err((
            StatusCode::CONFLICT,
            "This subscription is already canceled.".into(),
        )),
        Some(_) => Ok(()),
    }
}

/// The portal page of session `id` with `text` shown as an error, answered with `status`.
fn refused(state: &StandIn, id: &str, status: StatusCode, text: &str) -> Response {
    let world = state.world();
    match world.get("billing_portal.session", id) {
        Ok(session) => (status, Html(render(&world, session, Some(text)))).into_response(),
        Err(_) => missing(),
    }
}
