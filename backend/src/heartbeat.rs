//! The heartbeat use case: an install reports in; the answer carries the license's status,
//! its live entitlements, and a newer token when one exists (a renewal, or the new license of
//! a transfer, for installs seen before it; a resend's replaced token is dead). Each hit is
//! recorded, and anomalies are opened for shared licenses and for revoked tokens still in use.

use std::net::IpAddr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tessera_license::claims::Claims;
use tessera_license::jws::{self, VerifyOptions};
use tessera_license::state::Entitlements;
use tessera_license::{InstallId, Kid};

use crate::input::printable;
use crate::licenses::token_sha256;
use tessera_license::jws::Verified;
use tessera_license::keys::KeySet;

/// Tokens already verified, by SHA-256. An install sends the same token on every heartbeat;
/// its signature cannot change, so it is checked once. Each hit still requires the signing
/// kid to be pinned now and `nbf` to have passed; revocation comes from the database.
#[derive(Debug, Default)]
pub(crate) struct VerifiedTokens(
    std::sync::Mutex<std::collections::HashMap<String, Arc<Verified>>>,
);

/// Most tokens remembered; past that the memory starts over.
const MAX_VERIFIED: usize = 50_000;

impl VerifiedTokens {
    fn verify(&self, token: &str, digest: &str, keys: &KeySet, at: i64) -> Result<Arc<Verified>> {
        let cache = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(hit) = cache.get(digest) {
            let pinned = hit.kid.as_ref().is_some_and(|kid| keys.get(kid).is_some());
            if pinned && hit.claims.nbf <= at + 60 {
                return Ok(Arc::clone(hit));
            }
        }
        drop(cache);
        let verified = Arc::new(
            jws::verify(token, keys, &VerifyOptions::at(at).ignore_expiry())
                .map_err(|e| Error::invalid(format!("token: {e}")))?,
        );
        let mut cache = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.len() >= MAX_VERIFIED {
            cache.clear();
        }
        cache.insert(digest.to_string(), Arc::clone(&verified));
        Ok(verified)
    }
}
use crate::store::{HeartbeatRecord, LicenseRow, LicenseStanding, LicenseStatus, SupersedeReason};
use crate::{now, Backend, Error, Result};
use tessera_license::vocab::HeartbeatStatus;

/// The heartbeat writer's counters (see `/metrics`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HeartbeatMetrics {
    /// Transactions committed.
    pub batches: u64,
    /// Heartbeats written.
    pub recorded: u64,
    /// Heartbeats that could not be written.
    pub failed: u64,
    /// Queue-to-commit time of the oldest heartbeat of the last batch, in µs.
    pub last_lag_micros: u64,
    /// Heartbeats waiting to be written.
    pub queued: u64,
}

/// What an install sends.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct HeartbeatRequest {
    pub token: String,
    pub install_id: String,
    pub version: String,
    #[serde(default)]
    pub accepted_kids: Vec<String>,
    #[serde(default)]
    pub fingerprint: Option<String>,
    /// What the deployment uses (seats per plugin, caps); the vendor keeps the latest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<crate::usage::Usage>,
}

/// What the install gets back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeartbeatAnswer {
    pub status: HeartbeatStatus,
    pub revoked: bool,
    pub license_id: String,
    /// The live entitlements; the install clamps them to its signed token.
    pub entitlements: Entitlements,
    /// A newer token for this license, when the one presented is not the current one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The vendor's clock when it answered (unix seconds): an install never believes a time
    /// earlier than the latest it has seen, so a clock set back cannot revive a license.
    #[serde(default)]
    pub at: i64,
}

fn validate(req: &HeartbeatRequest) -> Result<Vec<String>> {
    InstallId::parse(&req.install_id).map_err(|e| Error::invalid(format!("install_id: {e}")))?;
    if req.version.trim().is_empty() || req.version.len() > 64 {
        return Err(Error::invalid("version: 1 to 64 characters"));
    }
    printable("version", &req.version)?;
    if let Some(fingerprint) = &req.fingerprint {
        if fingerprint.len() > 256 {
            return Err(Error::invalid("fingerprint: at most 256 characters"));
        }
        printable("fingerprint", fingerprint)?;
    }
    if let Some(usage) = &req.usage {
        usage.check()?;
    }
    if req.accepted_kids.len() > 32 {
        return Err(Error::invalid("accepted_kids: at most 32 kids"));
    }
    req.accepted_kids
        .iter()
        .map(|k| {
            Kid::parse(k)
                .map(|k| k.as_ref().to_string())
                .map_err(|e| Error::invalid(format!("accepted_kids: {e}")))
        })
        .collect()
}

impl Backend {
    /// Handles one heartbeat from `ip`.
    pub async fn heartbeat(&self, req: &HeartbeatRequest, ip: IpAddr) -> Result<HeartbeatAnswer> {
        self.vendor_only()?;
        self.limit(&format!("ip:{ip}"), self.config.heartbeat_per_ip_per_minute)?;
        let accepted_kids = validate(req)?;
        let keys = self.shared_verification_keys().await?;
        let at = now();
        let token = req.token.trim();
        if token.len() > jws::MAX_TOKEN_BYTES {
            return Err(Error::invalid("token: too large"));
        }
        let digest = token_sha256(token);
        let verified = self.verified_tokens.verify(token, &digest, &keys, at)?;
        let license_id = verified.claims.sub.as_ref().to_string();
        self.limit(
            &format!("license:{license_id}"),
            self.config.heartbeat_per_license_per_minute,
        )?;
        let standing = self
            .standings()
            .get(license_id.clone())
            .await?
            .ok_or_else(|| Error::invalid("token: this server did not issue that license"))?;
        let (answer, token) = self
            .answer(
                license_id.clone(),
                &standing,
                &digest,
                req,
                &verified.claims,
                at,
            )
            .await?;
        let record = HeartbeatRecord {
            license_id,
            at,
            install_id: req.install_id.clone(),
            kid: verified.kid.as_ref().map(|k| k.as_ref().to_string()),
            version: req.version.trim().to_string(),
            ip: ip.to_string(),
            fingerprint: req.fingerprint.clone(),
            accepted_kids,
            usage: req
                .usage
                .as_ref()
                .map(serde_json::to_string)
                .transpose()
                .map_err(|e| Error::Internal(e.into()))?,
        };
        let license = crate::heartbeat_writer::LicenseState {
            status: standing.status,
            multi_install_until: standing.multi_install_until,
            token,
        };
        self.heartbeat_writer().record(record, license).await?;
        Ok(answer)
    }

    fn standings(&self) -> &crate::standings::StandingReader {
        self.standings
            .get_or_init(|| crate::standings::StandingReader::start(self.store.clone()))
    }

    fn heartbeat_writer(&self) -> &crate::heartbeat_writer::HeartbeatWriter {
        self.heartbeat_writer
            .get_or_init(|| crate::heartbeat_writer::HeartbeatWriter::start(self.store.clone()))
    }

    /// Waits until every heartbeat answered so far is recorded (and checked for anomalies).
    pub async fn flush_heartbeats(&self) -> Result<()> {
        self.heartbeat_writer().flush().await
    }

    /// What the heartbeat writer has done since start, and what waits in its queue.
    pub fn heartbeat_metrics(&self) -> HeartbeatMetrics {
        use std::sync::atomic::Ordering::Relaxed;
        let writer = self.heartbeat_writer();
        HeartbeatMetrics {
            batches: writer.stats.batches.load(Relaxed),
            recorded: writer.stats.recorded.load(Relaxed),
            failed: writer.stats.failed.load(Relaxed),
            last_lag_micros: writer.stats.last_lag_micros.load(Relaxed),
            queued: writer.queued() as u64,
        }
    }

    /// Heartbeats refused by the per-license and per-IP rate limits since start.
    pub fn rate_limit_refusals(&self) -> u64 {
        self.limiter.refused()
    }

    fn limit(&self, key: &str, per_minute: u32) -> Result<()> {
        self.limiter
            .check(key, per_minute)
            .map_err(|wait| Error::RateLimited {
                retry_after_secs: wait.as_secs().max(1),
            })
    }

    /// `presented` is the SHA-256 of the token the install sent, `claims` its claims. Also
    /// answers what the presented token turned out to be, for anomaly detection.
    async fn answer(
        &self,
        license_id: String,
        standing: &LicenseStanding,
        presented: &str,
        req: &HeartbeatRequest,
        claims: &Claims,
        at: i64,
    ) -> Result<(HeartbeatAnswer, TokenSeen)> {
        if standing.status == LicenseStatus::Transferred {
            if let Some(successor) = self.transferred_to(&license_id, &req.install_id).await? {
                let answer = HeartbeatAnswer {
                    status: HeartbeatStatus::Transferred,
                    revoked: false,
                    license_id: successor.id.clone(),
                    entitlements: Entitlements::from_grant(&successor.claims.lic),
                    token: Some(self.current_token(&successor).await?),
                    at,
                };
                return Ok((answer, TokenSeen::Transferred));
            }
        }
        let expired = standing.expires_at.is_some_and(|exp| exp <= at);
        let mut status = HeartbeatStatus::of(standing.status, expired);
        let ended = status.has_ended();
        let mut seen = TokenSeen::Current;
        let (entitlements, token) = if ended {
            // The status (revoked, transferred...) says it all; no token either way.
            (Entitlements::community(), None)
        } else if presented == standing.token_sha256 {
            (Entitlements::from_grant(&claims.lic), None)
        } else {
            match self
                .older_token(&license_id, presented, &req.install_id)
                .await?
            {
                Older::Superseded => {
                    seen = TokenSeen::Superseded;
                    status = HeartbeatStatus::Superseded;
                    (Entitlements::community(), None)
                }
                Older::Withheld => {
                    seen = TokenSeen::Withheld;
                    (Entitlements::from_grant(&claims.lic), None)
                }
                Older::HandedOver(row) => {
                    let token = self.current_token(&row).await?;
                    (Entitlements::from_grant(&row.claims.lic), Some(token))
                }
            }
        };
        let answer = HeartbeatAnswer {
            status,
            revoked: ended,
            license_id,
            entitlements,
            token,
            at,
        };
        Ok((answer, seen))
    }

    /// The active license a transferred one became (through any further transfers), when
    /// `install_id` heartbeated for the transferred license before it moved: the deployment
    /// moves with the license. An install first seen after the transfer gets nothing.
    async fn transferred_to(
        &self,
        license_id: &str,
        install_id: &str,
    ) -> Result<Option<LicenseRow>> {
        let Some(first_seen) = self
            .store
            .install_first_seen(license_id, install_id)
            .await?
        else {
            return Ok(None);
        };
        let mut row = self.get_license(license_id).await?;
        for _ in 0..8 {
            let Some(next) = row.replaced_by.clone() else {
                return Ok(None);
            };
            let successor = self.get_license(&next).await?;
            // Seen in the very second of the transfer counts as seen before it.
            if first_seen > successor.created_at {
                return Ok(None);
            }
            match successor.status {
                LicenseStatus::Active => return Ok(Some(successor)),
                LicenseStatus::Transferred => row = successor,
                _ => return Ok(None),
            }
        }
        Ok(None)
    }

    /// An active license's token that is not its current one: superseded by a resend (dead),
    /// or older than a renewal, whose newer token goes only to an install that heartbeated
    /// for this license before the newer token was signed.
    async fn older_token(
        &self,
        license_id: &str,
        presented: &str,
        install_id: &str,
    ) -> Result<Older> {
        let superseded = self.store.superseded_token(presented).await?;
        if superseded.is_some_and(|s| s.reason == SupersedeReason::Resent) {
            return Ok(Older::Superseded);
        }
        let row = self.get_license(license_id).await?;
        let first_seen = self
            .store
            .install_first_seen(license_id, install_id)
            .await?;
        Ok(match first_seen {
            Some(first) if first < row.issued_at => Older::HandedOver(Box::new(row)),
            _ => Older::Withheld,
        })
    }
}

/// A token of an active license that is not its current one.
enum Older {
    /// Replaced by a resend: answers `superseded`, never with a token.
    Superseded,
    /// From an install seen before the current token was signed: it gets the current token
    /// (signed again from this row).
    HandedOver(Box<LicenseRow>),
    /// From an install never seen before the current token was signed: no token.
    Withheld,
}

/// What the token a heartbeat carried turned out to be (anomaly detection reads it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenSeen {
    /// The current token, or an older one handed the current token, or an ended license's.
    Current,
    /// A token superseded by a resend.
    Superseded,
    /// An older token whose install may not have the current one.
    Withheld,
    /// A transferred license's token from an install that moves with it: it was handed the
    /// new license's token.
    Transferred,
}
