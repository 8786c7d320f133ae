//! Tessera's vocabulary: every closed set of words it stores, sends or accepts, each defined
//! once, here.
//!
//! Each type is a plain enum with `ALL` (every variant, in order), `as_str` (the one
//! spelling, used in tokens, URLs, JSON and database columns), `Display`, `FromStr` (which
//! names the accepted spellings when it refuses) and serde through the same spelling. With
//! the `sqlx` feature they are `sqlx::Type`s stored as text; with `clap` they are
//! `clap::ValueEnum`s. This module has no other dependency, so the browser build uses it too.

mod commerce;
mod macros;
#[cfg(test)]
mod tests;

use std::fmt;

pub use commerce::{BillingInterval, CheckoutStatus, OrgRole, PaymentStatus};
pub(crate) use macros::vocabulary;

/// Why a string is not one of a vocabulary's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}; expected one of: {expected}")]
pub struct UnknownVariant {
    /// What was being read, e.g. `"tier"` or `"license status"`.
    pub kind: &'static str,
    /// The refused input.
    pub value: String,
    /// The accepted spellings, comma-separated.
    pub expected: String,
}

vocabulary!(
    /// The commercial tier a license sells.
    Tier, "tier", {
        /// Entry paid tier.
        Starter = starter,
        /// Professional tier.
        Pro = pro,
        /// Growth tier.
        Growth = growth,
        /// Enterprise tier.
        Enterprise = enterprise,
        /// Time-boxed evaluation.
        Trial = trial,
        /// Beta programme.
        Beta = beta,
        /// Developer / non-production.
        Dev = dev,
    }
);

vocabulary!(
    /// How a license lapses.
    LicenseKind, "license kind", {
        /// Never expires; support is time-boxed by `support_until`.
        Perpetual = perpetual,
        /// Expires and is renewed by payment.
        Subscription = subscription,
        /// Expires at the end of the trial.
        Trial = trial,
    }
);

vocabulary!(
    /// Where a license stands at the vendor. Expiry is not a status: it is read from `exp`.
    LicenseStatus, "license status", {
        /// In force (it may still have expired; see `expires_at`).
        Active = active,
        /// Ended by the vendor.
        Revoked = revoked,
        /// Ended because the payment was refunded.
        Refunded = refunded,
        /// Replaced by a license for another holder.
        Transferred = transferred,
    }
);

vocabulary!(
    /// Which licenses a search asks for. `active` and `expired` split the `active` status
    /// by expiry; the others are statuses.
    StatusFilter, "status filter", {
        /// Active and not expired.
        Active = active,
        /// Active but past its expiry.
        Expired = expired,
        /// Revoked.
        Revoked = revoked,
        /// Refunded.
        Refunded = refunded,
        /// Transferred.
        Transferred = transferred,
    }
);

vocabulary!(
    /// Whether a license's support window is still open.
    SupportFilter, "support filter", {
        /// Support runs.
        Active = active,
        /// Support has ended.
        Expired = expired,
    }
);

vocabulary!(
    /// How recently a license's installs checked in.
    Freshness, "heartbeat freshness", {
        /// A heartbeat in the last 24 hours.
        Day = "24h",
        /// A heartbeat in the last 7 days.
        Week = "7d",
        /// No heartbeat for more than 30 days, or never.
        Stale = stale,
    }
);

vocabulary!(
    /// The order of a license list; every order is a keyset, so deep pages stay fast.
    LicenseSort, "sort order", {
        /// First issued, newest first.
        Newest = newest,
        /// First issued, oldest first.
        Oldest = oldest,
        /// Company name, A to Z.
        Company = company,
    }
);

#[expect(
    clippy::derivable_impls,
    reason = "the vocabulary macro fixes the derives; the default is said here"
)]
impl Default for LicenseSort {
    fn default() -> Self {
        Self::Newest
    }
}

vocabulary!(
    /// What a heartbeat answer says of the token it was sent.
    HeartbeatStatus, "heartbeat status", {
        /// In force.
        Active = active,
        /// In force but past its expiry: the install runs its grace period.
        Expired = expired,
        /// Revoked: stop at once, no grace.
        Revoked = revoked,
        /// Refunded: stop at once, no grace.
        Refunded = refunded,
        /// Transferred to another holder: stop.
        Transferred = transferred,
        /// This token was replaced by a resend and no longer counts.
        Superseded = superseded,
    }
);

impl HeartbeatStatus {
    /// The answer for a license in `status`, `expired` or not.
    pub fn of(status: LicenseStatus, expired: bool) -> Self {
        match status {
            LicenseStatus::Active if expired => Self::Expired,
            LicenseStatus::Active => Self::Active,
            LicenseStatus::Revoked => Self::Revoked,
            LicenseStatus::Refunded => Self::Refunded,
            LicenseStatus::Transferred => Self::Transferred,
        }
    }

    /// Whether the license has ended (the install stops at once, bypassing grace).
    pub fn has_ended(self) -> bool {
        matches!(self, Self::Revoked | Self::Refunded | Self::Transferred)
    }
}

vocabulary!(
    /// The name of an install's entitlement state (the state machine's states).
    StateName, "license state", {
        /// Valid and paid.
        Active = active,
        /// Expired or unpaid, still working until the grace ends.
        Grace = grace,
        /// Past grace: licensed parts stop, data kept.
        Dormant = dormant,
        /// Revoked by the vendor; bypasses grace.
        Revoked = revoked,
        /// No usable token: Community caps.
        Unlicensed = unlicensed,
    }
);

vocabulary!(
    /// Lifecycle of a signing key.
    KeyStatus, "key status", {
        /// Signs new tokens; exactly one at a time.
        Active = active,
        /// Verifies tokens and is published in the JWKS, signs nothing.
        Accepted = accepted,
        /// Kept for history; no unexpired license uses it.
        Retired = retired,
    }
);

vocabulary!(
    /// What a Studio user may do; each role includes the ones before it.
    Role, "role", {
        /// Reads everything, changes nothing.
        Viewer = viewer,
        /// Issues and manages licenses.
        Operator = operator,
        /// Everything, including keys and users.
        Sysadmin = sysadmin,
    }
);

impl Role {
    /// Whether this role includes `required` (sysadmin ⊃ operator ⊃ viewer).
    pub fn allows(self, required: Role) -> bool {
        self >= required
    }
}

vocabulary!(
    /// What an internal API token may do.
    Scope, "scope", {
        /// Read licenses.
        LicensesRead = "licenses:read",
        /// Issue and change licenses.
        LicensesWrite = "licenses:write",
        /// Read a self-hosted install's entitlements and seats.
        EntitlementsRead = "entitlements:read",
        /// Register plugin roles and grant or revoke them (a self-hosted install).
        SeatsWrite = "seats:write",
        /// Add, list, enable and disable webhook endpoints; redeliver.
        WebhooksManage = "webhooks:manage",
    }
);

vocabulary!(
    /// Where a webhook delivery stands.
    DeliveryStatus, "delivery status", {
        /// Waiting for its next attempt.
        Pending = pending,
        /// The endpoint answered 2xx.
        Delivered = delivered,
        /// Every attempt of the schedule failed.
        Failed = failed,
    }
);

vocabulary!(
    /// Something a heartbeat revealed that an operator should look at.
    AnomalyKind, "anomaly kind", {
        /// An install still uses the token of an ended license.
        RevokedToken = revoked_token,
        /// An install uses a token that a resend replaced.
        SupersededToken = superseded_token,
        /// An install first seen after the current token was signed uses an older token.
        UnknownInstall = unknown_install,
        /// More installs share the license than it allows.
        MultipleInstalls = multiple_installs,
    }
);

vocabulary!(
    /// Why a token stopped being a license's current one.
    SupersedeReason, "supersede reason", {
        /// Re-sent: the old token is dead at once.
        Resent = resent,
        /// Renewed: the old token is handed the new one at its next heartbeat.
        Renewed = renewed,
    }
);

vocabulary!(
    /// Every kind of change the audit log records.
    AuditAction, "audit action", {
        /// A license was signed and stored.
        LicenseIssued = "license.issued",
        /// A license was revoked.
        LicenseRevoked = "license.revoked",
        /// A license's token was signed again and e-mailed.
        LicenseResent = "license.resent",
        /// A license moved to another holder.
        LicenseTransferred = "license.transferred",
        /// A license was signed again with a later expiry.
        LicenseRenewed = "license.renewed",
        /// Several installs may share a license for a while.
        LicenseMultiInstallWindow = "license.multi_install_window",
        /// A signing key was generated.
        KeyGenerated = "key.generated",
        /// A key was imported.
        KeyImported = "key.imported",
        /// A key began signing.
        KeyActivated = "key.activated",
        /// A key stopped verifying.
        KeyRetired = "key.retired",
        /// A Studio user was created.
        UserCreated = "user.created",
        /// A user changed their password.
        UserPasswordChanged = "user.password_changed",
        /// A sysadmin reset a user's password.
        UserPasswordReset = "user.password_reset",
        /// A user's role changed.
        UserRoleChanged = "user.role_changed",
        /// A user was disabled.
        UserDisabled = "user.disabled",
        /// A user was enabled again.
        UserEnabled = "user.enabled",
        /// An internal API token was created.
        ApiTokenCreated = "api_token.created",
        /// An internal API token was revoked.
        ApiTokenRevoked = "api_token.revoked",
        /// A self-hosted install took a license token (pasted, configured or rotated in).
        InstallLicenseInstalled = "install.license_installed",
        /// A plugin declared its roles on a self-hosted install.
        PluginRegistered = "plugin.registered",
        /// A plugin role was granted to a user.
        SeatGranted = "seat.granted",
        /// A plugin role was taken from a user.
        SeatRevoked = "seat.revoked",
        /// A webhook endpoint was added.
        WebhookAdded = "webhook.added",
        /// A webhook endpoint was enabled.
        WebhookEnabled = "webhook.enabled",
        /// A webhook endpoint was disabled.
        WebhookDisabled = "webhook.disabled",
        /// A webhook delivery was sent again by an operator.
        WebhookRedelivered = "webhook.redelivered",
        /// A catalog product was created.
        ProductCreated = "product.created",
        /// A catalog product was changed.
        ProductUpdated = "product.updated",
        /// A plan (price) was added to a product.
        PlanCreated = "plan.created",
        /// A plan was changed.
        PlanUpdated = "plan.updated",
        /// A coupon was created.
        CouponCreated = "coupon.created",
        /// A coupon was changed.
        CouponUpdated = "coupon.updated",
        /// A Stripe Checkout was started for a customer.
        CheckoutCreated = "checkout.created",
        /// A license ended because its payment was refunded.
        LicenseRefunded = "license.refunded",
        /// A license's subscription changed at Stripe (past due, cancelled, lapsed, back).
        SubscriptionChanged = "subscription.changed",
        /// A customer org was created (by staff, a checkout or the trial API).
        OrgCreated = "org.created",
        /// Someone was added to an org, or their role in it changed.
        OrgMemberAdded = "org.member_added",
        /// Someone was removed from an org.
        OrgMemberRemoved = "org.member_removed",
        /// An org started a free trial of a product.
        TrialStarted = "trial.started",
    }
);

/// Spellings joined for messages: `a, b or c`.
pub fn spelled<T: fmt::Display>(words: &[T]) -> String {
    let words: Vec<String> = words.iter().map(ToString::to_string).collect();
    match words.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}
