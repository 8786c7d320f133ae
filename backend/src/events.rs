//! License events: what each change tells downstream systems (a versioned JSON document on
//! `tessera.license.<type>`), recorded in the outbox with the change, and the publisher that
//! hands the outbox to a broker in commit order.
//!
//! `issued` is emitted for paid issuance only (Stripe, when it arrives); manual, CLI and API
//! issuance are silent on that subject. Every other lifecycle event is emitted for every
//! license.

use serde::Serialize;
use tessera_events::{Sink, Stored};
use tessera_license::claims::Claims;

use crate::store::{LicenseRow, OutboxBacklog, OutboxEvent};
use crate::{now, Backend, Result};

/// The version of the payload; consumers check it (`docs/events/license-event.v1.json`).
pub const EVENT_VERSION: u32 = 1;

/// How long a publisher keeps the lease without renewing it.
pub const LEASE_SECS: i64 = 30;

/// What happened to a license.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenseEventType {
    Issued,
    Resent,
    Renewed,
    Transferred,
    Revoked,
    /// Ended because its payment was refunded.
    Refunded,
}

impl LicenseEventType {
    fn word(self) -> &'static str {
        match self {
            Self::Issued => "issued",
            Self::Resent => "resent",
            Self::Renewed => "renewed",
            Self::Transferred => "transferred",
            Self::Revoked => "revoked",
            Self::Refunded => "refunded",
        }
    }
}

/// Who caused a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A person in the panel or at the CLI.
    Manual,
    /// An API token.
    Api,
    /// A Stripe payment.
    Stripe,
    /// A trial.
    Trial,
}

impl Source {
    /// From the actor recorded in the audit log: `api:<name>` is the API, anything else a
    /// person.
    pub fn of_actor(actor: &str) -> Self {
        if actor.starts_with("api:") {
            Self::Api
        } else {
            Self::Manual
        }
    }
}

#[derive(Serialize)]
struct Customer<'a> {
    email: &'a str,
    company: &'a str,
    tax_id: Option<&'a str>,
}

/// The document consumers receive (version [`EVENT_VERSION`]). Never the token.
#[derive(Serialize)]
struct Payload<'a> {
    version: u32,
    id: &'a str,
    #[serde(rename = "type")]
    kind: String,
    occurred_at: String,
    license_id: &'a str,
    product: &'a str,
    tier: tessera_license::Tier,
    customer: Customer<'a>,
    source: Source,
    /// The claims of the license's current token after the change.
    claims: &'a Claims,
    /// What else the type says: the revocation's reason, the transfer's new license id, the
    /// renewal's expiry.
    details: serde_json::Value,
}

/// The event for `row` after a change of `kind`, recorded at `at`.
pub fn license_event(
    kind: LicenseEventType,
    row: &LicenseRow,
    source: Source,
    details: serde_json::Value,
    at: i64,
) -> OutboxEvent {
    let id = format!("evt_{}", hex::encode(rand::random::<[u8; 16]>()));
    let occurred_at = chrono::DateTime::from_timestamp(at, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default();
    let payload = Payload {
        version: EVENT_VERSION,
        id: &id,
        kind: format!("license.{}", kind.word()),
        occurred_at,
        license_id: &row.id,
        product: &row.product,
        tier: row.tier,
        customer: Customer {
            email: &row.customer_email,
            company: &row.company,
            tax_id: row.tax_id.as_deref(),
        },
        source,
        claims: &row.claims,
        details,
    };
    OutboxEvent {
        subject: format!("tessera.license.{}", kind.word()),
        license_id: row.id.clone(),
        payload: serde_json::to_string(&payload).expect("the payload always serialises"),
        created_at: at,
        id,
    }
}

/// What one publishing round did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Published {
    /// Events the broker stored (or already had) and that are now marked.
    pub events: usize,
    /// Of those, how many the broker recognised as repeats.
    pub duplicates: usize,
    /// Another instance holds the lease: this one published nothing.
    pub standby: bool,
}

/// Debug builds only: `TESSERA_DEBUG_PAUSE_BEFORE_MARK_MS` holds the publisher between the
/// broker's acknowledgement and the row's mark, so a test can kill the process in that
/// window. Release builds have no such pause.
async fn pause_before_mark() {
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var("TESSERA_DEBUG_PAUSE_BEFORE_MARK_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
}

impl Backend {
    /// Publishes waiting events to `sink` in commit order, up to `batch`, if this instance
    /// (`holder`) holds the publishing lease. Stops at the first failure, which is recorded
    /// and returned: the rest wait, in order, for the next round.
    pub async fn publish_outbox(
        &self,
        sink: &dyn Sink,
        holder: &str,
        batch: i64,
    ) -> Result<Published> {
        let at = now();
        if !self
            .store
            .take_outbox_lease(holder, at, at + LEASE_SECS)
            .await?
        {
            return Ok(Published {
                standby: true,
                ..Published::default()
            });
        }
        let mut done = Published::default();
        for event in self.store.pending_events(batch).await? {
            match sink
                .publish(&event.subject, &event.id, event.payload.as_bytes())
                .await
            {
                Ok(Stored { duplicate, .. }) => {
                    pause_before_mark().await;
                    self.store.mark_published(&event.id, now()).await?;
                    done.events += 1;
                    done.duplicates += usize::from(duplicate);
                }
                Err(err) => {
                    self.store.record_publish_failure(&event.id, &err.0).await?;
                    return Err(crate::Error::Conflict(format!(
                        "publishing stopped at {}: {}",
                        event.id, err.0
                    )));
                }
            }
        }
        Ok(done)
    }

    /// Gives up the publishing lease (on shutdown), so another instance takes over at once.
    pub async fn release_outbox_lease(&self, holder: &str) -> Result<()> {
        Ok(self.store.release_outbox_lease(holder).await?)
    }

    /// How many events wait to be published, and since when.
    pub async fn outbox_backlog(&self) -> Result<OutboxBacklog> {
        Ok(self.store.outbox_backlog().await?)
    }
}
