use leptos::prelude::*;

/// The anti-forgery token this browser's forms carry (field `csrf`): bound to its session
/// cookie, or before sign-in to the sign-in form's cookie. `None` when the browser has
/// neither (its forms will be refused).
#[server(prefix = "/api", endpoint = "form_token")]
pub async fn form_token() -> Result<Option<String>, ServerFnError> {
    use tessera_backend::auth::FormToken;

    Ok(use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<FormToken>().cloned())
        .map(|token| token.0))
}
