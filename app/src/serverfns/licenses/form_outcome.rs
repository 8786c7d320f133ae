use leptos::prelude::*;

use super::FormOutcome;

/// The outcome of the form this page is answering, if the server just handled one.
#[server(prefix = "/api", endpoint = "last_form_outcome")]
pub async fn last_form_outcome() -> Result<Option<FormOutcome>, ServerFnError> {
    Ok(use_context::<FormOutcome>())
}
