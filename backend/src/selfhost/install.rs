//! The installed license: its state computed by the core's state machine (with the clock
//! never earlier than the latest time this install has seen), and installing a new token.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tessera_license::claims::Claims;
use tessera_license::state::{evaluate, EvalContext, Evaluation, LiveStatus, State};
use tessera_license::vocab::{AuditAction, HeartbeatStatus, StateName};
use tessera_license::Entitlements;

use super::SelfHost;
use crate::licenses::token_sha256;
use crate::store::{AuditEvent, InstallStateRow};
use crate::{now, Backend, Error, Result};

/// What the vendor last said about this install's license (a heartbeat answer or an
/// imported answer file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorVerdict {
    /// The license the answer is about.
    pub license_id: String,
    /// The SHA-256 of the token it answered for.
    pub token_sha256: String,
    pub status: HeartbeatStatus,
    /// The license has ended (revoked, refunded, transferred).
    pub revoked: bool,
    /// The live entitlements, which only ever narrow the signed ones.
    pub entitlements: Option<Entitlements>,
    /// When this install received it, and the vendor's clock in it.
    pub received_at: i64,
    pub vendor_time: i64,
    /// The answer carried a newer token, which was installed.
    pub rotated: bool,
    /// `network` or `file`.
    pub via: String,
}

impl VendorVerdict {
    /// The verdict as the state machine reads it, if it is about `claims`' license. A
    /// `superseded` answer is about one token: it ends that token only.
    fn live_for(&self, claims: &Claims, sha256: &str) -> Option<LiveStatus> {
        if self.license_id != claims.sub.as_ref() {
            return None;
        }
        let superseded = self.status == HeartbeatStatus::Superseded;
        if superseded && self.token_sha256 != sha256 {
            return None;
        }
        Some(LiveStatus {
            checked_at: self.received_at,
            revoked: self.revoked || superseded,
            past_due: false,
            entitlements: self.entitlements.clone(),
        })
    }
}

/// Everything `/license` and the entitlement API show about this install.
#[derive(Debug, Clone)]
pub struct InstallView {
    pub state: StateName,
    /// When the grace ends (state `grace`).
    pub grace_until: Option<i64>,
    /// Why the install is unlicensed: a code and a sentence.
    pub problem: Option<(String, String)>,
    /// The installed token's claims, when it verified.
    pub claims: Option<Claims>,
    pub kid: Option<String>,
    /// The entitlements in force.
    pub effective: Entitlements,
    pub support_active: bool,
    /// The banner every page of the product should show, if any.
    pub banner: Option<String>,
    pub install_id: String,
    pub fingerprint: String,
    pub token_installed_at: Option<i64>,
    pub pinned_kids: Vec<String>,
    pub keys_source: String,
    /// The clock the state was computed at: never earlier than the latest time seen.
    pub at: i64,
    /// This machine's clock is behind the latest time the install has seen.
    pub clock_behind: bool,
    pub vendor_url: Option<String>,
    pub last_attempt_at: Option<i64>,
    pub last_success_at: Option<i64>,
    pub last_error: Option<String>,
    pub failures: i64,
    pub verdict: Option<VendorVerdict>,
}

fn day(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map_or_else(|| at.to_string(), |t| t.format("%Y-%m-%d").to_string())
}

/// The banner for a state, with its countdown.
fn banner(eval: &Evaluation, at: i64) -> Option<String> {
    let exp = eval.claims.as_ref().and_then(|c| c.exp);
    match eval.state {
        State::Active => None,
        State::Grace { until } => {
            let days = ((until - at).max(0) + 86_399) / 86_400;
            let cause = match exp {
                Some(exp) if exp <= at => format!("Your license expired on {}", day(exp)),
                _ => "A renewal payment is unsettled".to_string(),
            };
            Some(format!(
                "{cause}. Licensed features keep working for {days} more day(s), until {}. \
                 Renew to keep them.",
                day(until)
            ))
        }
        State::Dormant => Some(
            "Your license has lapsed: licensed features are paused and all data is kept. \
             Renewing brings them back."
                .into(),
        ),
        State::Revoked => Some(
            "This license was revoked by the vendor: licensed features are off. Data is kept."
                .into(),
        ),
        State::Unlicensed => {
            Some("No valid license is installed: running with the free Community limits.".into())
        }
    }
}

impl SelfHost {
    fn context(&self, at: i64) -> EvalContext<'_> {
        let mut ctx = EvalContext::at(at)
            .grace(self.grace_secs)
            .fingerprint(&self.fingerprint);
        ctx.audience = self.product.as_ref();
        ctx.host = self.host.as_deref();
        ctx
    }

    /// The state of `row`'s token at the install's clock.
    fn view(&self, row: InstallStateRow, vendor_url: Option<String>) -> InstallView {
        let system = now();
        let at = system.max(row.latest_seen);
        let verdict: Option<VendorVerdict> = row
            .live_status
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok());
        let ctx = self.context(at);
        let mut eval = evaluate(row.token.as_deref(), &self.keys, &ctx, None);
        // The vendor's word counts only for the license (or, once superseded, the token) it
        // was about.
        if let (Some(token), Some(claims), Some(verdict)) = (&row.token, &eval.claims, &verdict) {
            if let Some(live) = verdict.live_for(claims, &token_sha256(token)) {
                eval = evaluate(Some(token), &self.keys, &ctx, Some(&live));
            }
        }
        let problem = eval
            .reason
            .as_ref()
            .map(|r| (r.code().to_string(), self.explain(r)));
        InstallView {
            state: eval.state.name(),
            grace_until: match eval.state {
                State::Grace { until } => Some(until),
                _ => None,
            },
            banner: banner(&eval, at),
            problem,
            kid: eval.kid.as_ref().map(|k| k.as_ref().to_string()),
            effective: eval.effective,
            support_active: eval.support_active,
            claims: eval.claims,
            install_id: row.install_id,
            fingerprint: self.fingerprint.clone(),
            token_installed_at: row.token_installed_at,
            pinned_kids: self.pinned_kids(),
            keys_source: self.keys_source.clone(),
            at,
            clock_behind: system < row.latest_seen,
            vendor_url,
            last_attempt_at: row.last_attempt_at,
            last_success_at: row.last_success_at,
            last_error: row.last_error,
            failures: row.failures,
            verdict,
        }
    }

    /// A reason in this install's words (the lock and the domains name what they expected).
    fn explain(&self, reason: &tessera_license::UnlicensedReason) -> String {
        use tessera_license::UnlicensedReason as R;
        match reason {
            R::NodeLockMismatch => format!(
                "the license is locked to another deployment; this deployment's fingerprint \
                 is {}",
                self.fingerprint
            ),
            R::DomainMismatch { host } => format!(
                "the license does not cover {host} (the host of TESSERA_PUBLIC_URL); it lists \
                 other domains"
            ),
            other => other.to_string(),
        }
    }

    /// Why `token` cannot be installed here, or its claims. Checked exactly as it will be
    /// evaluated, plus: an already expired token is refused.
    pub(crate) fn check_candidate(&self, token: &str, at: i64) -> Result<Claims> {
        let eval = evaluate(Some(token), &self.keys, &self.context(at), None);
        if let Some(reason) = &eval.reason {
            return Err(Error::invalid(format!(
                "this token cannot be installed: {}",
                self.explain(reason)
            )));
        }
        let claims = eval
            .claims
            .ok_or_else(|| Error::invalid("token: no claims"))?;
        if let Some(exp) = claims.exp.filter(|&exp| exp <= at) {
            return Err(Error::invalid(format!(
                "this token cannot be installed: it expired on {} (ask the vendor for a \
                 renewed token)",
                day(exp)
            )));
        }
        Ok(claims)
    }
}

impl Backend {
    pub(crate) async fn install_row(&self) -> Result<InstallStateRow> {
        let fresh = format!("ins-{}", hex::encode(rand::random::<[u8; 16]>()));
        Ok(self.store.install_state(&fresh).await?)
    }

    /// This install's license as it stands now (reused for up to two seconds).
    pub async fn install_view(&self) -> Result<Arc<InstallView>> {
        let host = self.licensee()?;
        if let Some(view) = host.cached() {
            return Ok(view);
        }
        let row = self.install_row().await?;
        let at = now();
        if at > row.latest_seen + 60 {
            self.store.raise_latest_seen(at).await?;
        }
        let view = Arc::new(host.view(row, self.config.vendor_url.clone()));
        host.remember(Arc::clone(&view));
        Ok(view)
    }

    /// This install's license computed now, from the database (what `/license` shows).
    pub async fn install_view_now(&self) -> Result<Arc<InstallView>> {
        self.licensee()?.forget();
        self.install_view().await
    }

    /// Installs (or rotates to) `token`. A token that does not verify here, for another
    /// product, deployment or domain, or already expired, is refused with the exact reason
    /// and the installed token stays.
    pub async fn install_license(&self, token: &str, actor: &str) -> Result<Arc<InstallView>> {
        let host = self.licensee()?;
        let token = token.trim();
        if token.is_empty() {
            return Err(Error::invalid("paste a license token"));
        }
        let row = self.install_row().await?;
        let at = now().max(row.latest_seen);
        let claims = host.check_candidate(token, at)?;
        let audit = AuditEvent {
            at: now(),
            actor: actor.to_string(),
            action: AuditAction::InstallLicenseInstalled,
            subject: claims.sub.as_ref().to_string(),
            detail: serde_json::json!({
                "token_sha256": token_sha256(token),
                "tier": claims.lic.tier,
                "exp": claims.exp,
            }),
        };
        self.store.set_install_token(token, now(), &audit).await?;
        host.forget();
        self.install_view().await
    }

    /// At start: installs `TESSERA_LICENSE` unless it is the token already installed. A bad
    /// one is reported and the installed token stays.
    pub async fn install_configured_license(&self) -> Result<Option<Arc<InstallView>>> {
        let Some(configured) = self.config.license.as_ref() else {
            return Ok(None);
        };
        use secrecy::ExposeSecret as _;
        let token = configured.expose_secret().trim().to_string();
        let row = self.install_row().await?;
        if row.token.as_deref() == Some(token.as_str()) {
            return Ok(None);
        }
        self.install_license(&token, "config:TESSERA_LICENSE")
            .await
            .map(Some)
    }
}
