//! Where a state-changing request comes from: its `Origin` (or, without one, its `Referer`)
//! must be the public URL's origin, or it is refused with 403 before any handler runs.

use axum::http::header::{ORIGIN, REFERER};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::AppState;

pub(super) fn forbidden(path: &str, why: &str) -> Response {
    tracing::warn!(http.path = %path, reason = why, "refused a possibly forged request");
    let message = format!("forbidden: {why}");
    if path.starts_with("/api/") {
        let body = serde_json::json!({ "error": "forbidden", "message": message });
        (StatusCode::FORBIDDEN, axum::Json(body)).into_response()
    } else {
        (StatusCode::FORBIDDEN, message).into_response()
    }
}

/// The scheme, host and port of a URL (`https://licenses.example.com`).
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| after_scheme + i);
    &url[..end]
}

/// The request's `Origin`, or without one its `Referer`, must be the public URL's origin.
pub(super) fn same_origin(
    state: &AppState,
    headers: &HeaderMap,
    path: &str,
) -> Result<(), Box<Response>> {
    let expected = origin_of(&state.backend.config().public_url);
    let claimed = headers
        .get(ORIGIN)
        .or_else(|| headers.get(REFERER))
        .and_then(|v| v.to_str().ok())
        .map(origin_of);
    match claimed {
        Some(origin) if origin.eq_ignore_ascii_case(expected) => Ok(()),
        Some(_) => Err(Box::new(forbidden(
            path,
            "the request came from another site",
        ))),
        None => Err(Box::new(forbidden(
            path,
            "the request names no Origin or Referer, so it cannot be shown to come from this site",
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_origin_is_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://l.example.com/licenses?x=1"),
            "https://l.example.com"
        );
        assert_eq!(origin_of("http://127.0.0.1:3000"), "http://127.0.0.1:3000");
        assert_eq!(origin_of("http://127.0.0.1:3000/"), "http://127.0.0.1:3000");
        assert_ne!(
            origin_of("https://l.example.com.evil.example/"),
            "https://l.example.com"
        );
    }
}
