//! The hidden anti-forgery field every state-changing form carries. The server refuses a form
//! post without the token bound to the browser's cookie (see the server's session layer).
//!
//! The token is loaded once per page (a resource provided near the root). Pages await it in
//! the same `Suspend` that awaits their data and hand it to each form's [`CsrfField`]: a
//! `Suspense` of its own inside an already suspended view would not hydrate.

use leptos::prelude::*;

use crate::serverfns::session::form_token;

/// The page's form token, shared by all its forms.
#[derive(Debug, Clone, Copy)]
pub struct FormToken(Resource<Result<Option<String>, ServerFnError>>);

/// Loads the form token for the forms below (call once, near the root).
pub fn provide_form_token() {
    provide_context(FormToken(Resource::new(|| (), |_| form_token())));
}

/// The page's form token; call in the component body, await inside its `Suspend`.
pub fn use_form_token() -> FormToken {
    use_context::<FormToken>().unwrap_or_else(|| FormToken(Resource::new(|| (), |_| form_token())))
}

impl FormToken {
    /// The token, or an empty one (forms then get refused, which says why) when unknown.
    pub async fn value(self) -> String {
        self.0.await.ok().flatten().unwrap_or_default()
    }
}

/// `<input type="hidden" name="csrf" value="…">`.
#[component]
pub fn CsrfField(token: String) -> impl IntoView {
    view! { <input type="hidden" name="csrf" value=token/> }
}
