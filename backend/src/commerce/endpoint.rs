//! `tessera stripe ensure-webhook`: the Stripe webhook endpoint Tessera needs, made or mended
//! — at `<public URL>/api/v1/stripe/webhook`, with exactly the events Tessera handles, in
//! async-stripe's API version. Tessera's endpoint is the one its metadata marks, else the one
//! at that URL.

use std::collections::{BTreeSet, HashMap};

use tessera_stripe::EndpointRef;

use super::webhook::HANDLED_EVENTS;
use crate::{Backend, Error, Result};

/// The metadata key that marks Tessera's endpoint.
const MARK: &str = "tessera";

/// What `ensure_webhook` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnsuredWebhook {
    /// Made now; `secret` (`whsec_...`) is shown this once: set TESSERA_STRIPE_WEBHOOK_SECRET.
    Created {
        id: String,
        url: String,
        secret: String,
    },
    /// Brought in line; each change in words.
    Updated {
        id: String,
        changes: Vec<String>,
        version_note: Option<String>,
    },
    /// Already right.
    Unchanged {
        id: String,
        version_note: Option<String>,
    },
}

/// What to say when `endpoint` sends events in another API version than async-stripe reads
/// (Stripe cannot change that: the endpoint must be made again).
fn version_note(endpoint: &EndpointRef) -> Option<String> {
    let want = tessera_stripe::api_version();
    let have = endpoint
        .api_version
        .as_deref()
        .unwrap_or("the account's default");
    (have != want).then(|| {
        format!(
            "endpoint {} sends events in API version {have}, not {want}; Stripe cannot change that: delete it at Stripe and run ensure-webhook again (then set the new secret)",
            endpoint.id
        )
    })
}

/// Where Stripe must deliver for an install at `public_url`.
pub fn webhook_url(public_url: &str) -> Result<String> {
    let base = public_url.trim().trim_end_matches('/');
    if !(base.starts_with("https://") || base.starts_with("http://"))
        || base.contains(char::is_whitespace)
    {
        return Err(Error::invalid(format!(
            "public_url: {public_url:?} is not an http(s) URL"
        )));
    }
    Ok(format!("{base}/api/v1/stripe/webhook"))
}

/// How `endpoint` differs from what Tessera needs, in words.
fn differences(endpoint: &EndpointRef, url: &str) -> Vec<String> {
    let mut changes = Vec::new();
    if endpoint.url != url {
        changes.push(format!("url {} → {url}", endpoint.url));
    }
    let have: BTreeSet<&str> = endpoint.enabled_events.iter().map(String::as_str).collect();
    let want: BTreeSet<&str> = HANDLED_EVENTS.iter().copied().collect();
    if have != want {
        changes.push(format!(
            "events {} → {}",
            have.into_iter().collect::<Vec<_>>().join(","),
            want.into_iter().collect::<Vec<_>>().join(",")
        ));
    }
    if endpoint.status != "enabled" {
        changes.push(format!("status {} → enabled", endpoint.status));
    }
    changes
}

impl Backend {
    /// Makes Stripe's webhook endpoint for this Tessera at `public_url` exist as needed.
    pub async fn ensure_webhook(&self, public_url: &str) -> Result<EnsuredWebhook> {
        let stripe = self.stripe()?;
        let url = webhook_url(public_url)?;
        let endpoints = stripe.webhook_endpoints().await?;
        let ours = endpoints
            .iter()
            .find(|e| e.metadata.contains_key(MARK))
            .or_else(|| endpoints.iter().find(|e| e.url == url));
        let Some(endpoint) = ours else {
            let metadata = HashMap::from([(MARK.to_string(), "webhook".to_string())]);
            let key = format!("webhook-endpoint-{}", crate::licenses::token_sha256(&url));
            let made = stripe
                .create_webhook_endpoint(&key, &url, &HANDLED_EVENTS, metadata)
                .await?;
            let secret = made.secret.ok_or_else(|| {
                Error::Internal(anyhow::anyhow!("Stripe made an endpoint without a secret"))
            })?;
            tracing::info!(stripe.endpoint = %made.id, "webhook endpoint created");
            return Ok(EnsuredWebhook::Created {
                id: made.id,
                url,
                secret,
            });
        };
        let changes = differences(endpoint, &url);
        let version_note = version_note(endpoint);
        if changes.is_empty() {
            return Ok(EnsuredWebhook::Unchanged {
                id: endpoint.id.clone(),
                version_note,
            });
        }
        stripe
            .update_webhook_endpoint(&endpoint.id, &url, &HANDLED_EVENTS)
            .await?;
        tracing::info!(stripe.endpoint = %endpoint.id, "webhook endpoint updated");
        Ok(EnsuredWebhook::Updated {
            id: endpoint.id.clone(),
            changes,
            version_note,
        })
    }
}
