//! The REST API under `/api/v1`: the heartbeat (anyone holding a license token), the
//! internal license API (scoped bearer tokens) and, on a self-hosted install, the local
//! entitlement and seat API; described by `/api/openapi.json`.

mod bearer;
mod groups;
mod heartbeat;
mod licenses;
mod openapi;
mod openapi_commerce;
mod openapi_groups;
mod openapi_usage;
mod products;
mod selfhost;
mod stripe;
mod webhooks;

use axum::routing::{get, post, put};
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
        .route("/api/v1/licenses/{id}/renew", post(licenses::renew))
        .route("/api/v1/licenses/{id}/refund", post(licenses::refund))
        .route("/api/v1/trials/{group}", post(groups::start_trial))
        .route("/api/v1/groups/{group}/licenses", get(groups::licenses))
        .route("/api/v1/products", get(products::list))
        .route("/api/v1/products/{slug}", get(products::get))
        .route("/api/v1/checkout-sessions", post(stripe::create_checkout))
        .route("/api/v1/checkout-sessions/{id}", get(stripe::get_checkout))
        .route("/api/v1/payments/verify/{id}", get(stripe::verify_payment))
        .route(
            "/api/v1/stripe/webhook",
            post(stripe::webhook).layer(axum::extract::DefaultBodyLimit::max(
                tessera_backend::commerce::MAX_EVENT_BYTES,
            )),
        )
        .route("/api/v1/entitlements", get(selfhost::entitlements))
        .route(
            "/api/v1/plugins/{plugin}",
            put(selfhost::register).get(selfhost::plugin),
        )
        .route(
            "/api/v1/plugins/{plugin}/grants",
            post(selfhost::grant).delete(selfhost::revoke),
        )
        .route("/api/v1/usage/{cap}", put(selfhost::report_usage))
        .route("/api/v1/webhooks", get(webhooks::list).post(webhooks::add))
        .route(
            "/api/v1/webhook-deliveries/{id}/redeliver",
            post(webhooks::redeliver),
        )
        .route("/api/openapi.json", get(openapi::document))
        .route("/api/docs", get(openapi::docs_page))
}

pub use openapi::paths as documented_paths;
