//! One binary, two surfaces: a vendor install has no `/license`, `/marketplace` or local
//! entitlement API; a self-hosted install has no license issuing, keys, JWKS or heartbeat
//! endpoint. What the mode lacks answers 404 before any handler runs; the use cases refuse
//! the same way behind it (`Backend::vendor_only`, `Backend::self_host`).

use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tessera_backend::config::Mode;

use super::AppState;

/// Pages and API prefixes only a vendor install serves.
const VENDOR_ONLY: &[&str] = &[
    "/licenses",
    "/keys",
    "/.well-known",
    "/webhooks",
    "/products",
    "/payments",
    "/payments.csv",
    "/api/v1/licenses",
    "/api/v1/products",
    "/api/v1/heartbeat",
    "/api/v1/webhooks",
    "/api/v1/webhook-deliveries",
    "/api/v1/checkout-sessions",
    "/api/v1/stripe",
    "/api/v1/payments",
    "/api/v1/trials",
    "/api/v1/groups",
    "/billing",
    "/orgs",
    "/signin",
];

/// Pages and API prefixes only a self-hosted install serves.
const SELF_HOST_ONLY: &[&str] = &[
    "/license",
    "/marketplace",
    "/api/v1/entitlements",
    "/api/v1/plugins",
    "/api/v1/usage",
];

/// Whether `path` is `prefix` or below it (`/licenses/x` is below `/licenses`; `/licenses`
/// is not below `/license`).
fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Whether an install in `mode` serves `path`.
pub fn serves(mode: Mode, path: &str) -> bool {
    let lacks = match mode {
        Mode::Vendor => SELF_HOST_ONLY,
        Mode::SelfHost => VENDOR_ONLY,
    };
    !lacks.iter().any(|p| under(path, p))
}

fn absent(path: &str, mode: &str) -> Response {
    if path.starts_with("/api/") {
        let body = serde_json::json!({
            "error": "not_found",
            "message": format!("{path} does not exist on a {mode} install"),
        });
        return (StatusCode::NOT_FOUND, axum::Json(body)).into_response();
    }
    (
        StatusCode::NOT_FOUND,
        format!("404: {path} does not exist on a {mode} install"),
    )
        .into_response()
}

/// The middleware.
pub async fn layer(State(state): State<AppState>, request: Request<Body>, next: Next) -> Response {
    let path = request.uri().path();
    match state.backend.config().mode {
        Mode::Vendor if SELF_HOST_ONLY.iter().any(|p| under(path, p)) => absent(path, "vendor"),
        Mode::SelfHost if VENDOR_ONLY.iter().any(|p| under(path, p)) => absent(path, "self-hosted"),
        // The vendor's overview has nothing to say on a self-hosted install.
        Mode::SelfHost if path == "/" => Redirect::to("/license").into_response(),
        _ => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::under;

    #[test]
    fn prefixes_match_whole_segments() {
        assert!(under("/license", "/license"));
        assert!(under("/license/export", "/license"));
        assert!(!under("/licenses", "/license"));
        assert!(under("/licenses/01J", "/licenses"));
        assert!(!under("/keysmith", "/keys"));
    }
}
