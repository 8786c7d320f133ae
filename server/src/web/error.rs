//! The error policy: how a use-case error becomes an HTTP status and a JSON body
//! `{ "error": "<code>", "message": "..." }`. Unexpected errors are logged once and answered
//! as a plain 500 with no internals.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use tessera_backend::Error;

/// A use-case error on its way to the client.
#[derive(Debug)]
pub struct ApiError(pub Error);

/// A request the API could not read (malformed JSON, wrong content type, bad query string),
/// answered with axum's status and the same `{error, message}` shape as every other error.
#[derive(Debug)]
pub struct Unreadable {
    status: StatusCode,
    message: String,
}

impl Unreadable {
    fn code(&self) -> &'static str {
        match self.status {
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            StatusCode::UNPROCESSABLE_ENTITY => "invalid_input",
            _ => "malformed_request",
        }
    }
}

impl From<axum::extract::rejection::JsonRejection> for Unreadable {
    fn from(rejection: axum::extract::rejection::JsonRejection) -> Self {
        Self {
            status: rejection.status(),
            message: rejection.body_text(),
        }
    }
}

impl From<axum::extract::rejection::QueryRejection> for Unreadable {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
        Self {
            status: rejection.status(),
            message: rejection.body_text(),
        }
    }
}

impl IntoResponse for Unreadable {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.code(), "message": self.message });
        (self.status, Json(body)).into_response()
    }
}

/// A JSON body whose rejection answers in the API's error shape.
#[derive(Debug, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(Unreadable))]
pub struct JsonBody<T>(pub T);

/// A query string whose rejection answers in the API's error shape.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Unreadable))]
pub struct Params<T>(pub T);

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        Self(err)
    }
}

pub use tessera_app::error_status::status_of;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = status_of(&self.0);
        let message = match &self.0 {
            Error::Internal(inner) => {
                tracing::error!(error = %format!("{inner:#}"), "request failed");
                "internal error".to_string()
            }
            other => other.to_string(),
        };
        let mut body = serde_json::json!({ "error": self.0.code(), "message": message });
        if let Error::SeatLimit(tessera_license::seats::SeatError::SeatLimitReached {
            plugin,
            role,
            limit,
            used,
        }) = &self.0
        {
            body["plugin"] = plugin.as_str().into();
            body["role"] = role.as_deref().into();
            body["limit"] = (*limit).into();
            body["used"] = (*used).into();
        }
        let mut response = (status, Json(body)).into_response();
        if let Error::RateLimited { retry_after_secs } = self.0 {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, retry_after_secs.into());
        }
        response
    }
}
