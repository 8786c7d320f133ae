//! Webhook events: made under the world's lock, queued, and delivered by one task per
//! stand-in, one at a time in queue order, to the [`StandIn::webhook`] URL and to every
//! enabled webhook endpoint that listens to the event's type (or to `*`).
//!
//! Each delivery is a `POST` of the event's JSON with `Stripe-Signature: t=…,v1=…`, the
//! hex HMAC-SHA256 of `"{t}.{body}"` keyed with the target's whole `whsec_…` secret. A target
//! that does not answer 2xx is tried again after 200, 400 and 800 ms, then given up; every
//! attempt's status is recorded with the event.
//!
//! [`StandIn::webhook`]: crate::StandIn::webhook

use std::sync::{Mutex, Weak};
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

use super::{lock, objects, World};

/// The waits before the retries of a failed delivery.
const RETRIES: [Duration; 3] = [
    Duration::from_millis(200),
    Duration::from_millis(400),
    Duration::from_millis(800),
];
/// Each attempt's time limit.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// An event as made, with the exact bytes sent and every delivery attempt.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub envelope: Value,
    pub body: String,
    pub deliveries: Vec<Value>,
}

impl Record {
    /// `{id, type, created, deliveries: [{url, status}]}`.
    pub fn summary(&self) -> Value {
        json!({
            "id": self.envelope["id"],
            "type": self.envelope["type"],
            "created": self.envelope["created"],
            "deliveries": self.deliveries,
        })
    }
}

/// Makes an event of `kind` about `object` (a snapshot) and queues it; answers its id.
pub(crate) fn emit(
    world: &mut World,
    kind: &str,
    object: &Value,
    previous: Option<&Value>,
) -> String {
    let envelope = objects::payments::event(kind, object, previous);
    let id = envelope["id"].as_str().unwrap_or_default().to_string();
    let body = envelope.to_string();
    world.events.push(Record {
        envelope,
        body,
        deliveries: Vec::new(),
    });
    dispatch(world, &id);
    id
}

/// Queues the event `id` for delivery, or holds it while holding.
pub(crate) fn dispatch(world: &mut World, id: &str) {
    if world.holding {
        world.held.push(id.to_string());
    } else if let Some(courier) = &world.courier {
        // The courier ends only with the world, so a send cannot fail while we hold it.
        let _ = courier.send(id.to_string());
    }
}

/// The top-level fields of `old` that `new` changed, with their old values: an update
/// event's `previous_attributes`.
pub(crate) fn previous(old: &Value, new: &Value) -> Value {
    let changed: serde_json::Map<String, Value> = old
        .as_object()
        .map(|old| {
            old.iter()
                .filter(|(k, v)| new.get(k.as_str()) != Some(*v))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    Value::Object(changed)
}

/// Starts the delivery task, if there is a Tokio runtime to run it; answers its queue.
pub(crate) fn start(world: Weak<Mutex<World>>) -> Option<UnboundedSender<String>> {
    let runtime = tokio::runtime::Handle::try_current().ok()?;
    let (queue, events) = mpsc::unbounded_channel();
    runtime.spawn(deliver_all(world, events));
    Some(queue)
}

/// Where an event of `kind` goes: (URL, secret) pairs.
fn targets(world: &World, kind: &str) -> Vec<(String, String)> {
    let endpoints = world.all("webhook_endpoint").filter(|e| {
        e["status"] == "enabled"
            && e["enabled_events"]
                .as_array()
                .is_some_and(|events| events.iter().any(|k| k == kind || k == "*"))
    });
    let endpoints: Vec<(String, String)> = endpoints
        .filter_map(|e| {
            let url = e["url"].as_str()?.to_string();
            let secret = world.secrets.get(e["id"].as_str()?)?.clone();
            Some((url, secret))
        })
        .collect();
    world.hook.clone().into_iter().chain(endpoints).collect()
}

/// The delivery task: takes event ids off the queue until the stand-in is gone.
async fn deliver_all(world: Weak<Mutex<World>>, mut events: UnboundedReceiver<String>) {
    let client = match reqwest::Client::builder().timeout(ATTEMPT_TIMEOUT).build() {
        Ok(client) => client,
        Err(err) => {
            tracing::error!(error = %err, "the stand-in cannot make an HTTP client");
            return;
        }
    };
    while let Some(id) = events.recv().await {
        let Some(shared) = world.upgrade() else {
            return;
        };
        let (body, delay, targets) = {
            let world = lock(&shared);
            let Some(record) = world
                .events
                .iter()
                .find(|r| r.envelope["id"] == id.as_str())
            else {
                continue;
            };
            let kind = record.envelope["type"].as_str().unwrap_or_default();
            (record.body.clone(), world.delay, targets(&world, kind))
        };
        drop(shared);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        for (url, secret) in targets {
            deliver(&client, &world, &id, &body, &url, &secret).await;
        }
    }
}

/// Delivers one event to one target, retrying as Stripe does; records each attempt.
async fn deliver(
    client: &reqwest::Client,
    world: &Weak<Mutex<World>>,
    id: &str,
    body: &str,
    url: &str,
    secret: &str,
) {
    let mut waits = RETRIES.iter();
    loop {
        let sent = client
            .post(url)
            .header("content-type", "application/json; charset=utf-8")
            .header("stripe-signature", signature(secret, body, objects::now()))
            .body(body.to_string())
            .send()
            .await;
        let (status, ok) = match &sent {
            Ok(answer) => (
                json!(answer.status().as_u16()),
                answer.status().is_success(),
            ),
            Err(_) => (Value::Null, false),
        };
        let mut attempt = json!({ "url": url, "status": status });
        if let Err(err) = &sent {
            attempt["error"] = json!(err.to_string());
        }
        if let Some(shared) = world.upgrade() {
            let mut world = lock(&shared);
            if let Some(record) = world.events.iter_mut().find(|r| r.envelope["id"] == id) {
                record.deliveries.push(attempt);
            }
        }
        match waits.next() {
            Some(wait) if !ok => tokio::time::sleep(*wait).await,
            _ => return,
        }
    }
}

/// The `Stripe-Signature` header of `body` sent at `at`, signed with `secret`.
pub fn signature(secret: &str, body: &str, at: i64) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(format!("{at}.{body}").as_bytes());
    format!("t={at},v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_stripes() {
        // Stripe's scheme: HMAC-SHA256 over "{t}.{payload}", keyed with the whole secret.
        let header = signature("whsec_test", "{}", 1_700_000_000);
        let mut mac = Hmac::<Sha256>::new_from_slice(b"whsec_test").unwrap();
        mac.update(b"1700000000.{}");
        let expected = hex::encode(mac.finalize().into_bytes());
        assert_eq!(header, format!("t=1700000000,v1={expected}"));
    }

    #[test]
    fn previous_attributes_hold_only_what_changed() {
        let old = json!({ "a": 1, "b": 2 });
        let new = json!({ "a": 1, "b": 3 });
        assert_eq!(previous(&old, &new), json!({ "b": 2 }));
    }
}
