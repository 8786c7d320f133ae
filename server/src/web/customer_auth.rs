//! A customer's sign-in: `POST /auth/signin-link` mails a one-time link (bound to this
//! browser's sign-in cookie), `/signin/link?token=…` shows a button that posts it to
//! `POST /auth/signin`, which opens a customer session. Opening the link shows a page rather
//! than signing in at once, so a mail scanner that follows links uses nothing up.

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use secrecy::ExposeSecret as _;
use serde::Deserialize;
use tessera_backend::Error;

use super::auth::{Cookies, CUSTOMER_COOKIE, FORM_COOKIE};
use super::{AppState, ClientIp};

/// The link request form (`csrf` was checked by the session layer).
#[derive(Deserialize)]
pub struct LinkForm {
    email: String,
}

/// `POST /auth/signin-link`: always "check your inbox" for a well-formed address, whether it
/// is a customer's or not.
pub async fn request_link(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<LinkForm>,
) -> Response {
    let browser = Cookies::of(&state)
        .read(&headers, FORM_COOKIE)
        .unwrap_or_default();
    match state
        .backend
        .request_sign_in_link(&form.email, &browser, ip)
        .await
    {
        Ok(()) => Redirect::to("/signin?sent=1").into_response(),
        Err(Error::Invalid(_)) => Redirect::to("/signin?error=invalid_email").into_response(),
        Err(Error::RateLimited { retry_after_secs }) => (
            StatusCode::TOO_MANY_REQUESTS,
            [(axum::http::header::RETRY_AFTER, retry_after_secs.to_string())],
            axum::response::Html(format!(
                "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in · Tessera</title></head>\
                 <body><p role=\"alert\">Too many sign-in requests. Wait {retry_after_secs} s, then \
                 <a href=\"/signin\">try again</a>.</p></body></html>"
            )),
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = %err, "sign-in link failed");
            Redirect::to("/signin?error=unavailable").into_response()
        }
    }
}

/// The confirmation form: the link's secret.
#[derive(Deserialize)]
pub struct RedeemForm {
    token: String,
}

/// `POST /auth/signin`: uses the link in this browser and opens a customer session.
pub async fn redeem(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<RedeemForm>,
) -> Response {
    let cookies = Cookies::of(&state);
    let browser = cookies.read(&headers, FORM_COOKIE).unwrap_or_default();
    match state
        .backend
        .redeem_sign_in_link(&form.token, &browser)
        .await
    {
        Ok(session) => {
            let max_age = session.expires_at - tessera_backend::now();
            let cookie = cookies.header(
                CUSTOMER_COOKIE,
                session.cookie_value.expose_secret(),
                Some(max_age),
            );
            ([(SET_COOKIE, cookie)], Redirect::to("/billing")).into_response()
        }
        Err(Error::Refused { code, .. }) => {
            Redirect::to(&format!("/signin?error={code}")).into_response()
        }
        Err(err) => {
            tracing::error!(error = %err, "sign-in with a link failed");
            Redirect::to("/signin?error=unavailable").into_response()
        }
    }
}
