//! The Licenses panel's forms. Plain HTML form posts, so they work with JavaScript off: each
//! handler authorises, calls one use case, then either redirects back (`?done=...`) or renders
//! the page again with the outcome (a token shown once, or a refusal with the input kept).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{Method, Request, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use leptos::prelude::provide_context;
use tessera_app::serverfns::licenses::FormOutcome;
use tessera_app::serverfns::params::Param;
use tessera_app::shell;
use tessera_backend::auth::{AuthUser, FormToken, Role};
use tessera_backend::customers::CustomerUser;
use tessera_backend::licenses::lifecycle::Transfer;
use tessera_backend::licenses::{IssueInput, IssueRequest, Issued};
use tessera_backend::Error;
use tessera_license::LicenseId;

use super::AppState;
use crate::input::{parse_caps, parse_seats, split_list};

pub(super) type Fields = Vec<(String, String)>;

pub(super) fn field(fields: &Fields, name: &str) -> String {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default()
}

fn optional(fields: &Fields, name: &str) -> Option<String> {
    Some(field(fields, name)).filter(|v| !v.is_empty())
}

/// Why a form was refused before it was read.
pub(super) enum Refused {
    SignIn,
    Forbidden,
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::SignIn => Redirect::to("/login").into_response(),
            Refused::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden: your role does not allow this",
            )
                .into_response(),
        }
    }
}

/// The signed-in user if their role includes `required`, or why not.
pub(super) fn require(parts: &Parts, required: Role) -> Result<AuthUser, Refused> {
    match parts.extensions.get::<AuthUser>() {
        None => Err(Refused::SignIn),
        Some(user) if !user.role.allows(required) => Err(Refused::Forbidden),
        Some(user) => Ok(user.clone()),
    }
}

fn operator(parts: &Parts) -> Result<AuthUser, Refused> {
    require(parts, Role::Operator)
}

/// Renders the app at `path` with `outcome` in context, as a GET of that page would.
pub(super) async fn render(
    state: &AppState,
    parts: &Parts,
    path: &str,
    outcome: FormOutcome,
    status: StatusCode,
) -> Response {
    let mut request = Request::builder()
        .method(Method::GET)
        .uri(path)
        .body(Body::empty())
        .expect("valid request");
    *request.headers_mut() = parts.headers.clone();
    if let Some(user) = parts.extensions.get::<AuthUser>() {
        request.extensions_mut().insert(user.clone());
    }
    if let Some(customer) = parts.extensions.get::<CustomerUser>() {
        request.extensions_mut().insert(customer.clone());
    }
    if let Some(token) = parts.extensions.get::<FormToken>() {
        request.extensions_mut().insert(token.clone());
    }
    let (backend, options) = (state.backend.clone(), state.leptos.clone());
    let handler = leptos_axum::render_app_async_with_context(
        move || {
            provide_context(backend.clone());
            provide_context(outcome.clone());
        },
        move || shell(options.clone()),
    );
    let mut response = handler(request).await;
    *response.status_mut() = status;
    response
}

fn signed(what: &str, issued: Issued) -> FormOutcome {
    FormOutcome::Signed {
        license_id: issued.license.id,
        token: issued.token,
        mail_error: issued.mail_error,
        what: what.into(),
    }
}

/// The issue form as posted: lists are comma- or line-separated, seats and caps in the
/// CLI's `NAME=N` notation, checkboxes `on`.
pub(super) struct IssueForm<'a>(pub &'a Fields);

impl TryFrom<IssueForm<'_>> for IssueRequest {
    type Error = Error;

    fn try_from(IssueForm(f): IssueForm<'_>) -> Result<Self, Error> {
        let notation = |e: anyhow::Error| Error::invalid(format!("{e:#}"));
        IssueRequest::try_from(IssueInput {
            email: field(f, "email"),
            company: field(f, "company"),
            tax_id: optional(f, "tax_id"),
            tier: field(f, "tier"),
            kind: optional(f, "kind"),
            product: field(f, "product"),
            plan: optional(f, "plan"),
            expires_at: optional(f, "expires"),
            support_period: optional(f, "support_period"),
            features: split_list(&field(f, "features")),
            plugins: split_list(&field(f, "plugins")),
            themes: split_list(&field(f, "themes")),
            niches: split_list(&field(f, "niches")),
            domains: split_list(&field(f, "domains")),
            seats: parse_seats("seats", &split_list(&field(f, "seats"))).map_err(notation)?,
            caps: parse_caps("caps", &split_list(&field(f, "caps"))).map_err(notation)?,
            node_lock: optional(f, "node_lock"),
            early_adopter: field(f, "early_adopter") == "on",
            send_email: field(f, "send_email") == "on",
        })
    }
}

pub(super) fn refusal(err: Error, values: Fields) -> (FormOutcome, StatusCode) {
    let status = super::error::status_of(&err);
    let message = match err {
        Error::Internal(inner) => {
            tracing::error!(error = %format!("{inner:#}"), "form failed");
            "Something went wrong; nothing was changed.".to_string()
        }
        other => other.to_string(),
    };
    let values = values
        .into_iter()
        .map(|(name, value)| Param::new(name, value))
        .collect();
    (FormOutcome::Rejected { message, values }, status)
}

/// The end of a page's form post: back to `page` with `?done=...`, or the page rendered
/// again with the refusal (and `values`, the input kept) and its status.
pub(super) async fn done_or_refused(
    state: &AppState,
    parts: &Parts,
    page: &str,
    result: Result<String, Error>,
    values: Fields,
) -> Response {
    match result {
        Ok(done) => {
            Redirect::to(&format!("{page}?done={}", done.replace(' ', "%20"))).into_response()
        }
        Err(err) => {
            let (outcome, status) = refusal(err, values);
            render(state, parts, page, outcome, status).await
        }
    }
}

/// `POST /licenses/new`.
pub async fn issue(
    State(state): State<AppState>,
    parts: Parts,
    Form(fields): Form<Fields>,
) -> Response {
    let user = match operator(&parts) {
        Ok(user) => user,
        Err(refused) => return refused.into_response(),
    };
    let result = match IssueRequest::try_from(IssueForm(&fields)) {
        Ok(req) => state.backend.issue_license(&req, &user.email).await,
        Err(err) => Err(err),
    };
    let (outcome, status) = match result {
        Ok(issued) => (signed("Issued", issued), StatusCode::OK),
        Err(err) => refusal(err, fields),
    };
    render(&state, &parts, "/licenses/new", outcome, status).await
}

/// `POST /licenses/{id}/{action}` for revoke, refund, resend, transfer and multi-install.
pub async fn act(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    parts: Parts,
    Form(fields): Form<Fields>,
) -> Response {
    let user = match operator(&parts) {
        Ok(user) => user,
        Err(refused) => return refused.into_response(),
    };
    // A malformed id names no license; it never reaches a query, a redirect or a page.
    if LicenseId::parse(&id).is_err() {
        return (StatusCode::NOT_FOUND, "no such license").into_response();
    }
    let backend = &state.backend;
    let here = format!("/licenses/{id}");
    let result = match action.as_str() {
        "revoke" => backend
            .revoke_license(&id, &field(&fields, "reason"), &user.email)
            .await
            .map(|_| None),
        "refund" => backend.refund_license(&id, &user.email).await.map(|_| None),
        "multi-install" => backend
            .grant_multi_install_window(&id, &user.email)
            .await
            .map(|_| None),
        "resend" => backend
            .resend_license(&id, &user.email)
            .await
            .map(|i| Some((here.clone(), signed("Resent", i)))),
        "transfer" => {
            let to = Transfer {
                email: field(&fields, "email"),
                company: field(&fields, "company"),
                tax_id: optional(&fields, "tax_id"),
                confirm_revocation: field(&fields, "confirm_revocation") == "on",
                confirm_new_owner: field(&fields, "confirm_new_owner") == "on",
            };
            backend
                .transfer_license(&id, &to, &user.email)
                .await
                .map(|i| {
                    Some((
                        format!("/licenses/{}", i.license.id),
                        signed("Transferred", i),
                    ))
                })
        }
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    match result {
        Ok(None) => {
            Redirect::to(&format!("{here}?done={}", action.replace('-', "%20"))).into_response()
        }
        Ok(Some((path, outcome))) => render(&state, &parts, &path, outcome, StatusCode::OK).await,
        Err(err) => {
            let (outcome, status) = refusal(err, Vec::new());
            render(&state, &parts, &here, outcome, status).await
        }
    }
}
