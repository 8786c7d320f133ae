//! Two corrections at the edge of the pages' server functions (`/api/<name>`, not the REST
//! API under `/api/v1`): a body is read only up to 2 MB (413 beyond, before Leptos buffers
//! it), and arguments a function cannot read answer 400 instead of Leptos' blanket 500, so a
//! 500 always means a fault of ours.

use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Largest body a server function reads (the API's own limit).
const MAX_BODY: usize = 2 * 1024 * 1024;
/// Error bodies are short; a longer one is passed through untouched.
const MAX_ERROR_BODY: usize = 64 * 1024;
/// How Leptos encodes an error about the request's arguments.
const UNREADABLE: &[&str] = &["Args|", "Deserialization|", "MissingArg|"];

fn is_server_fn(path: &str) -> bool {
    path.starts_with("/api/")
        && !path.starts_with("/api/v1/")
        && !matches!(path, "/api/openapi.json" | "/api/docs")
}

/// The middleware.
pub async fn layer(request: Request, next: Next) -> Response {
    if !is_server_fn(request.uri().path()) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        let body = serde_json::json!({
            "error": "payload_too_large",
            "message": "the body is over 2 MB",
        });
        return (StatusCode::PAYLOAD_TOO_LARGE, axum::Json(body)).into_response();
    };
    let response = next.run(Request::from_parts(parts, Body::from(body))).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
    };
    if UNREADABLE
        .iter()
        .any(|prefix| body.starts_with(prefix.as_bytes()))
    {
        parts.status = StatusCode::BAD_REQUEST;
    }
    Response::from_parts(parts, Body::from(body))
}
