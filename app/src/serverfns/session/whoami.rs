use leptos::prelude::*;

use super::Me;

/// The signed-in user, or `None` for an anonymous caller.
#[server(prefix = "/api", endpoint = "whoami")]
pub async fn whoami() -> Result<Option<Me>, ServerFnError> {
    use tessera_backend::auth::FormToken;

    let form_token = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<FormToken>().map(|t| t.0.clone()))
        .unwrap_or_default();
    let self_hosted = use_context::<tessera_backend::Backend>()
        .is_some_and(|backend| backend.self_host().is_ok());
    Ok(crate::serverfns::guard::current_user().map(|user| Me {
        email: user.email,
        role: user.role,
        must_change_password: user.must_change_password,
        form_token,
        self_hosted,
    }))
}
