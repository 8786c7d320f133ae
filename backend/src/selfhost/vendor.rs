//! Talking to the vendor: the heartbeat (over the network, or as request/answer files for an
//! air-gapped install) and what its answer changes here: a newer token rotates in, an ended
//! license is revoked at once, live entitlements narrow the signed ones. An unreachable
//! vendor changes nothing but the failure count shown on `/license`.

use std::sync::Arc;
use std::time::Duration;

use tessera_license::vocab::{AuditAction, HeartbeatStatus};

use super::install::{InstallView, VendorVerdict};
use crate::heartbeat::{HeartbeatAnswer, HeartbeatRequest};
use crate::licenses::token_sha256;
use crate::store::{AuditEvent, VendorAnswer};
use crate::{now, Backend, Error, Result};

/// Largest vendor answer read; a heartbeat answer is a few kilobytes.
const MAX_ANSWER_BYTES: usize = 1 << 20;
/// How long one heartbeat may take.
const TIMEOUT: Duration = Duration::from_secs(20);
/// The first retry after a failure; each further failure doubles it, up to the interval.
const FIRST_RETRY: Duration = Duration::from_secs(5);

/// When to try again: the interval after a success; after `failures` failures in a row,
/// 5 s doubling each time, never longer than the interval (nor than an hour).
pub fn next_heartbeat_delay(interval: Duration, failures: i64) -> Duration {
    if failures <= 0 {
        return interval;
    }
    let doublings = u32::try_from(failures - 1).unwrap_or(u32::MAX).min(10);
    let backoff = FIRST_RETRY.saturating_mul(1 << doublings);
    backoff.min(interval).min(Duration::from_secs(3_600))
}

impl Backend {
    /// Time between heartbeats: `heartbeat_interval`, at most an hour for a vendor's own
    /// license (its live entitlements, which may narrow its caps, refresh hourly).
    pub fn heartbeat_interval(&self) -> Duration {
        let configured = self.config.heartbeat_interval.0;
        match self.config.mode {
            crate::config::Mode::SelfHost => configured,
            crate::config::Mode::Vendor => configured.min(Duration::from_secs(3_600)),
        }
    }

    /// The heartbeat this install would send now, or `None` without a token.
    pub async fn heartbeat_request(&self) -> Result<Option<HeartbeatRequest>> {
        let host = self.licensee()?;
        let row = self.install_row().await?;
        let Some(token) = row.token else {
            return Ok(None);
        };
        Ok(Some(HeartbeatRequest {
            token,
            install_id: row.install_id,
            version: env!("CARGO_PKG_VERSION").to_string(),
            accepted_kids: host.pinned_kids(),
            fingerprint: Some(host.fingerprint().to_string()),
            usage: self.usage_report().await?,
        }))
    }

    /// One heartbeat to `vendor_url`. A failure is recorded (and returned); the license
    /// state does not change because of it.
    pub async fn heartbeat_vendor(&self) -> Result<Arc<InstallView>> {
        let Some(request) = self.heartbeat_request().await? else {
            return self.install_view().await;
        };
        let Some(base) = self.config.vendor_url.clone() else {
            return Err(Error::invalid(
                "no vendor_url is configured: set TESSERA_VENDOR_URL, or exchange files",
            ));
        };
        match post_heartbeat(&base, &request).await {
            Ok(answer) => {
                self.apply_vendor_answer(&token_sha256(&request.token), answer, "network")
                    .await?;
            }
            Err(message) => {
                self.store.record_vendor_failure(now(), &message).await?;
                self.licensee()?.forget();
                tracing::warn!(vendor = %base, error = %message, "heartbeat failed");
                return Err(Error::Conflict(format!(
                    "the vendor could not be reached: {message}"
                )));
            }
        }
        self.install_view().await
    }

    /// Applies a vendor answer about the token whose SHA-256 is `sent`: keeps the verdict, raises the latest time
    /// seen to the vendor's clock, and installs a newer token if the answer carries one that
    /// verifies here. A newer token that does not verify is reported and not installed.
    pub async fn apply_vendor_answer(
        &self,
        sent: &str,
        answer: HeartbeatAnswer,
        via: &str,
    ) -> Result<()> {
        let host = self.licensee()?;
        let at = now();
        let row = self.install_row().await?;
        let clock = at.max(row.latest_seen).max(answer.at);
        let mut refused = None;
        let newer = match answer.token.as_deref() {
            Some(token) if token_sha256(token) != sent => {
                match host.check_candidate(token, clock) {
                    Ok(claims) if claims.sub.as_ref() == answer.license_id => Some((token, claims)),
                    Ok(_) => {
                        refused = Some("the vendor's newer token is for another license".into());
                        None
                    }
                    Err(err) => {
                        refused = Some(format!("the vendor's newer token was refused: {err}"));
                        None
                    }
                }
            }
            _ => None,
        };
        let verdict = VendorVerdict {
            license_id: answer.license_id.clone(),
            token_sha256: newer
                .as_ref()
                .map_or_else(|| sent.to_string(), |(t, _)| token_sha256(t)),
            status: answer.status,
            revoked: answer.revoked,
            entitlements: (!answer.revoked && answer.status != HeartbeatStatus::Superseded)
                .then(|| answer.entitlements.clone()),
            received_at: at,
            vendor_time: answer.at,
            rotated: newer.is_some(),
            via: via.to_string(),
        };
        let live_status =
            serde_json::to_string(&verdict).map_err(|e| Error::Internal(anyhow::Error::new(e)))?;
        let audit = newer.as_ref().map(|(token, claims)| AuditEvent {
            at,
            actor: format!("vendor:{via}"),
            action: AuditAction::InstallLicenseInstalled,
            subject: claims.sub.as_ref().to_string(),
            detail: serde_json::json!({
                "token_sha256": token_sha256(token),
                "tier": claims.lic.tier,
                "exp": claims.exp,
                "rotated": true,
            }),
        });
        self.store
            .record_vendor_answer(VendorAnswer {
                at,
                vendor_time: answer.at,
                live_status: &live_status,
                rotate: newer
                    .as_ref()
                    .zip(audit.as_ref())
                    .map(|((t, _), a)| (*t, a)),
            })
            .await?;
        if let Some(message) = refused {
            self.store.record_vendor_failure(at, &message).await?;
        }
        host.forget();
        Ok(())
    }
}

/// POSTs the heartbeat and reads the answer, or says in one line why not.
async fn post_heartbeat(base: &str, request: &HeartbeatRequest) -> Result<HeartbeatAnswer, String> {
    let url = format!("{}/api/v1/heartbeat", base.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .user_agent(concat!("tessera/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())?;
    let mut response = client
        .post(&url)
        .json(request)
        .send()
        .await
        .map_err(|e| format!("{url}: {}", without_url(&e)))?;
    let status = response.status();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| without_url(&e))? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(format!(
                "the vendor's answer is larger than {MAX_ANSWER_BYTES} bytes"
            ));
        }
        body.extend_from_slice(&chunk);
    }
    if !status.is_success() {
        let message = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| {
                v.get("message")
                    .and_then(|m| m.as_str())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| String::from_utf8_lossy(&body).chars().take(200).collect());
        return Err(format!("the vendor answered {status}: {message}"));
    }
    serde_json::from_slice(&body)
        .map_err(|e| format!("the vendor's answer is not a heartbeat answer: {e}"))
}

/// A reqwest error's message without the URL it repeats.
fn without_url(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    if let Some(source) = std::error::Error::source(err) {
        text = format!("{text}: {source}");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_from_five_seconds_up_to_the_interval() {
        let day = Duration::from_secs(86_400);
        let secs = |failures| next_heartbeat_delay(day, failures).as_secs();
        assert_eq!(secs(0), 86_400);
        assert_eq!([secs(1), secs(2), secs(3), secs(4)], [5, 10, 20, 40]);
        assert_eq!(secs(20), 3_600, "capped at an hour");
        let short = Duration::from_secs(2);
        assert_eq!(
            next_heartbeat_delay(short, 3),
            short,
            "never longer than the interval"
        );
    }
}
