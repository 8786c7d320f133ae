//! Sign-in, sign-out and the session layer.
//!
//! The session cookie is HttpOnly, SameSite=Strict, and Secure when the Studio is served over
//! TLS (its public URL is https, or a proxy says `X-Forwarded-Proto: https`). Pages need a
//! signed-in user; anonymous visitors are sent to `/login`. Server functions and API routes
//! check roles themselves and answer 401/403.

use axum::extract::{Request, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;
use tessera_backend::Error;

use super::AppState;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "tessera_session";

/// Paths anyone may open without signing in.
const PUBLIC_PREFIXES: &[&str] = &[
    "/login",
    "/auth/",
    "/healthz",
    "/.well-known/",
    "/pkg/",
    "/api/",
    "/favicon",
];

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_string())
}

fn is_tls(state: &AppState, headers: &HeaderMap) -> bool {
    state.backend.config().public_url.starts_with("https://")
        || headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
}

fn cookie_header(value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    );
    HeaderValue::from_str(&cookie).expect("cookie values are base64url")
}

/// Resolves the session cookie into the signed-in user (a request extension) and sends
/// anonymous visitors of pages to `/login`.
pub async fn session_layer(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(cookie) = session_cookie(request.headers()) {
        match state.backend.session_user(&cookie).await {
            Ok(Some(user)) => {
                request.extensions_mut().insert(user);
            }
            Ok(None) => {}
            Err(err) => tracing::error!(error = %err, "session lookup failed"),
        }
    }
    let path = request.uri().path();
    let public = PUBLIC_PREFIXES
        .iter()
        .any(|prefix| path.starts_with(prefix));
    let signed_in = request
        .extensions()
        .get::<tessera_backend::auth::AuthUser>()
        .is_some();
    if !public && !signed_in {
        return Redirect::to("/login").into_response();
    }
    next.run(request).await
}

/// The sign-in form's fields.
#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: SecretString,
}

/// `POST /auth/login`: on success a session cookie and a redirect to the overview; otherwise
/// back to the form with the reason.
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    match state.backend.login(&form.email, &form.password).await {
        Ok(session) => {
            let max_age = session.expires_at - tessera_backend::now();
            let cookie = cookie_header(
                session.cookie_value.expose_secret(),
                max_age,
                is_tls(&state, &headers),
            );
            ([(SET_COOKIE, cookie)], Redirect::to("/")).into_response()
        }
        Err(Error::Unauthorized) => Redirect::to("/login?error=invalid").into_response(),
        Err(err) => {
            tracing::error!(error = %err, "sign-in failed");
            Redirect::to("/login?error=unavailable").into_response()
        }
    }
}

/// `POST /auth/logout`: ends the session and clears the cookie.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(cookie) = session_cookie(&headers) {
        if let Err(err) = state.backend.logout(&cookie).await {
            tracing::error!(error = %err, "sign-out failed");
        }
    }
    let cleared = cookie_header("", 0, is_tls(&state, &headers));
    (
        [(SET_COOKIE, cleared)],
        Redirect::to("/login?error=signed_out"),
    )
        .into_response()
}
