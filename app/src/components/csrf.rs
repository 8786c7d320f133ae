//! The hidden anti-forgery field every state-changing form carries. The server refuses a form
//! post without the token bound to the browser's cookie (see the server's session layer).
//!
//! Each page loads the token with its own resource, read in exactly one `Suspend` (the one that
//! awaits the page's data), and hands it to each form's [`CsrfField`]: a `Suspense` of its own
//! inside an already suspended view does not hydrate (seen here), and one resource read in
//! several `Suspense`s is a pattern reported upstream to leave server renders unfinished
//! (leptos-rs/leptos#4851), so each resource is read in one place. The navigation's sign-out
//! form takes the token from `whoami`.

use leptos::prelude::*;

use crate::serverfns::session::form_token;

/// The page's form token, shared by all its forms.
#[derive(Debug, Clone, Copy)]
pub struct FormToken(Resource<Result<Option<String>, ServerFnError>>);

/// Loads the page's form token: call once in the page's component body, then await it in the
/// page's one `Suspend`.
pub fn use_form_token() -> FormToken {
    FormToken(Resource::new(|| (), |_| form_token()))
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
