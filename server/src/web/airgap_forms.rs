//! Heartbeats by file, for installs with no network: the install downloads a request file
//! from `/license`, the vendor answers it on the license's page, the install imports the
//! answer (`license_forms.rs`). Plain forms (the files are JSON text; they are pasted), so they work with
//! JavaScript off.

use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use tessera_backend::auth::Role;
use tessera_license::LicenseId;

use super::forms::{field, refusal, render, require, Fields};
use super::{ApiError, AppState};

fn download(name: &str, body: String) -> Response {
    (
        [
            (CONTENT_TYPE, "application/json".to_string()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /license/request` (self-host, sysadmin): the request file to carry to the vendor.
pub async fn request(State(state): State<AppState>, parts: Parts) -> Response {
    if let Err(refused) = require(&parts, Role::Sysadmin) {
        return refused.into_response();
    }
    match state.backend.heartbeat_request_file().await {
        Ok(file) => download("tessera-heartbeat-request.json", file),
        // Answered as text, not as the page: the page lives at /license.
        Err(err) => ApiError(err).into_response(),
    }
}

/// `POST /licenses/{id}` with `action=answer` (vendor, operator): the answer file for a
/// pasted request.
pub async fn answer(
    State(state): State<AppState>,
    Path(id): Path<String>,
    parts: Parts,
    Form(fields): Form<Fields>,
) -> Response {
    if let Err(refused) = require(&parts, Role::Operator) {
        return refused.into_response();
    }
    if LicenseId::parse(&id).is_err() {
        return (StatusCode::NOT_FOUND, "no such license").into_response();
    }
    if field(&fields, "action") != "answer" {
        return (StatusCode::UNPROCESSABLE_ENTITY, "unknown action").into_response();
    }
    match state
        .backend
        .answer_request_file(&field(&fields, "request"), Some(&id))
        .await
    {
        Ok(file) => download("tessera-heartbeat-answer.json", file),
        Err(err) => {
            let (outcome, status) = refusal(err, Vec::new());
            render(&state, &parts, &format!("/licenses/{id}"), outcome, status).await
        }
    }
}
