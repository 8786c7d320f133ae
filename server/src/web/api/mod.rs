//! The REST API under `/api/v1`: the heartbeat (anyone holding a license token) and the
//! internal license API (scoped bearer tokens), described by `/api/openapi.json`.

mod bearer;
mod heartbeat;
mod licenses;
mod openapi;

use axum::routing::{get, post};
use axum::Router;

use super::AppState;

/// The API routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/heartbeat", post(heartbeat::heartbeat))
        .route(
            "/api/v1/licenses",
            post(licenses::issue).get(licenses::list),
        )
        .route("/api/v1/licenses/{id}", get(licenses::get))
        .route("/api/v1/licenses/{id}/revoke", post(licenses::revoke))
        .route("/api/v1/licenses/{id}/transfer", post(licenses::transfer))
        .route("/api/v1/licenses/{id}/resend", post(licenses::resend))
        .route("/api/openapi.json", get(openapi::document))
        .route("/api/docs", get(openapi::docs_page))
}

pub use openapi::paths as documented_paths;
