//! Customers, charges and refunds.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::objects::{self, checkout, payments};
use super::webhooks::{emit, previous};
use super::{answer, bad, idempotent, params, StandIn, World};

pub(crate) async fn create_customer(
    State(state): State<StandIn>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = match params(&body) {
        Ok(p) => p,
        Err((status, body)) => return (status, Json(body)).into_response(),
    };
    idempotent(&state, &headers, &params.clone(), move |world| {
        (StatusCode::OK, world.put(checkout::customer(&params)))
    })
}

pub(crate) async fn retrieve_customer(
    State(state): State<StandIn>,
    Path(id): Path<String>,
) -> Response {
    answer(state.world().get("customer", &id).cloned())
}

pub(crate) async fn retrieve_charge(
    State(state): State<StandIn>,
    Path(id): Path<String>,
) -> Response {
    answer(state.world().get("charge", &id).cloned())
}

pub(crate) async fn retrieve_refund(
    State(state): State<StandIn>,
    Path(id): Path<String>,
) -> Response {
    answer(state.world().get("refund", &id).cloned())
}

pub(crate) async fn create_refund(
    State(state): State<StandIn>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = match params(&body) {
        Ok(p) => p,
        Err((status, body)) => return (status, Json(body)).into_response(),
    };
    idempotent(
        &state,
        &headers,
        &params.clone(),
        move |world| match refund(world, &params) {
            Ok(refund) => (StatusCode::OK, refund),
            Err(refused) => refused,
        },
    )
}

/// The charge a refund's `charge` or `payment_intent` names.
fn refunded_charge(world: &World, params: &Value) -> Result<Value, (StatusCode, Value)> {
    if let Some(id) = params["charge"].as_str() {
        return world
            .get("charge", id)
            .cloned()
            .map_err(|_| bad(&format!("No such charge: '{id}'"), "charge"));
    }
    let Some(intent) = params["payment_intent"].as_str() else {
        return Err(bad(
            "One of the following params should be provided for this request: payment_intent or charge.",
            "charge",
        ));
    };
    world
        .all("charge")
        .find(|c| c["payment_intent"] == intent)
        .cloned()
        .ok_or_else(|| {
            bad(
                &format!("No such payment_intent: '{intent}'"),
                "payment_intent",
            )
        })
}

/// Refunds `amount` (by default what is left) of a charge; sends `charge.refunded`.
fn refund(world: &mut World, params: &Value) -> Result<Value, (StatusCode, Value)> {
    let charge = refunded_charge(world, params)?;
    let id = charge["id"].as_str().unwrap_or_default().to_string();
    let paid = charge["amount"].as_i64().unwrap_or(0);
    let remaining = paid - charge["amount_refunded"].as_i64().unwrap_or(0);
    if remaining <= 0 {
        return Err(bad(
            &format!("Charge {id} has already been refunded."),
            "charge",
        ));
    }
    let amount = match params["amount"].as_str() {
        None => remaining,
        Some(a) => a
            .parse::<i64>()
            .ok()
            .filter(|a| *a > 0)
            .ok_or_else(|| bad("Invalid integer: amount", "amount"))?,
    };
    if amount > remaining {
        let message = format!(
            "Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})"
        );
        return Err(bad(&message, "amount"));
    }
    if let Some(reason) = params["reason"].as_str() {
        if !matches!(reason, "duplicate" | "fraudulent" | "requested_by_customer") {
            return Err(bad(&format!("Invalid reason: {reason}"), "reason"));
        }
    }
    let refund = world.put(payments::refund(&charge, amount, params));
    let mut updated = charge.clone();
    let refunded = paid - remaining + amount;
    updated["amount_refunded"] = json!(refunded);
    updated["refunded"] = json!(refunded == paid);
    let mut refunds = updated["refunds"]["data"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    refunds.insert(0, refund.clone());
    updated["refunds"] = objects::list(refunds, false, &format!("/v1/charges/{id}/refunds"));
    let updated = world.put(updated);
    emit(
        world,
        "charge.refunded",
        &updated,
        Some(&previous(&charge, &updated)),
    );
    Ok(refund)
}
