//! The entitlement state machine run inside a customer's install: from the token, the
//! pinned keys, the clock and the last heartbeat answer to a [`State`] and the entitlements
//! in force. Never fails: anything wrong degrades to `unlicensed` with Community caps.

mod entitlements;

use serde::{Deserialize, Serialize};

use crate::claims::Claims;
use crate::ids::{registrable_of_host, Kid, ProductKey};
use crate::jws::{self, VerifyError, VerifyOptions};
use crate::keys::KeySet;
use crate::vocab::StateName;

pub use entitlements::{effective_entitlements, Entitlements, COMMUNITY_CAPS};

/// How long an expired (or unpaid) subscription keeps working.
pub const DEFAULT_GRACE_SECS: i64 = 14 * 86_400;
/// Support every license gets from `iat` when the token has no `support_until`.
pub const BASE_SUPPORT_SECS: i64 = 30 * 86_400;

/// Where a license stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum State {
    /// Valid and paid.
    Active,
    /// Expired or renewal unsettled, still working until `until` (unix seconds).
    Grace {
        /// When the grace ends.
        until: i64,
    },
    /// Lapsed past grace: licensed parts stop, data untouched; paying brings them back.
    Dormant,
    /// Revoked by the vendor (refund, chargeback, abuse); bypasses grace.
    Revoked,
    /// No token or an unusable one: Community caps.
    Unlicensed,
}

impl State {
    /// The state's name, without its data.
    pub const fn name(&self) -> StateName {
        match self {
            Self::Active => StateName::Active,
            Self::Grace { .. } => StateName::Grace,
            Self::Dormant => StateName::Dormant,
            Self::Revoked => StateName::Revoked,
            Self::Unlicensed => StateName::Unlicensed,
        }
    }

    /// The snake_case name: `active`, `grace`, `dormant`, `revoked`, `unlicensed`.
    pub const fn as_str(&self) -> &'static str {
        self.name().as_str()
    }

    /// Whether the licensed parts work (active or in grace).
    pub const fn is_licensed(&self) -> bool {
        matches!(self, Self::Active | Self::Grace { .. })
    }
}

/// Why an install is unlicensed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnlicensedReason {
    /// No token was configured.
    #[error("no license token is installed")]
    NoToken,
    /// The token failed verification.
    #[error("the license token is invalid: {0}")]
    Invalid(VerifyError),
    /// The token is locked to another install's fingerprint.
    #[error("the license is locked to another install")]
    NodeLockMismatch,
    /// The install serves a host outside the token's domains.
    #[error("the license does not cover the domain of host {host:?}")]
    DomainMismatch {
        /// The host that was checked.
        host: String,
    },
}

impl UnlicensedReason {
    /// A stable snake_case code; for `Invalid`, the verify error's code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoToken => "no_token",
            Self::Invalid(err) => err.code(),
            Self::NodeLockMismatch => "node_lock_mismatch",
            Self::DomainMismatch { .. } => "domain_mismatch",
        }
    }
}

/// The last heartbeat answer from the vendor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveStatus {
    /// When the answer was received (unix seconds).
    pub checked_at: i64,
    /// The vendor revoked the license.
    pub revoked: bool,
    /// A renewal payment is unsettled.
    pub past_due: bool,
    /// The live entitlements, which may narrow the signed ones.
    #[serde(default)]
    pub entitlements: Option<Entitlements>,
}

/// Inputs besides the token: clock, grace window and what this install is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalContext<'a> {
    /// Now, unix seconds.
    pub now: i64,
    /// Grace after expiry (default [`DEFAULT_GRACE_SECS`]).
    pub grace_secs: i64,
    /// Clock skew tolerated on `nbf`/`exp` (default 60 s).
    pub leeway_secs: i64,
    /// The product this install runs; when set, `aud` must match.
    pub audience: Option<&'a ProductKey>,
    /// This install's fingerprint, checked against `node_lock`.
    pub fingerprint: Option<&'a str>,
    /// The host being served, checked against `domains`.
    pub host: Option<&'a str>,
}

impl<'a> EvalContext<'a> {
    /// Defaults at `now`: 14-day grace, 60 s leeway, no audience, fingerprint or host.
    pub fn at(now: i64) -> Self {
        Self {
            now,
            grace_secs: DEFAULT_GRACE_SECS,
            leeway_secs: jws::VerifyOptions::at(now).leeway_secs,
            audience: None,
            fingerprint: None,
            host: None,
        }
    }

    /// Sets the expected product.
    #[must_use]
    pub fn audience(mut self, audience: &'a ProductKey) -> Self {
        self.audience = Some(audience);
        self
    }

    /// Sets this install's fingerprint.
    #[must_use]
    pub fn fingerprint(mut self, fingerprint: &'a str) -> Self {
        self.fingerprint = Some(fingerprint);
        self
    }

    /// Sets the host being served.
    #[must_use]
    pub fn host(mut self, host: &'a str) -> Self {
        self.host = Some(host);
        self
    }

    /// Sets the grace window.
    #[must_use]
    pub fn grace(mut self, secs: i64) -> Self {
        self.grace_secs = secs;
        self
    }
}

/// The outcome: state, why (when unlicensed), the claims and the entitlements in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// The state.
    pub state: State,
    /// Why the install is unlicensed (only with [`State::Unlicensed`]).
    pub reason: Option<UnlicensedReason>,
    /// The verified claims, kept for display even when dormant, revoked or mismatched.
    pub claims: Option<Claims>,
    /// The kid of the key that accepted the token.
    pub kid: Option<Kid>,
    /// The entitlements in force.
    pub effective: Entitlements,
    /// Whether support is active (never for revoked or unlicensed installs).
    pub support_active: bool,
}

impl Evaluation {
    fn unlicensed(reason: UnlicensedReason, claims: Option<Claims>, kid: Option<Kid>) -> Self {
        Self {
            state: State::Unlicensed,
            reason: Some(reason),
            claims,
            kid,
            effective: Entitlements::community(),
            support_active: false,
        }
    }
}

/// Whether support is active: `support_until` (or `iat` + [`BASE_SUPPORT_SECS`]) is after now.
pub fn support_active(claims: &Claims, now: i64) -> bool {
    let until = claims
        .lic
        .support_until
        .unwrap_or_else(|| claims.iat.saturating_add(BASE_SUPPORT_SECS));
    until > now
}

/// Evaluates the license. See the crate's DESIGN: revocation bypasses grace, perpetual
/// licenses never lapse, and live entitlements only ever narrow the signed ones.
pub fn evaluate(
    token: Option<&str>,
    keys: &KeySet,
    ctx: &EvalContext<'_>,
    live: Option<&LiveStatus>,
) -> Evaluation {
    let Some(token) = token else {
        return Evaluation::unlicensed(UnlicensedReason::NoToken, None, None);
    };
    let opts = VerifyOptions::at(ctx.now)
        .leeway(ctx.leeway_secs)
        .audience(ctx.audience.cloned())
        .ignore_expiry();
    let verified = match jws::verify(token, keys, &opts) {
        Ok(verified) => verified,
        Err(err) => return Evaluation::unlicensed(UnlicensedReason::Invalid(err), None, None),
    };
    let (claims, kid) = (verified.claims, verified.kid);
    if let Some(reason) = binding_mismatch(&claims, ctx) {
        return Evaluation::unlicensed(reason, Some(claims), kid);
    }
    let state = lifecycle(&claims, ctx, live);
    let effective = if state.is_licensed() {
        effective_entitlements(&claims, live.and_then(|l| l.entitlements.as_ref()))
    } else {
        Entitlements::community()
    };
    let support_active = state != State::Revoked && support_active(&claims, ctx.now);
    Evaluation {
        state,
        reason: None,
        claims: Some(claims),
        kid,
        effective,
        support_active,
    }
}

/// Node lock and domain binding.
fn binding_mismatch(claims: &Claims, ctx: &EvalContext<'_>) -> Option<UnlicensedReason> {
    if let Some(lock) = &claims.lic.node_lock {
        if ctx.fingerprint != Some(lock.as_str()) {
            return Some(UnlicensedReason::NodeLockMismatch);
        }
    }
    let host = ctx.host?;
    if claims.lic.domains.is_empty() {
        return None;
    }
    let covered = registrable_of_host(host).is_some_and(|d| claims.lic.domains.contains(&d));
    (!covered).then(|| UnlicensedReason::DomainMismatch {
        host: host.to_owned(),
    })
}

/// Active, grace, dormant or revoked for a verified, correctly bound token.
fn lifecycle(claims: &Claims, ctx: &EvalContext<'_>, live: Option<&LiveStatus>) -> State {
    if live.is_some_and(|l| l.revoked) {
        return State::Revoked;
    }
    let Some(exp) = claims.exp else {
        return State::Active;
    };
    let expired = exp.saturating_add(ctx.leeway_secs) <= ctx.now;
    let past_due = live.is_some_and(|l| l.past_due);
    let grace_end = exp.saturating_add(ctx.grace_secs);
    match (expired, past_due) {
        (false, false) => State::Active,
        (false, true) => State::Grace { until: exp },
        (true, _) if ctx.now < grace_end => State::Grace { until: grace_end },
        (true, _) => State::Dormant,
    }
}

#[cfg(test)]
mod tests;
