//! The webhooks page: the vendor's endpoints and their recent deliveries.

mod list_webhooks;

pub use list_webhooks::*;
use serde::{Deserialize, Serialize};
use tessera_license::vocab::DeliveryStatus;

/// One delivery attempt's outcome as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryEntry {
    pub id: String,
    pub event_id: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    /// The endpoint's HTTP status on the last attempt, or why there was none.
    pub last_answer: String,
    pub created_at: i64,
    pub next_attempt_at: i64,
}

/// An endpoint with its latest deliveries (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointEntry {
    pub id: String,
    pub url: String,
    /// Empty: every type.
    pub events: Vec<String>,
    pub enabled: bool,
    pub deliveries: Vec<DeliveryEntry>,
}

/// `/webhooks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhooksView {
    pub endpoints: Vec<EndpointEntry>,
    /// The event types an endpoint may ask for.
    pub event_types: Vec<String>,
}
