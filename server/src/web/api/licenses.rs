//! The internal license API: issue, get, list by customer, revoke, refund, transfer, resend.
//! `licenses:read` reads, `licenses:write` changes.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use tessera_backend::licenses::lifecycle::Transfer;
use tessera_backend::licenses::{IssueInput, IssueRequest};
use tessera_backend::store::LicenseQuery;
use tessera_license::vocab::Scope;

use super::bearer::Bearer;
use crate::views::{IssuedJson, LicenseJson, LicenseListJson};
use crate::web::{ApiError, AppState, JsonBody, Params};

const READ: Scope = Scope::LicensesRead;
const WRITE: Scope = Scope::LicensesWrite;

/// `POST /api/v1/licenses`: 201 with the license and its token. The body is an
/// [`IssueInput`], read by the same rules as the issue form and the CLI.
pub async fn issue(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    JsonBody(body): JsonBody<IssueInput>,
) -> Result<(StatusCode, Json<IssuedJson>), ApiError> {
    caller.require(WRITE)?;
    let issued = state
        .backend
        .issue_license(&IssueRequest::try_from(body)?, &caller.actor())
        .await?;
    Ok((StatusCode::CREATED, Json(issued.into())))
}

/// `GET /api/v1/licenses/{id}`.
pub async fn get(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    Path(id): Path<String>,
) -> Result<Json<LicenseJson>, ApiError> {
    caller.require(READ)?;
    Ok(Json(state.backend.get_license(&id).await?.into()))
}

/// `GET /api/v1/licenses?email=...`: a customer's licenses, newest first.
#[derive(Debug, Deserialize)]
pub struct ListParams {
    email: String,
    #[serde(default)]
    limit: Option<i64>,
}

/// `GET /api/v1/licenses?email=`.
pub async fn list(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    Params(params): Params<ListParams>,
) -> Result<Json<LicenseListJson>, ApiError> {
    caller.require(READ)?;
    let query = LicenseQuery {
        email: Some(params.email),
        limit: params.limit.unwrap_or(100),
        ..LicenseQuery::default()
    };
    Ok(Json(state.backend.list_licenses(query).await?.into()))
}

/// The body of a revoke.
#[derive(Debug, Deserialize)]
pub struct RevokeBody {
    reason: String,
}

/// `POST /api/v1/licenses/{id}/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<RevokeBody>,
) -> Result<Json<LicenseJson>, ApiError> {
    caller.require(WRITE)?;
    Ok(Json(
        state
            .backend
            .revoke_license(&id, &body.reason, &caller.actor())
            .await?
            .into(),
    ))
}

/// The body of a transfer.
#[derive(Debug, Deserialize)]
pub struct TransferBody {
    email: String,
    company: String,
    #[serde(default)]
    tax_id: Option<String>,
    #[serde(default)]
    confirm_revocation: bool,
    #[serde(default)]
    confirm_new_owner: bool,
}

/// `POST /api/v1/licenses/{id}/transfer`: the new license and its token.
pub async fn transfer(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<TransferBody>,
) -> Result<(StatusCode, Json<IssuedJson>), ApiError> {
    caller.require(WRITE)?;
    let to = Transfer {
        email: body.email,
        company: body.company,
        tax_id: body.tax_id,
        confirm_revocation: body.confirm_revocation,
        confirm_new_owner: body.confirm_new_owner,
    };
    let issued = state
        .backend
        .transfer_license(&id, &to, &caller.actor())
        .await?;
    Ok((StatusCode::CREATED, Json(issued.into())))
}

/// `POST /api/v1/licenses/{id}/resend`: re-signed and e-mailed.
pub async fn resend(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    Path(id): Path<String>,
) -> Result<Json<IssuedJson>, ApiError> {
    caller.require(WRITE)?;
    Ok(Json(
        state
            .backend
            .resend_license(&id, &caller.actor())
            .await?
            .into(),
    ))
}

/// The body of a renewal.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenewBody {
    /// A date (`2027-01-31`) or RFC 3339.
    expires_at: String,
}

/// `POST /api/v1/licenses/{id}/renew`: signed again with a later expiry.
pub async fn renew(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<RenewBody>,
) -> Result<Json<IssuedJson>, ApiError> {
    caller.require(WRITE)?;
    let expires_at = tessera_backend::licenses::parse_expiry(&body.expires_at)?;
    let renewed = state
        .backend
        .renew_license(&id, expires_at, &caller.actor())
        .await?;
    Ok(Json(renewed.into()))
}

/// `POST /api/v1/licenses/{id}/refund`: refunds its Stripe payment (within 14 days) and
/// ends it as refunded.
pub async fn refund(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    Path(id): Path<String>,
) -> Result<Json<LicenseJson>, ApiError> {
    caller.require(WRITE)?;
    Ok(Json(
        state
            .backend
            .refund_license(&id, &caller.actor())
            .await?
            .into(),
    ))
}
