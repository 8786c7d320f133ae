//! `POST /api/v1/heartbeat`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::Json;
use tessera_backend::heartbeat::{HeartbeatAnswer, HeartbeatRequest};

use crate::web::{ApiError, AppState};

/// Records an install's heartbeat; answers status, entitlements and a newer token if any.
pub async fn heartbeat(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Json(request): Json<HeartbeatRequest>,
) -> Result<Json<HeartbeatAnswer>, ApiError> {
    Ok(Json(state.backend.heartbeat(&request, peer.ip()).await?))
}
