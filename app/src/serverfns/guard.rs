//! Authorisation for server functions: who is calling, and may their role do this?
//!
//! The server's session layer puts the signed-in [`AuthUser`] into the request's extensions;
//! here it is read back from the request parts Leptos provides.

use http::StatusCode;
use leptos::prelude::*;
use tessera_backend::auth::{AuthUser, Role};
use tessera_backend::{Backend, Error};

fn set_status(status: StatusCode) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status);
    }
}

/// The backend and the caller, if the caller's role includes `required`; 401/403 otherwise.
pub(crate) fn authorise(required: Role) -> Result<(Backend, AuthUser), ServerFnError> {
    let backend = use_context::<Backend>()
        .ok_or_else(|| ServerFnError::new("server misconfigured: no backend in context"))?;
    let user = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<AuthUser>().cloned());
    let Some(user) = user else {
        set_status(StatusCode::UNAUTHORIZED);
        return Err(ServerFnError::new("unauthorized: sign in first"));
    };
    if !user.role.allows(required) {
        set_status(StatusCode::FORBIDDEN);
        return Err(ServerFnError::new(
            "forbidden: your role does not allow this",
        ));
    }
    Ok((backend, user))
}

/// The caller, if signed in, without requiring any role.
pub(crate) fn current_user() -> Option<AuthUser> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<AuthUser>().cloned())
}

/// Maps a use-case error to a server-function error with the matching HTTP status.
#[expect(
    clippy::needless_pass_by_value,
    reason = "shaped for `.map_err(map_error)`"
)]
pub(crate) fn map_error(err: Error) -> ServerFnError {
    let status = crate::error_status::status_of(&err);
    set_status(status);
    if let Error::Internal(inner) = &err {
        tracing::error!(error = %format!("{inner:#}"), "server function failed");
        return ServerFnError::new("internal error");
    }
    ServerFnError::new(format!("{}: {err}", err.code()))
}

/// The backend and the signed-in customer; 401 for anyone else (staff included: a Studio
/// role is no membership of a customer's org).
pub(crate) fn customer(
) -> Result<(Backend, tessera_backend::customers::CustomerUser), ServerFnError> {
    let backend = use_context::<Backend>()
        .ok_or_else(|| ServerFnError::new("server misconfigured: no backend in context"))?;
    let customer = use_context::<http::request::Parts>().and_then(|parts| {
        parts
            .extensions
            .get::<tessera_backend::customers::CustomerUser>()
            .cloned()
    });
    match customer {
        Some(customer) => Ok((backend, customer)),
        None => {
            set_status(StatusCode::UNAUTHORIZED);
            Err(ServerFnError::new("unauthorized: sign in at /signin first"))
        }
    }
}
