//! Selling through Stripe: open a checkout and ask about it (`licenses:write` and
//! `licenses:read`), verify a license's payment (`licenses:read`), and the webhook Stripe
//! delivers its events to (signed, no bearer).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Serialize;
use tessera_backend::commerce::payments::PaymentVerification;
use tessera_backend::commerce::{CheckoutInput, CheckoutView};
use tessera_license::vocab::Scope;

use super::bearer::Bearer;
use crate::web::{ApiError, AppState, JsonBody};

/// `POST /api/v1/checkout-sessions`: 201 with the session's id and the URL where the
/// customer pays.
pub async fn create_checkout(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    JsonBody(body): JsonBody<CheckoutInput>,
) -> Result<(StatusCode, Json<CheckoutView>), ApiError> {
    caller.require(Scope::LicensesWrite)?;
    let view = state.backend.start_checkout(&body, &caller.actor()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// `GET /api/v1/checkout-sessions/{id}`: `pending` until the license exists, then its id.
pub async fn get_checkout(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    Path(id): Path<String>,
) -> Result<Json<CheckoutView>, ApiError> {
    caller.require(Scope::LicensesRead)?;
    Ok(Json(state.backend.checkout_status(&id).await?))
}

/// What the webhook answers Stripe.
#[derive(Debug, Serialize)]
pub struct Received {
    received: bool,
    event: String,
    /// `false` for a redelivery of an event handled before.
    handled_now: bool,
    outcome: String,
}

/// `POST /api/v1/stripe/webhook`: 200 once the event is handled (or was before); 400 for a
/// bad signature; 500 when handling failed and nothing was written, so Stripe retries.
pub async fn webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Received>, ApiError> {
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let done = state.backend.stripe_webhook(&body, signature).await?;
    Ok(Json(Received {
        received: true,
        event: done.event_id,
        handled_now: done.handled_now,
        outcome: done.outcome,
    }))
}

/// `GET /api/v1/payments/verify/{license_id}`: whether the license was paid for, and how.
pub async fn verify_payment(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    Path(id): Path<String>,
) -> Result<Json<PaymentVerification>, ApiError> {
    caller.require(Scope::LicensesRead)?;
    Ok(Json(state.backend.verify_payment(&id).await?))
}
