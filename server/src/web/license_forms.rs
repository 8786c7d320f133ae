//! `/license`'s forms on a self-hosted install (sysadmin), all posted to `/license` with an
//! `action`: `install` a pasted token, `heartbeat` (check in with the vendor now), `answer`
//! (import an air-gapped answer file). A refusal renders the page again with the exact reason.

use axum::extract::State;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use tessera_backend::auth::Role;

use super::forms::{done_or_refused, field, require, Fields};
use super::AppState;

/// `POST /license`.
pub async fn act(
    State(state): State<AppState>,
    parts: Parts,
    Form(fields): Form<Fields>,
) -> Response {
    let user = match require(&parts, Role::Sysadmin) {
        Ok(user) => user,
        Err(refused) => return refused.into_response(),
    };
    let backend = &state.backend;
    let result = match field(&fields, "action").as_str() {
        "install" => backend
            .install_license(&field(&fields, "token"), &user.email)
            .await
            .map(|view| format!("installed ({})", view.state)),
        "heartbeat" => backend
            .heartbeat_vendor()
            .await
            .map(|view| format!("checked in ({})", view.state)),
        "answer" => backend
            .import_answer_file(&field(&fields, "answer"))
            .await
            .map(|view| format!("answer imported ({})", view.state)),
        _ => return (StatusCode::UNPROCESSABLE_ENTITY, "unknown action").into_response(),
    };
    // Nothing posted is echoed back into the page: a pasted token stays out of it.
    done_or_refused(&state, &parts, "/license", result, Vec::new()).await
}
