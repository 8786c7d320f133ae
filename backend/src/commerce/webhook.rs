//! `POST /api/v1/stripe/webhook`: a Stripe event, signature checked, read leniently (only
//! the fields acted on, so that events of any API version since 2020 are handled), acted on
//! once. Subscription and invoice events re-read the subscription from Stripe and act on its
//! current state, so deliveries in any order converge. Every handled event is recorded by
//! id with what it did, in the transaction that did it; a redelivery does nothing.

use secrecy::ExposeSecret as _;
use serde_json::Value;

use super::fulfil::{Fulfilled, Paid};
use super::signature::{self, SignatureError};
use crate::store::{CommerceWrite, StripeEventRow};
use crate::{now, Backend, Error, Result};

/// The event types Tessera acts on (what `ensure-webhook` subscribes to).
pub const HANDLED_EVENTS: [&str; 9] = [
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "invoice.payment_succeeded",
    "invoice.payment_failed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "charge.refunded",
    "charge.dispute.created",
];

/// The largest event body read.
pub const MAX_EVENT_BYTES: usize = 1024 * 1024;

/// What a delivery did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookOutcome {
    pub event_id: String,
    /// `false` when the event was handled before (a redelivery).
    pub handled_now: bool,
    pub outcome: String,
}

/// An event as Tessera reads it: the envelope's id, type and time, and the object.
#[derive(Debug, Clone)]
pub(crate) struct StripeEvent {
    pub id: String,
    pub kind: String,
    pub created: i64,
    pub object: Value,
}

impl StripeEvent {
    fn parse(payload: &[u8]) -> Result<Self> {
        let envelope: Value = serde_json::from_slice(payload)
            .map_err(|e| Error::invalid(format!("event: not JSON ({e})")))?;
        let text = |key: &str| envelope[key].as_str().map(str::to_string);
        let (Some(id), Some(kind)) = (text("id"), text("type")) else {
            return Err(Error::invalid("event: an id and a type are required"));
        };
        Ok(Self {
            id,
            kind,
            created: envelope["created"].as_i64().unwrap_or(0),
            object: envelope["data"]["object"].clone(),
        })
    }

    /// The record of this event with `outcome`.
    pub fn record(&self, outcome: impl Into<String>) -> StripeEventRow {
        StripeEventRow {
            id: self.id.clone(),
            kind: self.kind.clone(),
            created: self.created,
            received_at: now(),
            outcome: outcome.into(),
        }
    }
}

/// The id at `key` of `object`: a string, or an expanded object's `id`.
pub(crate) fn id_at(object: &Value, key: &str) -> Option<String> {
    match &object[key] {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Object(o) => o.get("id").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

/// The subscription an invoice is for, wherever its API version keeps it.
fn invoice_subscription(invoice: &Value) -> Option<String> {
    id_at(invoice, "subscription")
        .or_else(|| id_at(&invoice["parent"]["subscription_details"], "subscription"))
        .or_else(|| {
            invoice["lines"]["data"]
                .as_array()
                .and_then(|lines| lines.iter().find_map(|l| id_at(l, "subscription")))
        })
}

impl Backend {
    /// Handles one delivery: `payload` as received and its `Stripe-Signature` header.
    pub async fn stripe_webhook(&self, payload: &[u8], header: &str) -> Result<WebhookOutcome> {
        self.vendor_only()?;
        let secret = self.config.stripe_webhook_secret.as_ref().ok_or_else(|| {
            Error::invalid("Stripe webhooks are not configured: set TESSERA_STRIPE_WEBHOOK_SECRET")
        })?;
        signature::verify(secret.expose_secret(), header, payload, now()).map_err(|e| {
            tracing::warn!(error = %e, "Stripe webhook refused");
            Error::Signature(e.to_string())
        })?;
        let event = StripeEvent::parse(payload)?;
        if let Some(seen) = self.store.stripe_event(&event.id).await? {
            return Ok(WebhookOutcome {
                event_id: event.id,
                handled_now: false,
                outcome: seen.outcome,
            });
        }
        let outcome = self.handle_event(&event).await?;
        tracing::info!(stripe.event_id = %event.id, stripe.event_type = %event.kind, outcome = %outcome.outcome, "Stripe event");
        Ok(outcome)
    }

    async fn handle_event(&self, event: &StripeEvent) -> Result<WebhookOutcome> {
        let o = &event.object;
        let acted = match event.kind.as_str() {
            "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
                self.on_session(event).await?
            }
            "invoice.payment_succeeded" | "invoice.paid" | "invoice.payment_failed" => {
                match invoice_subscription(o) {
                    Some(sub) => {
                        let paid = (event.kind != "invoice.payment_failed").then(|| Paid {
                            subscription: None,
                            source: id_at(o, "id").unwrap_or_default(),
                            amount: o["amount_paid"].as_i64().unwrap_or(0),
                            currency: o["currency"].as_str().unwrap_or_default().into(),
                            charge: id_at(o, "charge"),
                            payment_intent: id_at(o, "payment_intent"),
                            customer: id_at(o, "customer"),
                        });
                        self.on_subscription(event, &sub, paid).await?
                    }
                    None => Acted::Nothing("the invoice is not for a subscription".into()),
                }
            }
            kind if kind.starts_with("customer.subscription.") => match id_at(o, "id") {
                Some(sub) => self.on_subscription(event, &sub, None).await?,
                None => Acted::Nothing("the subscription has no id".into()),
            },
            "charge.refunded" => self.on_refund(event).await?,
            "charge.dispute.created" => self.on_dispute(event).await?,
            other => Acted::Nothing(format!("{other} is not an event Tessera acts on")),
        };
        let (handled_now, outcome) = match acted {
            Acted::Wrote(outcome) => (true, outcome),
            Acted::Nothing(why) => {
                let outcome = format!("nothing to do: {why}");
                let write = CommerceWrite {
                    event: Some(event.record(&outcome)),
                    ..CommerceWrite::default()
                };
                let applied = self.store.apply_commerce(&write).await?;
                (applied == crate::store::Applied::Written, outcome)
            }
        };
        Ok(WebhookOutcome {
            event_id: event.id.clone(),
            handled_now,
            outcome,
        })
    }

    async fn on_session(&self, event: &StripeEvent) -> Result<Acted> {
        let o = &event.object;
        let Some(id) = id_at(o, "id") else {
            return Ok(Acted::Nothing("the session has no id".into()));
        };
        let Some(checkout) = self.store.checkout(&id).await? else {
            return Ok(Acted::Nothing(format!(
                "session {id} is not a checkout Tessera opened"
            )));
        };
        let payment_status = o["payment_status"].as_str().unwrap_or("paid");
        if !matches!(payment_status, "paid" | "no_payment_required") {
            return Ok(Acted::Nothing(format!(
                "session {id} is {payment_status}; waiting for the payment"
            )));
        }
        let session = tessera_stripe::SessionRef {
            id: id.clone(),
            url: None,
            status: "complete".into(),
            payment_status: payment_status.into(),
            customer: id_at(o, "customer"),
            subscription: id_at(o, "subscription"),
            invoice: id_at(o, "invoice"),
            payment_intent: id_at(o, "payment_intent"),
            amount_total: o["amount_total"].as_i64(),
            currency: o["currency"].as_str().map(str::to_string),
        };
        let paid = self.paid_by_session(&session).await?;
        let outcome = match self
            .fulfil(&checkout, &paid, Some(event.record("issued")))
            .await?
        {
            Fulfilled::Issued(license) => {
                return Ok(Acted::Wrote(format!("issued license {license}")))
            }
            Fulfilled::AlreadyDone => format!("checkout {id} was completed before"),
        };
        Ok(Acted::Nothing(outcome))
    }
}

impl Backend {
    /// Writes `write` (its event's record included): [`Acted::Wrote`] with `outcome`, or
    /// nothing when the event was handled before.
    pub(super) async fn apply_acted(
        &self,
        write: &CommerceWrite,
        outcome: String,
    ) -> Result<Acted> {
        if self.store.apply_commerce(write).await? == crate::store::Applied::AlreadyDone {
            return Ok(Acted::Nothing("handled before".into()));
        }
        Ok(Acted::Wrote(outcome))
    }
}

/// What acting on an event came to.
pub(crate) enum Acted {
    /// Written, the event's record included, with this outcome.
    Wrote(String),
    /// Nothing to write but the event's record (with this reason).
    Nothing(String),
}

impl From<SignatureError> for Error {
    fn from(e: SignatureError) -> Self {
        Error::Signature(e.to_string())
    }
}
