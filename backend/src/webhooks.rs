//! Webhooks to the vendor's own systems, signed per the Standard Webhooks specification:
//! `webhook-id` (the event id, the same on every attempt), `webhook-timestamp` and
//! `webhook-signature` (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body` under the
//! endpoint's `whsec_` secret). Each outbox event becomes one delivery per endpoint that wants
//! it, retried on [`RETRY_SCHEDULE`] for up to three days. Every attempt runs in its own task
//! with a timeout, so a slow or failing endpoint delays neither the others nor the outbox.

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac as _};
use secrecy::{ExposeSecret as _, SecretString};
use sha2::Sha256;
use tessera_license::vocab::AuditAction;

use crate::store::{Attempt, AuditEvent, DeliveryRow, DueDelivery, EndpointRow};
use crate::{now, Backend, Error, Result};

/// Waits after failed attempts 1, 2, …: 5 s, 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, 24 h and
/// 24 h (about 69 hours in all); after the last, the delivery has failed.
pub const RETRY_SCHEDULE: [i64; 9] = [5, 60, 300, 1_800, 7_200, 21_600, 43_200, 86_400, 86_400];
/// How long one attempt may take.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// The event types an endpoint may ask for.
pub const EVENT_TYPES: [&str; 5] = [
    "license.issued",
    "license.resent",
    "license.renewed",
    "license.transferred",
    "license.revoked",
];

/// An endpoint as shown: never its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    /// Empty: every type.
    pub events: Vec<String>,
    pub enabled: bool,
    pub created_at: i64,
}

impl From<EndpointRow> for Endpoint {
    fn from(row: EndpointRow) -> Self {
        Self {
            events: crate::store::list_from_column(&row.event_types),
            id: row.id,
            url: row.url,
            enabled: row.enabled != 0,
            created_at: row.created_at,
        }
    }
}

/// A new endpoint and its signing secret, shown once.
#[derive(Debug)]
pub struct AddedEndpoint {
    pub endpoint: Endpoint,
    pub secret: SecretString,
}

/// The `webhook-signature` value for `body` sent as message `id` at `timestamp`.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Result<String> {
    let key = secret
        .strip_prefix("whsec_")
        .and_then(|b64| STANDARD.decode(b64).ok())
        .ok_or_else(|| Error::invalid("secret: not a whsec_ secret"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key)
        .map_err(|e| Error::Internal(anyhow::anyhow!("hmac key: {e}")))?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// An endpoint URL: https, or http to this machine (`localhost`, `127.0.0.1`, `[::1]`) for
/// development. At most 2,000 characters, no credentials.
fn check_url(text: &str) -> Result<reqwest::Url> {
    let text = text.trim();
    if text.len() > 2_000 {
        return Err(Error::invalid("url: at most 2000 characters"));
    }
    let url = reqwest::Url::parse(text).map_err(|e| Error::invalid(format!("url: {e}")))?;
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => {
            return Err(Error::invalid(
                "url: must be https (http only to localhost, for development)",
            ))
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid("url: credentials do not belong in the URL"));
    }
    Ok(url)
}

impl Backend {
    /// Adds an endpoint for `events` (all types when empty); its secret is returned once.
    pub async fn add_webhook(
        &self,
        url: &str,
        events: &[String],
        actor: &str,
    ) -> Result<AddedEndpoint> {
        self.vendor_only()?;
        let url = check_url(url)?;
        let mut events: Vec<String> = events.iter().map(|e| e.trim().to_string()).collect();
        if let Some(bad) = events.iter().find(|e| !EVENT_TYPES.contains(&e.as_str())) {
            return Err(Error::invalid(format!(
                "event: {bad:?} is not one of {}",
                EVENT_TYPES.join(", ")
            )));
        }
        events.sort();
        events.dedup();
        let id = format!("whe_{}", hex::encode(rand::random::<[u8; 12]>()));
        let secret = format!("whsec_{}", STANDARD.encode(rand::random::<[u8; 32]>()));
        let sealed = STANDARD.encode(self.kek.seal(&format!("webhook:{id}"), secret.as_bytes()));
        let row = EndpointRow {
            id: id.clone(),
            url: url.to_string(),
            event_types: crate::store::list_column(&events),
            secret_sealed: sealed,
            enabled: 1,
            created_at: now(),
            created_by: actor.to_string(),
        };
        let audit = AuditEvent {
            at: row.created_at,
            actor: actor.to_string(),
            action: AuditAction::WebhookAdded,
            subject: id,
            detail: serde_json::json!({ "url": row.url, "events": events }),
        };
        self.store.insert_endpoint(&row, &audit).await?;
        Ok(AddedEndpoint {
            endpoint: row.into(),
            secret: secret.into(),
        })
    }

    /// Every endpoint.
    pub async fn webhooks(&self) -> Result<Vec<Endpoint>> {
        self.vendor_only()?;
        Ok(self
            .store
            .endpoints()
            .await?
            .into_iter()
            .map(Endpoint::from)
            .collect())
    }

    /// Enables or disables an endpoint (a disabled one gets no new deliveries).
    pub async fn set_webhook_enabled(&self, id: &str, enabled: bool, actor: &str) -> Result<()> {
        self.vendor_only()?;
        let audit = AuditEvent {
            at: now(),
            actor: actor.to_string(),
            action: if enabled {
                AuditAction::WebhookEnabled
            } else {
                AuditAction::WebhookDisabled
            },
            subject: id.to_string(),
            detail: serde_json::json!({}),
        };
        if self.store.set_endpoint_enabled(id, enabled, &audit).await? {
            Ok(())
        } else {
            Err(Error::NotFound(format!("webhook endpoint {id}")))
        }
    }

    /// An endpoint's latest deliveries, newest first.
    pub async fn webhook_deliveries(
        &self,
        endpoint_id: &str,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>> {
        self.vendor_only()?;
        Ok(self
            .store
            .deliveries(endpoint_id, limit.clamp(1, 500))
            .await?)
    }

    /// Sends a delivery again now.
    pub async fn redeliver_webhook(&self, delivery_id: &str, actor: &str) -> Result<()> {
        self.vendor_only()?;
        let audit = AuditEvent {
            at: now(),
            actor: actor.to_string(),
            action: AuditAction::WebhookRedelivered,
            subject: delivery_id.to_string(),
            detail: serde_json::json!({}),
        };
        if self.store.redeliver(delivery_id, now(), &audit).await? {
            Ok(())
        } else {
            Err(Error::NotFound(format!("webhook delivery {delivery_id}")))
        }
    }

    /// One round: fans new events out to deliveries, claims the due ones and starts an
    /// attempt for each in its own task (not awaited: a slow endpoint holds only its own
    /// task). Answers how many attempts were started.
    pub async fn deliver_webhooks(&self, client: &reqwest::Client) -> Result<usize> {
        let at = now();
        self.store.fan_out(at, 200).await?;
        let lease = i64::try_from(ATTEMPT_TIMEOUT.as_secs()).unwrap_or(10) * 3;
        let due = self.store.claim_deliveries(at, at + lease, 64).await?;
        let started = due.len();
        for delivery in due {
            let (backend, client) = (self.clone(), client.clone());
            tokio::spawn(async move {
                if let Err(err) = backend.attempt(&client, Arc::new(delivery)).await {
                    tracing::warn!(error = %err, "recording a webhook attempt failed");
                }
            });
        }
        Ok(started)
    }

    async fn attempt(&self, client: &reqwest::Client, d: Arc<DueDelivery>) -> Result<()> {
        let sealed = STANDARD
            .decode(&d.secret_sealed)
            .map_err(|e| Error::Internal(anyhow::anyhow!("sealed secret: {e}")))?;
        let secret = self
            .kek
            .open(&format!("webhook:{}", d.endpoint_id), &sealed)
            .map_err(|e| Error::Internal(anyhow::anyhow!("opening a webhook secret: {e:?}")))?;
        let secret = SecretString::from(String::from_utf8_lossy(&secret).into_owned());
        let timestamp = now();
        let signed = signature(
            secret.expose_secret(),
            &d.event_id,
            timestamp,
            d.payload.as_bytes(),
        )?;
        let sent = client
            .post(&d.url)
            .timeout(ATTEMPT_TIMEOUT)
            .header("content-type", "application/json")
            .header("webhook-id", &d.event_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signed)
            .body(d.payload.clone())
            .send()
            .await;
        let at = now();
        let (status, error) = match sent {
            Ok(response) => (Some(i64::from(response.status().as_u16())), None),
            Err(err) => (None, Some(err.to_string())),
        };
        let delivered = status.is_some_and(|s| (200..300).contains(&s));
        let retry_at = (!delivered)
            .then(|| {
                usize::try_from(d.attempts)
                    .ok()
                    .and_then(|n| RETRY_SCHEDULE.get(n))
            })
            .flatten()
            .map(|wait| at + wait);
        let attempt = Attempt {
            at,
            status,
            error,
            retry_at,
            delivered,
        };
        Ok(self.store.record_attempt(&d.id, &attempt).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification.
        let signed = signature(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(signed, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn endpoint_urls_are_https_or_loopback() {
        for good in [
            "https://crm.example.com/hooks",
            "http://127.0.0.1:9000/x",
            "http://localhost/x",
            "http://[::1]:8080/",
        ] {
            assert!(check_url(good).is_ok(), "{good}");
        }
        for bad in [
            "http://crm.example.com/hooks",
            "ftp://x",
            "https://u:p@crm.example.com/",
            "not a url",
            "http://10.0.0.1/",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }
}
