use leptos::prelude::*;

use super::FormOutcome;

/// The outcome of the form this page is answering, if the server just handled one.
#[server(prefix = "/api", endpoint = "last_form_outcome")]
pub async fn last_form_outcome() -> Result<Option<FormOutcome>, ServerFnError> {
    Ok(use_context::<FormOutcome>())
}

/// The issue form's outcome, for operators only: a viewer may not issue, so the form is not
/// shown to them (403).
#[server(prefix = "/api", endpoint = "issue_form_outcome")]
pub async fn issue_form_outcome() -> Result<Option<FormOutcome>, ServerFnError> {
    crate::serverfns::guard::authorise(tessera_backend::auth::Role::Operator)?;
    Ok(use_context::<FormOutcome>())
}
