//! The webhooks API (`webhooks:manage`): list endpoints, add one (its secret answered once),
//! redeliver a delivery.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use secrecy::ExposeSecret as _;
use serde::{Deserialize, Serialize};
use tessera_license::vocab::Scope;

use super::bearer::Bearer;
use crate::web::{ApiError, AppState, JsonBody};

const MANAGE: Scope = Scope::WebhooksManage;

/// An endpoint (never its secret).
#[derive(Debug, Serialize)]
pub struct EndpointJson {
    pub id: String,
    pub url: String,
    /// Empty: every event type.
    pub events: Vec<String>,
    pub enabled: bool,
    pub created_at: i64,
}

impl From<tessera_backend::webhooks::Endpoint> for EndpointJson {
    fn from(e: tessera_backend::webhooks::Endpoint) -> Self {
        Self {
            id: e.id,
            url: e.url,
            events: e.events,
            enabled: e.enabled,
            created_at: e.created_at,
        }
    }
}

/// `GET /api/v1/webhooks`.
pub async fn list(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
) -> Result<Json<Vec<EndpointJson>>, ApiError> {
    caller.require(MANAGE)?;
    let endpoints = state.backend.webhooks().await?;
    Ok(Json(
        endpoints.into_iter().map(EndpointJson::from).collect(),
    ))
}

/// A new endpoint.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddBody {
    url: String,
    #[serde(default)]
    events: Vec<String>,
}

/// The new endpoint and its signing secret (shown this once).
#[derive(Debug, Serialize)]
pub struct AddedJson {
    pub endpoint: EndpointJson,
    pub secret: String,
}

/// `POST /api/v1/webhooks`: 201.
pub async fn add(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    JsonBody(body): JsonBody<AddBody>,
) -> Result<(StatusCode, Json<AddedJson>), ApiError> {
    caller.require(MANAGE)?;
    let added = state
        .backend
        .add_webhook(&body.url, &body.events, &caller.actor())
        .await?;
    let json = AddedJson {
        secret: added.secret.expose_secret().to_string(),
        endpoint: added.endpoint.into(),
    };
    Ok((StatusCode::CREATED, Json(json)))
}

/// `POST /api/v1/webhook-deliveries/{id}/redeliver`: 202, sent again within a second.
pub async fn redeliver(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(MANAGE)?;
    state
        .backend
        .redeliver_webhook(&id, &caller.actor())
        .await?;
    Ok(StatusCode::ACCEPTED)
}
