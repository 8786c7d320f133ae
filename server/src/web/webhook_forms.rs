//! `/webhooks`'s forms (sysadmin), posted to the page with an `action`: `add` an endpoint
//! (its secret shown once, in the page rendered in reply), `enable` or `disable` one, and
//! `redeliver` a delivery.

use axum::extract::State;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use secrecy::ExposeSecret as _;
use tessera_app::serverfns::licenses::FormOutcome;
use tessera_backend::auth::Role;

use super::forms::{done_or_refused, field, render, require, Fields};
use super::AppState;

/// `POST /webhooks`.
pub async fn act(
    State(state): State<AppState>,
    parts: Parts,
    Form(fields): Form<Fields>,
) -> Response {
    let user = match require(&parts, Role::Sysadmin) {
        Ok(user) => user,
        Err(refused) => return refused.into_response(),
    };
    let backend = &state.backend;
    let result = match field(&fields, "action").as_str() {
        "add" => {
            let events: Vec<String> = fields
                .iter()
                .filter(|(name, _)| name == "events")
                .map(|(_, value)| value.clone())
                .collect();
            match backend
                .add_webhook(&field(&fields, "url"), &events, &user.email)
                .await
            {
                Ok(added) => {
                    let outcome = FormOutcome::Secret {
                        endpoint: added.endpoint.id,
                        secret: added.secret.expose_secret().to_string(),
                    };
                    return render(&state, &parts, "/webhooks", outcome, StatusCode::OK).await;
                }
                Err(err) => Err(err),
            }
        }
        "enable" | "disable" => {
            let enable = field(&fields, "action") == "enable";
            backend
                .set_webhook_enabled(&field(&fields, "endpoint"), enable, &user.email)
                .await
                .map(|()| if enable { "enabled" } else { "disabled" }.to_string())
        }
        "redeliver" => backend
            .redeliver_webhook(&field(&fields, "delivery"), &user.email)
            .await
            .map(|()| "redelivery queued".to_string()),
        _ => return (StatusCode::UNPROCESSABLE_ENTITY, "unknown action").into_response(),
    };
    done_or_refused(&state, &parts, "/webhooks", result, fields).await
}
