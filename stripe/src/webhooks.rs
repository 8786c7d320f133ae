//! Webhook endpoints: where Stripe sends its events, with which events and API version.

use std::collections::HashMap;

use stripe_misc::webhook_endpoint::{
    CreateWebhookEndpoint, CreateWebhookEndpointEnabledEvents, ListWebhookEndpoint,
    UpdateWebhookEndpoint, UpdateWebhookEndpointEnabledEvents,
};
use stripe_misc::WebhookEndpoint;

use stripe::StripeRequest as _;

use super::{idempotent, Error, Stripe};

/// The API version async-stripe reads (`2026-09-30.endive`): events are asked for in it.
pub fn api_version() -> &'static str {
    stripe_shared::version::VERSION.as_str()
}

/// A webhook endpoint as far as Tessera cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointRef {
    pub id: String,
    pub url: String,
    pub enabled_events: Vec<String>,
    pub api_version: Option<String>,
    /// `enabled` or `disabled`.
    pub status: String,
    pub metadata: HashMap<String, String>,
    /// The signing secret: only in the answer to the create.
    pub secret: Option<String>,
}

impl From<WebhookEndpoint> for EndpointRef {
    fn from(e: WebhookEndpoint) -> Self {
        Self {
            id: e.id.to_string(),
            url: e.url,
            enabled_events: e.enabled_events,
            api_version: e.api_version,
            status: e.status,
            metadata: e.metadata,
            secret: e.secret,
        }
    }
}

impl Stripe {
    /// The account's webhook endpoints (at most 100: Stripe allows 16).
    pub async fn webhook_endpoints(&self) -> Result<Vec<EndpointRef>, Error> {
        let request = ListWebhookEndpoint::new().limit(100);
        let list = self
            .retried("list webhook endpoints", || request.send(&self.client))
            .await?;
        Ok(list.data.into_iter().map(EndpointRef::from).collect())
    }

    /// Creates an endpoint at `url` for `events` in async-stripe's API version; `key` makes
    /// a repeated create return the first (and its secret).
    pub async fn create_webhook_endpoint(
        &self,
        key: &str,
        url: &str,
        events: &[&str],
        metadata: HashMap<String, String>,
    ) -> Result<EndpointRef, Error> {
        let events: Vec<CreateWebhookEndpointEnabledEvents> = events
            .iter()
            .map(|e| e.parse().unwrap_or_else(|never| match never {}))
            .collect();
        let request = CreateWebhookEndpoint::new(events, url)
            .api_version(stripe_shared::version::VERSION)
            .description("Tessera: licenses from Stripe payments")
            .metadata(metadata);
        let strategy = idempotent(key)?;
        self.retried("create webhook endpoint", || {
            request
                .customize()
                .request_strategy(strategy.clone())
                .send(&self.client)
        })
        .await
        .map(EndpointRef::from)
    }

    /// Points the endpoint `id` at `url` with exactly `events`, enabled.
    pub async fn update_webhook_endpoint(
        &self,
        id: &str,
        url: &str,
        events: &[&str],
    ) -> Result<EndpointRef, Error> {
        let events: Vec<UpdateWebhookEndpointEnabledEvents> = events
            .iter()
            .map(|e| e.parse().unwrap_or_else(|never| match never {}))
            .collect();
        let request = UpdateWebhookEndpoint::new(id)
            .url(url)
            .enabled_events(events)
            .disabled(false);
        self.retried("update webhook endpoint", || request.send(&self.client))
            .await
            .map(EndpointRef::from)
    }
}
