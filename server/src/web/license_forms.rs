//! `/license`'s forms on a self-hosted install (sysadmin): install a pasted token, check in
//! with the vendor now. A refusal renders the page again with the exact reason.

use axum::extract::State;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use tessera_backend::auth::Role;

use super::forms::{field, refusal, render, require, Fields};
use super::AppState;

/// `POST /license/install`.
pub async fn install(
    State(state): State<AppState>,
    parts: Parts,
    Form(fields): Form<Fields>,
) -> Response {
    let user = match require(&parts, Role::Sysadmin) {
        Ok(user) => user,
        Err(refused) => return refused.into_response(),
    };
    let token = field(&fields, "token");
    match state.backend.install_license(&token, &user.email).await {
        Ok(view) => {
            Redirect::to(&format!("/license?done=installed%20({})", view.state)).into_response()
        }
        // The pasted token is not echoed back into the page.
        Err(err) => {
            let (outcome, status) = refusal(err, Vec::new());
            render(&state, &parts, "/license", outcome, status).await
        }
    }
}

/// `POST /license/heartbeat`.
pub async fn heartbeat(State(state): State<AppState>, parts: Parts) -> Response {
    if let Err(refused) = require(&parts, Role::Sysadmin) {
        return refused.into_response();
    }
    match state.backend.heartbeat_vendor().await {
        Ok(view) => {
            Redirect::to(&format!("/license?done=checked%20in%20({})", view.state)).into_response()
        }
        Err(err) => {
            let (outcome, status) = refusal(err, Vec::new());
            render(&state, &parts, "/license", outcome, status).await
        }
    }
}
