//! Endpoints anyone may call: health and the published keys.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::{ApiError, AppState};

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
pub async fn healthz(State(state): State<AppState>) -> Response {
    let database = state.backend.store().backend_name();
    match state.backend.store().ping().await {
        Ok(()) => Json(serde_json::json!({ "status": "ok", "database": database })).into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "health check: database unreachable");
            let body = serde_json::json!({ "status": "unavailable", "database": database });
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}

/// `GET /.well-known/jwks.json`: the active and accepted public keys.
pub async fn jwks(State(state): State<AppState>) -> Result<Response, ApiError> {
    let jwks = state.backend.jwks().await?;
    Ok(([(header::CACHE_CONTROL, "public, max-age=300")], Json(jwks)).into_response())
}
