use leptos::prelude::*;

use super::WebhooksView;

/// Every endpoint with its last 10 deliveries. Sysadmin only.
#[server(prefix = "/api", endpoint = "list_webhooks")]
pub async fn list_webhooks() -> Result<WebhooksView, ServerFnError> {
    use super::{DeliveryEntry, EndpointEntry};
    use crate::serverfns::guard::{authorise, map_error};
    use tessera_backend::auth::Role;
    use tessera_backend::webhooks::EVENT_TYPES;

    let (backend, _) = authorise(Role::Sysadmin)?;
    let mut endpoints = Vec::new();
    for e in backend.webhooks().await.map_err(map_error)? {
        let deliveries = backend
            .webhook_deliveries(&e.id, 10)
            .await
            .map_err(map_error)?
            .into_iter()
            .map(|d| DeliveryEntry {
                last_answer: d.last_status.map_or_else(
                    || d.last_error.clone().unwrap_or_else(|| "—".into()),
                    |s| s.to_string(),
                ),
                id: d.id,
                event_id: d.event_id,
                status: d.status,
                attempts: d.attempts,
                created_at: d.created_at,
                next_attempt_at: d.next_attempt_at,
            })
            .collect();
        endpoints.push(EndpointEntry {
            id: e.id,
            url: e.url,
            events: e.events,
            enabled: e.enabled,
            deliveries,
        });
    }
    Ok(WebhooksView {
        endpoints,
        event_types: EVENT_TYPES.iter().map(ToString::to_string).collect(),
    })
}
