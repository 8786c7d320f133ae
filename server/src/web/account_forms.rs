//! The account and users pages' forms: change your own password, sign out everywhere
//! (anyone signed in), and user management (sysadmin). Plain HTML posts, like every form.

use axum::extract::{Path, State};
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use secrecy::{ExposeSecret as _, SecretString};
use tessera_app::serverfns::licenses::FormOutcome;
use tessera_backend::auth::{AuthUser, Role};
use tessera_backend::Error;

use super::forms::{field, refusal, render, require, Fields};
use super::{AppState, ClientIp};

fn secret(fields: &Fields, name: &str) -> SecretString {
    // Passwords are taken as typed (no trimming: spaces may be part of them).
    let value = fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    SecretString::from(value)
}

/// `POST /account/password`: current, new and confirm.
pub async fn change_password(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    parts: Parts,
    Form(fields): Form<Fields>,
) -> Response {
    let user = match require(&parts, Role::Viewer) {
        Ok(user) => user,
        Err(refused) => return refused.into_response(),
    };
    let (new, confirm) = (secret(&fields, "new"), secret(&fields, "confirm"));
    let result = if new.expose_secret() != confirm.expose_secret() {
        Err(Error::invalid("confirm: the two new passwords differ"))
    } else {
        let session = super::auth::session_of(&state, &parts.headers);
        state
            .backend
            .change_own_password(
                &user,
                &secret(&fields, "current"),
                &new,
                session.as_deref(),
                ip,
            )
            .await
    };
    match result {
        Ok(()) => Redirect::to("/account?done=password%20changed").into_response(),
        Err(err) => {
            // Never send passwords back into the page.
            let (outcome, status) = refusal(err, Vec::new());
            render(&state, &parts, "/account", outcome, status).await
        }
    }
}

/// `POST /account/sign-out-everywhere`: ends every session of the caller, this one included.
pub async fn sign_out_everywhere(State(state): State<AppState>, parts: Parts) -> Response {
    let user = match require(&parts, Role::Viewer) {
        Ok(user) => user,
        Err(refused) => return refused.into_response(),
    };
    match state.backend.sign_out_everywhere(&user.id).await {
        Ok(_) => (
            [(SET_COOKIE, super::auth::cleared_session_cookie(&state))],
            Redirect::to("/login?error=signed_out"),
        )
            .into_response(),
        Err(err) => {
            let (outcome, status) = refusal(err, Vec::new());
            render(&state, &parts, "/account", outcome, status).await
        }
    }
}

async fn create(state: &AppState, fields: &Fields, actor: &AuthUser) -> Result<FormOutcome, Error> {
    let role: Role = field(fields, "role").parse()?;
    let created = state
        .backend
        .create_user(&field(fields, "email"), role, None, &actor.email)
        .await?;
    let password = created
        .generated_password
        .map(|p| p.expose_secret().to_string())
        .unwrap_or_default();
    Ok(FormOutcome::Password {
        email: created.user.email,
        password,
    })
}

async fn reset(state: &AppState, id: &str, actor: &AuthUser) -> Result<FormOutcome, Error> {
    let password = state.backend.reset_user_password(id, &actor.email).await?;
    Ok(FormOutcome::Password {
        email: state.backend.user(id).await?.email,
        password: password.expose_secret().to_string(),
    })
}

/// `POST /users/new`, `POST /users/{id}/{role|disable|enable|reset-password}` (sysadmin).
pub async fn users(
    State(state): State<AppState>,
    Path(path): Path<Vec<String>>,
    parts: Parts,
    Form(fields): Form<Fields>,
) -> Response {
    let user = match require(&parts, Role::Sysadmin) {
        Ok(user) => user,
        Err(refused) => return refused.into_response(),
    };
    let backend = &state.backend;
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    // A malformed id names no user; it never reaches a query or a page.
    if let [id, _] = path.as_slice() {
        let well_formed = id.len() <= 64
            && id.starts_with("usr_")
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !well_formed {
            return (StatusCode::NOT_FOUND, "no such user").into_response();
        }
    }
    let result = match path.as_slice() {
        ["new"] => create(&state, &fields, &user).await.map(Some),
        [id, "role"] => match field(&fields, "role").parse::<Role>().map_err(Error::from) {
            Ok(role) => backend
                .set_user_role(id, role, &user.email)
                .await
                .map(|_| None),
            Err(err) => Err(err),
        },
        [id, "disable"] => backend
            .set_user_disabled(id, true, &user.email)
            .await
            .map(|_| None),
        [id, "enable"] => backend
            .set_user_disabled(id, false, &user.email)
            .await
            .map(|_| None),
        [id, "reset-password"] => reset(&state, id, &user).await.map(Some),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    match result {
        Ok(None) => Redirect::to("/users?done=saved").into_response(),
        Ok(Some(outcome)) => render(&state, &parts, "/users", outcome, StatusCode::OK).await,
        Err(err) => {
            let (outcome, status) = refusal(err, Vec::new());
            render(&state, &parts, "/users", outcome, status).await
        }
    }
}
