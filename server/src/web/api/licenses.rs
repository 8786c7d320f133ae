//! The internal license API: issue, get, list by customer, revoke, transfer, resend.
//! `licenses:read` reads, `licenses:write` changes.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use tessera_backend::licenses::lifecycle::Transfer;
use tessera_backend::licenses::{IssueRequest, Issued, SupportPeriod};
use tessera_backend::store::{LicenseQuery, LicenseRow};
use tessera_backend::Error;
use tessera_license::claims::{LicenseKind, SeatGrant, Tier};

use super::bearer::Bearer;
use crate::web::{ApiError, AppState, JsonBody, Params};

const READ: &str = "licenses:read";
const WRITE: &str = "licenses:write";

/// A license as the API shows it: the stored row with its claims as an object.
#[derive(Debug, Serialize)]
pub struct LicenseView {
    #[serde(flatten)]
    pub row: LicenseRow,
    pub claims: serde_json::Value,
}

impl From<LicenseRow> for LicenseView {
    fn from(mut row: LicenseRow) -> Self {
        let claims = serde_json::from_str(&row.claims).unwrap_or(serde_json::Value::Null);
        row.claims = String::new();
        Self { row, claims }
    }
}

/// A license just signed, with its token (shown once).
#[derive(Debug, Serialize)]
pub struct IssuedView {
    pub license: LicenseView,
    pub token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail_error: Option<String>,
}

impl From<Issued> for IssuedView {
    fn from(issued: Issued) -> Self {
        Self {
            license: issued.license.into(),
            token: issued.token,
            mail_error: issued.mail_error,
        }
    }
}

/// The body of `POST /api/v1/licenses`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueBody {
    email: String,
    company: String,
    #[serde(default)]
    tax_id: Option<String>,
    tier: Tier,
    #[serde(default = "perpetual")]
    kind: LicenseKind,
    product: String,
    #[serde(default)]
    plan: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    expires_at: Option<String>,
    /// e.g. `12mo`.
    #[serde(default)]
    support_period: Option<String>,
    #[serde(default)]
    features: Vec<String>,
    #[serde(default)]
    plugins: Vec<String>,
    #[serde(default)]
    themes: Vec<String>,
    #[serde(default)]
    niches: Vec<String>,
    domains: Vec<String>,
    #[serde(default)]
    seats: BTreeMap<String, SeatGrant>,
    #[serde(default)]
    node_lock: Option<String>,
    #[serde(default)]
    caps: BTreeMap<String, i64>,
    #[serde(default)]
    early_adopter: bool,
    #[serde(default)]
    send_email: bool,
}

fn perpetual() -> LicenseKind {
    LicenseKind::Perpetual
}

impl IssueBody {
    fn into_request(self) -> Result<IssueRequest, Error> {
        if self.domains.is_empty() {
            return Err(Error::invalid(
                "domains: bind at least one domain (or localhost)",
            ));
        }
        let expires_at = self
            .expires_at
            .map(|t| chrono::DateTime::parse_from_rfc3339(&t).map(|t| t.timestamp()))
            .transpose()
            .map_err(|_| Error::invalid("expires_at: use RFC 3339, e.g. 2027-01-31T00:00:00Z"))?;
        let support_period = self
            .support_period
            .as_deref()
            .map(SupportPeriod::parse)
            .transpose()?;
        Ok(IssueRequest {
            email: self.email,
            company: self.company,
            tax_id: self.tax_id,
            tier: self.tier,
            kind: self.kind,
            product: self.product,
            plan: self.plan,
            expires_at,
            support_period,
            features: self.features,
            plugins: self.plugins,
            themes: self.themes,
            niches: self.niches,
            domains: self.domains,
            seats: self.seats,
            node_lock: self.node_lock,
            caps: self.caps,
            early_adopter: self.early_adopter,
            send_email: self.send_email,
        })
    }
}

/// `POST /api/v1/licenses`: 201 with the license and its token.
pub async fn issue(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    JsonBody(body): JsonBody<IssueBody>,
) -> Result<(StatusCode, Json<IssuedView>), ApiError> {
    caller.require(WRITE)?;
    let issued = state
        .backend
        .issue_license(&body.into_request()?, &caller.actor())
        .await?;
    Ok((StatusCode::CREATED, Json(issued.into())))
}

/// `GET /api/v1/licenses/{id}`.
pub async fn get(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    Path(id): Path<String>,
) -> Result<Json<LicenseView>, ApiError> {
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

/// The licenses of one customer.
#[derive(Debug, Serialize)]
pub struct ListView {
    pub total: i64,
    pub licenses: Vec<LicenseView>,
}

/// `GET /api/v1/licenses?email=`.
pub async fn list(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    Params(params): Params<ListParams>,
) -> Result<Json<ListView>, ApiError> {
    caller.require(READ)?;
    let query = LicenseQuery {
        email: Some(params.email),
        limit: params.limit.unwrap_or(100),
        ..LicenseQuery::default()
    };
    let page = state.backend.list_licenses(query).await?;
    Ok(Json(ListView {
        total: page.total,
        licenses: page.rows.into_iter().map(Into::into).collect(),
    }))
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
) -> Result<Json<LicenseView>, ApiError> {
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
) -> Result<(StatusCode, Json<IssuedView>), ApiError> {
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
) -> Result<Json<IssuedView>, ApiError> {
    caller.require(WRITE)?;
    Ok(Json(
        state
            .backend
            .resend_license(&id, &caller.actor())
            .await?
            .into(),
    ))
}
