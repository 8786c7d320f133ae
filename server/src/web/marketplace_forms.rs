//! `/marketplace/{plugin}`'s forms on a self-hosted install (operators), posted to the page
//! itself: grant and revoke a role, through the same turnstile as the API. A refusal (the seat limit included) renders
//! the page again with the reason and its status (409 at the limit).

use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use tessera_backend::auth::Role;

use super::forms::{done_or_refused, field, require, Fields};
use super::AppState;

/// `POST /marketplace/{plugin}` with `action` `grant` or `revoke`.
pub async fn act(
    State(state): State<AppState>,
    Path(plugin): Path<String>,
    parts: Parts,
    Form(fields): Form<Fields>,
) -> Response {
    let user = match require(&parts, Role::Operator) {
        Ok(user) => user,
        Err(refused) => return refused.into_response(),
    };
    // A malformed plugin name never reaches a redirect or a page.
    if !tessera_backend::selfhost::seats::is_name(&plugin) {
        return (StatusCode::NOT_FOUND, "no such plugin").into_response();
    }
    let (who, role) = (field(&fields, "user"), field(&fields, "role"));
    let backend = &state.backend;
    let actor = user.email;
    let result = match field(&fields, "action").as_str() {
        "grant" => backend
            .grant_seat(&plugin, &who, &role, &actor)
            .await
            .map(|g| if g.new { "granted" } else { "already held" }.to_string()),
        "revoke" => backend
            .revoke_seat(&plugin, &who, &role, &actor)
            .await
            .map(|revoked| if revoked { "revoked" } else { "not held" }.to_string()),
        _ => return (StatusCode::UNPROCESSABLE_ENTITY, "unknown action").into_response(),
    };
    let page = format!("/marketplace/{plugin}");
    done_or_refused(&state, &parts, &page, result, fields).await
}
