//! Sign-in, sign-out, the session layer and its defences against cross-site request forgery.
//!
//! The session cookie is HttpOnly and SameSite=Strict; when the public URL is `https://` it is
//! also Secure and named with the `__Host-` prefix, so no sibling subdomain can set or shadow
//! it. Pages need a signed-in user; anonymous visitors are sent to `/login`. Server functions
//! and API routes check roles themselves and answer 401/403.
//!
//! A state-changing request carrying the session cookie (and every sign-in and sign-out) must
//! come from Tessera's own pages: its `Origin` (or, without one, its `Referer`) must be the
//! public URL, and a form post must carry the form token bound to the cookie (see
//! [`tessera_backend::auth::FormToken`]). Otherwise it is refused with 403 before any handler
//! runs. The sign-in form has a cookie of its own for its token, so a forged sign-in (login
//! CSRF) is refused too.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;
use tessera_backend::Error;

use super::origin::{forbidden, same_origin};
use super::{AppState, ClientIp};

/// Name of the session cookie over plain http (`__Host-tessera_session` over https).
pub const SESSION_COOKIE: &str = "tessera_session";
/// Name of the sign-in form's cookie over plain http (`__Host-tessera_csrf` over https). A
/// customer's sign-in link is bound to this browser cookie too.
pub const FORM_COOKIE: &str = "tessera_csrf";
/// Name of a customer's session cookie over plain http (`__Host-tessera_customer` over https).
pub const CUSTOMER_COOKIE: &str = "tessera_customer";
/// Largest form body read to check its token (the API's own limit).
const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

/// Paths anyone may open without signing in.
const PUBLIC_PREFIXES: &[&str] = &[
    "/login",
    "/signin",
    "/auth/",
    "/healthz",
    "/metrics",
    "/.well-known/",
    "/pkg/",
    "/api/",
    "/favicon",
];

/// The cookies' names and attributes, fixed by the public URL.
pub(super) struct Cookies {
    secure: bool,
}

impl Cookies {
    pub(super) fn of(state: &AppState) -> Self {
        Self {
            secure: state.backend.config().public_url.starts_with("https://"),
        }
    }

    fn name(&self, base: &str) -> String {
        if self.secure {
            format!("__Host-{base}")
        } else {
            base.to_string()
        }
    }

    pub(super) fn read(&self, headers: &HeaderMap, base: &str) -> Option<String> {
        let name = self.name(base);
        headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, value)| value.to_string())
    }

    /// `Max-Age` `None` makes a cookie that ends with the browser session.
    pub(super) fn header(&self, base: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
        let secure = if self.secure { "; Secure" } else { "" };
        let age = max_age
            .map(|a| format!("; Max-Age={a}"))
            .unwrap_or_default();
        let cookie = format!(
            "{}={value}; Path=/; HttpOnly; SameSite=Strict{age}{secure}",
            self.name(base)
        );
        HeaderValue::from_str(&cookie).expect("cookie values are base64url")
    }
}

/// Resolves the session cookie into the signed-in user and the form token (request
/// extensions), sends anonymous visitors of pages to `/login`, and refuses forged
/// state-changing requests.
pub async fn session_layer(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let cookies = Cookies::of(&state);
    let session = cookies.read(request.headers(), SESSION_COOKIE);
    let mut signed_in = false;
    let mut must_change = false;
    if let Some(cookie) = &session {
        match state.backend.session_user(cookie).await {
            Ok(Some(user)) => {
                must_change = user.must_change_password;
                request.extensions_mut().insert(user);
                request
                    .extensions_mut()
                    .insert(state.backend.form_token(cookie));
                signed_in = true;
            }
            Ok(None) => {}
            Err(err) => tracing::error!(error = %err, "session lookup failed"),
        }
    }
    let customer_session = cookies.read(request.headers(), CUSTOMER_COOKIE);
    let mut customer_in = false;
    if let (false, Some(cookie)) = (signed_in, &customer_session) {
        match state.backend.customer_session(cookie).await {
            Ok(Some(customer)) => {
                request.extensions_mut().insert(customer);
                request
                    .extensions_mut()
                    .insert(state.backend.form_token(cookie));
                customer_in = true;
            }
            Ok(None) => {}
            Err(err) => tracing::error!(error = %err, "customer session lookup failed"),
        }
    }
    let path = request.uri().path().to_string();
    let public = PUBLIC_PREFIXES
        .iter()
        .any(|prefix| path.starts_with(prefix));
    let billing = path == "/billing" || path.starts_with("/billing/");
    // On a vendor install, someone asking for a self-hosted install's `/license` is a
    // customer looking for what they bought.
    let customer_page = billing
        || (path == "/license"
            && state.backend.config().mode == tessera_backend::config::Mode::Vendor);
    if !public && !signed_in {
        // Customers reach `/billing` only; everyone else signs in first.
        let to = if customer_in {
            (!billing).then_some("/billing")
        } else if customer_page {
            Some("/signin")
        } else {
            Some("/login")
        };
        if let Some(to) = to {
            return Redirect::to(to).into_response();
        }
    }
    if must_change {
        if let Some(elsewhere) = must_change_first(&path) {
            return elsewhere;
        }
    }
    let form_cookie = cookies.read(request.headers(), FORM_COOKIE);
    let mut new_form_cookie = None;
    if !signed_in && !customer_in {
        let value = match form_cookie.clone() {
            Some(value) => value,
            None if path == "/login" || path == "/signin" => {
                let fresh = state.backend.new_form_cookie();
                new_form_cookie = Some(fresh.clone());
                fresh
            }
            None => String::new(),
        };
        if !value.is_empty() {
            request
                .extensions_mut()
                .insert(state.backend.form_token(&value));
        }
    }
    let changes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if changes && (signed_in || customer_in || path.starts_with("/auth/")) {
        if let Err(refused) = same_origin(&state, request.headers(), &path) {
            return *refused;
        }
        let bound_to = match path.as_str() {
            "/auth/login" | "/auth/signin-link" => form_cookie,
            _ if signed_in => session,
            _ if customer_in => customer_session,
            _ => None,
        };
        // Signing out without a session ends nothing: no token to ask for. A sign-in link
        // carries its own proof instead: it works only with the cookie of the browser that
        // asked for it (the page it is confirmed on may have been opened from another site,
        // which a SameSite=Strict cookie does not follow, so it may have no form token).
        let nothing_to_end = path == "/auth/logout" && !signed_in && !customer_in;
        if !nothing_to_end && path != "/auth/signin" {
            request = match check_form_token(&state, request, bound_to.as_deref(), &path).await {
                Ok(request) => request,
                Err(refused) => return *refused,
            };
        }
    }
    let mut response = next.run(request).await;
    if let Some(value) = new_form_cookie {
        response
            .headers_mut()
            .append(SET_COOKIE, cookies.header(FORM_COOKIE, &value, None));
    }
    response
}

/// A form post (outside the server functions under `/api/`) must carry the form token bound
/// to `cookie`. The body is read (up to 2 MB) and handed on unchanged.
async fn check_form_token(
    state: &AppState,
    request: Request,
    cookie: Option<&str>,
    path: &str,
) -> Result<Request, Box<Response>> {
    let is_form = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if path.starts_with("/api/") {
        return Ok(request);
    }
    let (parts, body) = request.into_parts();
    let bytes: Bytes = if is_form {
        axum::body::to_bytes(body, MAX_FORM_BYTES)
            .await
            .map_err(|_| (StatusCode::PAYLOAD_TOO_LARGE, "form too large").into_response())?
    } else {
        Bytes::new()
    };
    let presented = form_field(&bytes, "csrf");
    let valid = match (cookie, presented.as_deref()) {
        (Some(cookie), Some(token)) => state.backend.form_token_matches(cookie, token),
        _ => false,
    };
    if !valid {
        return Err(Box::new(forbidden(
            path,
            "the form is missing its security token or it has expired; reload the page and try again",
        )));
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The session cookie's value in `headers`, if any.
pub fn session_of(state: &AppState, headers: &HeaderMap) -> Option<String> {
    Cookies::of(state).read(headers, SESSION_COOKIE)
}

/// A `Set-Cookie` that clears the session cookie.
pub fn cleared_session_cookie(state: &AppState) -> HeaderValue {
    Cookies::of(state).header(SESSION_COOKIE, "", Some(0))
}

/// Where a user who must change their password may still go.
const WHILE_MUST_CHANGE: &[&str] = &[
    "/account",
    "/auth/logout",
    "/pkg/",
    "/favicon",
    "/healthz",
    "/api/whoami",
    "/api/form_token",
    "/api/last_form_outcome",
];

/// A user signed in with a generated or reset password sees only the page that changes it.
fn must_change_first(path: &str) -> Option<Response> {
    if WHILE_MUST_CHANGE.iter().any(|p| path.starts_with(p)) {
        return None;
    }
    if path.starts_with("/api/") {
        let body = serde_json::json!({
            "error": "password_change_required",
            "message": "choose a new password at /account first",
        });
        return Some((StatusCode::FORBIDDEN, axum::Json(body)).into_response());
    }
    Some(Redirect::to("/account").into_response())
}

/// The sign-in form's fields (`csrf` was checked by the session layer).
#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: SecretString,
}

/// `POST /auth/login`: on success a session cookie and a redirect to the overview; otherwise
/// back to the form with the reason, or 429 with `Retry-After` while sign-ins are refused.
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Form(form): Form<LoginForm>,
) -> Response {
    let cookies = Cookies::of(&state);
    match state.backend.login(&form.email, &form.password, ip).await {
        Ok(session) => {
            let max_age = session.expires_at - tessera_backend::now();
            let cookie = cookies.header(
                SESSION_COOKIE,
                session.cookie_value.expose_secret(),
                Some(max_age),
            );
            ([(SET_COOKIE, cookie)], Redirect::to("/")).into_response()
        }
        Err(Error::Unauthorized) => Redirect::to("/login?error=invalid").into_response(),
        // A small fixed page: under a flood this answer is the common one, and it must cost
        // next to nothing (no page rendering).
        Err(Error::RateLimited { retry_after_secs }) => (
            StatusCode::TOO_MANY_REQUESTS,
            [(axum::http::header::RETRY_AFTER, retry_after_secs.to_string())],
            axum::response::Html(format!(
                "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in · Tessera</title></head>\
                 <body><p role=\"alert\">Too many sign-in attempts. Wait {retry_after_secs} s, then \
                 <a href=\"/login\">try again</a>.</p></body></html>"
            )),
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = %err, "sign-in failed");
            Redirect::to("/login?error=unavailable").into_response()
        }
    }
}

/// `POST /auth/logout`: ends the session (a staff member's or a customer's) and clears the
/// cookie.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let cookies = Cookies::of(&state);
    if let Some(cookie) = cookies.read(&headers, SESSION_COOKIE) {
        if let Err(err) = state.backend.logout(&cookie).await {
            tracing::error!(error = %err, "sign-out failed");
        }
    }
    let customer = cookies.read(&headers, CUSTOMER_COOKIE);
    if let Some(cookie) = &customer {
        if let Err(err) = state.backend.customer_logout(cookie).await {
            tracing::error!(error = %err, "sign-out failed");
        }
    }
    let back = if customer.is_some() {
        "/signin?error=signed_out"
    } else {
        "/login?error=signed_out"
    };
    let mut response = Redirect::to(back).into_response();
    let headers = response.headers_mut();
    headers.append(SET_COOKIE, cookies.header(SESSION_COOKIE, "", Some(0)));
    if customer.is_some() {
        headers.append(SET_COOKIE, cookies.header(CUSTOMER_COOKIE, "", Some(0)));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_field_is_read_from_an_encoded_body() {
        assert_eq!(
            form_field(b"a=1&csrf=x%2By&b=2", "csrf").as_deref(),
            Some("x+y")
        );
        assert_eq!(form_field(b"a=1", "csrf"), None);
        assert_eq!(form_field(b"\xff\xfe", "csrf"), None);
    }
}
