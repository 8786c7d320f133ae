//! The keys page's forms (sysadmin): generate, import a PEM, activate, retire.

use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use tessera_backend::auth::Role;
use tessera_license::Kid;

use super::forms::{field, refusal, render, require, Fields};
use super::AppState;

/// `POST /keys/generate`, `POST /keys/import`, `POST /keys/{kid}/{activate|retire}`.
pub async fn act(
    State(state): State<AppState>,
    Path(path): Path<Vec<String>>,
    parts: Parts,
    Form(fields): Form<Fields>,
) -> Response {
    let user = match require(&parts, Role::Sysadmin) {
        Ok(user) => user,
        Err(refused) => return refused.into_response(),
    };
    // A malformed kid names no key; it never reaches a query, a redirect or a page.
    if let [kid, _] = path.as_slice() {
        if Kid::parse(kid).is_err() {
            return (StatusCode::NOT_FOUND, "no such key").into_response();
        }
    }
    let backend = &state.backend;
    let kid_field = Some(field(&fields, "kid")).filter(|k| !k.is_empty());
    let result = match path
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["generate"] => backend
            .generate_key(kid_field.as_deref(), &user.email)
            .await
            .map(|k| format!("generated {}", k.kid)),
        ["import"] => backend
            .import_key(&field(&fields, "pem"), kid_field.as_deref(), &user.email)
            .await
            .map(|k| format!("imported {}", k.kid)),
        [kid, "activate"] => backend
            .activate_key(kid, &user.email)
            .await
            .map(|k| format!("activated {}", k.kid)),
        [kid, "retire"] => backend
            .retire_key(kid, &user.email)
            .await
            .map(|k| format!("retired {}", k.kid)),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    match result {
        Ok(done) => {
            Redirect::to(&format!("/keys?done={}", done.replace(' ', "%20"))).into_response()
        }
        Err(err) => {
            let (outcome, status) = refusal(err, Vec::new());
            render(&state, &parts, "/keys", outcome, status).await
        }
    }
}
