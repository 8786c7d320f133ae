//! `POST /api/v1/heartbeat`.

use axum::extract::State;
use axum::Json;
use tessera_backend::heartbeat::{HeartbeatAnswer, HeartbeatRequest};

use crate::web::{ApiError, AppState, ClientIp, JsonBody};

/// Records an install's heartbeat; answers status, entitlements and a newer token if any.
pub async fn heartbeat(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    JsonBody(request): JsonBody<HeartbeatRequest>,
) -> Result<Json<HeartbeatAnswer>, ApiError> {
    Ok(Json(state.backend.heartbeat(&request, ip).await?))
}
