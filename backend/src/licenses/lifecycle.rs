//! What happens to a license after it is issued: revoke, resend (re-sign), renew (re-sign
//! with a later expiry), transfer to a new owner, and the multi-install window. Each change writes its audit row (before/after) in
//! the same transaction; e-mails follow, and a failed e-mail never undoes the change.

use tessera_license::claims::Customer;
use tessera_license::{jws, Email, LicenseId};

use super::{invalid, license_summary, messages, token_sha256, Issued};
use crate::events::{license_event, LicenseEventType, Source};
use crate::store::{AuditAction, AuditEvent, LicenseRow, LicenseStatus, SupersedeReason};
use crate::{now, Backend, Error, Result};

/// How long a multi-install window stays open.
pub const MULTI_INSTALL_WINDOW_SECS: i64 = 7 * 86_400;

/// The new owner of a transferred license, and the operator's two confirmations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub email: String,
    pub company: String,
    pub tax_id: Option<String>,
    /// "The current owner loses this license."
    pub confirm_revocation: bool,
    /// "The new owner's details are correct."
    pub confirm_new_owner: bool,
}

/// The audit row of `actor`'s change to `before` (its summary before, `after` as given).
pub(crate) fn event(
    actor: &str,
    action: AuditAction,
    subject: &str,
    before: &LicenseRow,
    after: &serde_json::Value,
) -> AuditEvent {
    AuditEvent {
        at: now(),
        actor: actor.to_string(),
        action,
        subject: subject.to_string(),
        detail: serde_json::json!({ "before": license_summary(before), "after": after }),
    }
}

impl Backend {
    async fn active_license(&self, id: &str) -> Result<LicenseRow> {
        let row = self.get_license(id).await?;
        if row.status != LicenseStatus::Active {
            return Err(Error::Conflict(format!("license {id} is {}", row.status)));
        }
        Ok(row)
    }

    /// Revokes a license at once (bypasses grace in every install). A reason is required.
    pub async fn revoke_license(&self, id: &str, reason: &str, actor: &str) -> Result<LicenseRow> {
        self.vendor_only()?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Error::invalid("reason: say why the license is revoked"));
        }
        if reason.chars().count() > 500 {
            return Err(Error::invalid("reason: at most 500 characters"));
        }
        let before = self.active_license(id).await?;
        let after = serde_json::json!({ "status": LicenseStatus::Revoked, "reason": reason });
        let audit = event(actor, AuditAction::LicenseRevoked, id, &before, &after);
        let outbox = license_event(
            LicenseEventType::Revoked,
            &before,
            Source::of_actor(actor),
            serde_json::json!({ "reason": reason }),
            audit.at,
        );
        self.store
            .end_license(id, LicenseStatus::Revoked, reason, &audit, &[outbox])
            .await?;
        tracing::info!(license.id = %id, "revoked license");
        self.get_license(id).await
    }

    /// Signs the license again (fresh `iat`, same `exp` and `support_until`) and e-mails it.
    /// The previous token is superseded: a heartbeat carrying it gets no token back.
    pub async fn resend_license(&self, id: &str, actor: &str) -> Result<Issued> {
        self.vendor_only()?;
        let before = self.active_license(id).await?;
        let old = &before.claims;
        let (license, claims, token) = self
            .sign_again(&before, old.exp, old.lic.clone(), now())
            .await?;
        let audit = event(
            actor,
            AuditAction::LicenseResent,
            id,
            &before,
            &license_summary(&license),
        );
        let outbox = license_event(
            LicenseEventType::Resent,
            &license,
            Source::of_actor(actor),
            serde_json::json!({}),
            audit.at,
        );
        self.store
            .replace_token(&license, SupersedeReason::Resent, &audit, &[outbox])
            .await?;
        let mail_error = self.deliver(&messages::resent(&claims, &token)).await;
        Ok(Issued {
            license: self.get_license(id).await?,
            claims,
            token,
            mail_error,
        })
    }

    /// Signs the license again with the later expiry `expires_at` (same id, grants and
    /// support window). The previous token is superseded as renewed: an install that used it
    /// before is handed the new token at its next heartbeat (or answer file).
    pub async fn renew_license(&self, id: &str, expires_at: i64, actor: &str) -> Result<Issued> {
        self.vendor_only()?;
        let before = self.active_license(id).await?;
        let old = before.claims.clone();
        let Some(current) = old.exp else {
            return Err(Error::invalid("expires: a perpetual license never expires"));
        };
        let at = now();
        if expires_at <= current.max(at) {
            return Err(Error::invalid(
                "expires: must be later than the current expiry and than now",
            ));
        }
        let (license, claims, token) = self
            .sign_again(&before, Some(expires_at), old.lic, at)
            .await?;
        let audit = event(
            actor,
            AuditAction::LicenseRenewed,
            id,
            &before,
            &license_summary(&license),
        );
        let outbox = license_event(
            LicenseEventType::Renewed,
            &license,
            Source::of_actor(actor),
            serde_json::json!({ "expires_at": expires_at, "previous_expires_at": current }),
            audit.at,
        );
        self.store
            .replace_token(&license, SupersedeReason::Renewed, &audit, &[outbox])
            .await?;
        tracing::info!(license.id = %id, expires_at, "renewed license");
        Ok(Issued {
            license: self.get_license(id).await?,
            claims,
            token,
            mail_error: None,
        })
    }

    /// Re-issues the license to a new owner with the same grants, `exp` and `support_until`;
    /// the old license is marked transferred. Both confirmations are required.
    pub async fn transfer_license(&self, id: &str, to: &Transfer, actor: &str) -> Result<Issued> {
        self.vendor_only()?;
        if !(to.confirm_revocation && to.confirm_new_owner) {
            return Err(Error::invalid(
                "confirm: both confirmations are required to transfer",
            ));
        }
        let company = to.company.trim();
        if company.is_empty() {
            return Err(Error::invalid("company: required"));
        }
        let email = Email::parse(&to.email).map_err(invalid("email"))?;
        let before = self.active_license(id).await?;
        let old = before.claims.clone();
        let mut lic = old.lic.clone();
        lic.customer = Customer {
            email,
            company: company.to_string(),
            tax_id: to
                .tax_id
                .clone()
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty()),
        };
        let at = now();
        let sub = LicenseId::generate(crate::time::id_millis(at));
        let claims = self.new_claims(sub, old.aud.clone(), at, old.exp, lic);
        let (mut license, token) = self.sign(&claims, at).await?;
        license.transferred_from = Some(id.to_string());
        let moved =
            serde_json::json!({ "status": LicenseStatus::Transferred, "replaced_by": license.id });
        let audits = [
            event(actor, AuditAction::LicenseTransferred, id, &before, &moved),
            AuditEvent {
                at,
                actor: actor.to_string(),
                action: AuditAction::LicenseIssued,
                subject: license.id.clone(),
                detail: serde_json::json!({ "after": license_summary(&license), "transferred_from": id }),
            },
        ];
        let outbox = license_event(
            LicenseEventType::Transferred,
            &before,
            Source::of_actor(actor),
            serde_json::json!({
                "to_license_id": license.id,
                "to_customer": { "email": license.customer_email, "company": license.company },
            }),
            at,
        );
        self.store
            .transfer_license(id, &license, &audits, &[outbox])
            .await?;
        tracing::info!(license.id = %id, license.new_id = %license.id, "transferred license");
        let mut failures = Vec::new();
        failures.extend(
            self.deliver(&messages::transferred_in(&claims, &token, &before.company))
                .await,
        );
        failures.extend(
            self.deliver(&messages::transferred_out(&old, company))
                .await,
        );
        let mail_error = (!failures.is_empty()).then(|| failures.join("; "));
        Ok(Issued {
            license,
            claims,
            token,
            mail_error,
        })
    }

    /// Lets several installs share the license for the next 7 days without an anomaly.
    pub async fn grant_multi_install_window(&self, id: &str, actor: &str) -> Result<LicenseRow> {
        self.vendor_only()?;
        let before = self.active_license(id).await?;
        let until = now() + MULTI_INSTALL_WINDOW_SECS;
        let audit = event(
            actor,
            AuditAction::LicenseMultiInstallWindow,
            id,
            &before,
            &serde_json::json!({ "multi_install_until": until }),
        );
        self.store
            .set_multi_install_until(id, until, &audit)
            .await?;
        self.get_license(id).await
    }

    /// The license's current token, signed again from its snapshot. Ed25519 is deterministic,
    /// so this is byte for byte the token that was handed out; it is checked against the
    /// stored hash and never stored itself.
    pub(crate) async fn current_token(&self, row: &LicenseRow) -> Result<String> {
        let signer = self.signer_for(&row.kid).await?;
        let token = jws::sign(&row.claims, &signer);
        if token_sha256(&token) != row.token_sha256 {
            return Err(Error::Internal(anyhow::anyhow!(
                "license {}: the snapshot does not reproduce the issued token",
                row.id
            )));
        }
        Ok(token)
    }
}
