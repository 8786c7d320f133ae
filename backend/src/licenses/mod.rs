//! License use cases: issue (sign + persist hash, snapshot and audit row in one transaction),
//! look up, and verify a presented token against this server's keys. The lifecycle (revoke,
//! resend, transfer, multi-install window) is in [`lifecycle`], searching in [`query`].

pub mod lifecycle;
pub(crate) mod messages;
pub mod query;
pub(crate) mod request;
mod verify;

use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use tessera_license::claims::{Claims, Customer, LicenseGrant, LicenseKind};
use tessera_license::jws;
use tessera_license::state::BASE_SUPPORT_SECS;
use tessera_license::{LicenseId, ProductKey};

pub use request::{parse_expiry, IssueInput, IssueRequest, SupportPeriod, MAX_ITEMS, MAX_NAME};
pub use verify::{verify_token, TokenRefused, Verification};

use crate::mail::Mail;
use crate::store::{AuditAction, AuditEvent, LicenseRow, LicenseStatus};
use crate::{now, Backend, Error, Result};

/// The facts about a license that audit rows record before and after a change.
pub(crate) fn license_summary(l: &LicenseRow) -> serde_json::Value {
    serde_json::json!({
        "status": l.status, "kid": l.kid, "token_sha256": &l.token_sha256[..12], "tier": l.tier,
        "kind": l.kind, "product": l.product, "email": l.customer_email, "company": l.company,
        "tax_id": l.tax_id, "issued_at": l.issued_at, "expires_at": l.expires_at,
        "support_until": l.support_until,
    })
}

/// The feature flag that marks an early adopter.
pub const EARLY_ADOPTER: &str = "early_adopter";

/// How long a trial runs when no expiry is given.
pub const TRIAL_SECS: i64 = 30 * 86_400;

/// A freshly signed license. `token` is the only copy: hand it to its owner, never store it.
#[derive(Debug)]
pub struct Issued {
    pub license: LicenseRow,
    pub claims: Claims,
    pub token: String,
    /// `Some(reason)` when the e-mail was asked for but could not be sent.
    pub mail_error: Option<String>,
}

fn invalid<E: std::fmt::Display>(field: &'static str) -> impl Fn(E) -> Error {
    move |e| Error::invalid(format!("{field}: {e}"))
}

/// SHA-256 (hex) of a token: what the database keeps instead of the token.
pub fn token_sha256(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn expiry(kind: LicenseKind, expires_at: Option<i64>, at: i64) -> Result<Option<i64>> {
    let exp = match (kind, expires_at) {
        (LicenseKind::Perpetual, Some(_)) => {
            return Err(Error::invalid(
                "expires: a perpetual license never expires; leave it empty",
            ))
        }
        (LicenseKind::Perpetual, None) => None,
        (LicenseKind::Trial, None) => Some(at + TRIAL_SECS),
        (LicenseKind::Subscription, None) => {
            return Err(Error::invalid(
                "expires: a subscription needs an expiry (the end of its paid period)",
            ))
        }
        (_, Some(exp)) => Some(exp),
    };
    if exp.is_some_and(|exp| exp <= at) {
        return Err(Error::invalid("expires: must be in the future"));
    }
    Ok(exp)
}

impl IssueRequest {
    pub(crate) fn grant(&self, at: i64) -> Result<LicenseGrant> {
        let support_base = at + BASE_SUPPORT_SECS;
        let support_until = match self.support_period {
            Some(period) => period.add_to(support_base)?,
            None => support_base,
        };
        let mut features = self.features.clone();
        if self.early_adopter && !features.iter().any(|f| f == EARLY_ADOPTER) {
            features.push(EARLY_ADOPTER.to_string());
            features.sort();
        }
        Ok(LicenseGrant {
            tier: self.tier,
            kind: self.kind,
            plan: self.plan.clone(),
            features,
            caps: self.caps.clone(),
            plugins: self.plugins.clone(),
            themes: self.themes.clone(),
            niches: self.niches.clone(),
            seats: self.seats.clone(),
            domains: self.domains.clone(),
            node_lock: self.node_lock.clone(),
            support_until: Some(support_until),
            trial: self.kind == LicenseKind::Trial,
            customer: Customer {
                email: self.email.clone(),
                company: self.company.clone(),
                tax_id: self.tax_id.clone(),
            },
        })
    }
}

impl Backend {
    /// Signs a license with the active key and persists its hash, claims snapshot and audit
    /// row; e-mails the token when asked (a failed e-mail is reported, the license stays).
    pub async fn issue_license(&self, req: &IssueRequest, actor: &str) -> Result<Issued> {
        self.vendor_only()?;
        self.check_catalog_plan(req).await?;
        let at = now();
        let (license, claims, token) = self.sign_new(req, at).await?;
        let audit = AuditEvent {
            at,
            actor: actor.to_string(),
            action: AuditAction::LicenseIssued,
            subject: license.id.clone(),
            detail: serde_json::json!({ "after": license_summary(&license) }),
        };
        self.store.insert_license(&license, &audit).await?;
        tracing::info!(license.id = %license.id, key.kid = %license.kid, "issued license");
        let mail_error = if req.send_email {
            self.deliver(&messages::issued(&claims, &token)).await
        } else {
            None
        };
        Ok(Issued {
            license,
            claims,
            token,
            mail_error,
        })
    }

    /// A new license for `req`, signed at `at`: the row to store, its claims and the token
    /// (which is never stored).
    pub(crate) async fn sign_new(
        &self,
        req: &IssueRequest,
        at: i64,
    ) -> Result<(LicenseRow, Claims, String)> {
        let lic = req.grant(at)?;
        let exp = expiry(req.kind, req.expires_at, at)?;
        let claims = self.new_claims(
            LicenseId::generate(crate::time::id_millis(at)),
            req.product.clone(),
            at,
            exp,
            lic,
        );
        let (license, token) = self.sign(&claims, at).await?;
        Ok((license, claims, token))
    }

    /// `before` signed again at `at` (same id and product) with expiry `exp` and grants
    /// `lic`: the row that replaces it (its creation time kept), the claims and the token.
    pub(crate) async fn sign_again(
        &self,
        before: &LicenseRow,
        exp: Option<i64>,
        lic: LicenseGrant,
        at: i64,
    ) -> Result<(LicenseRow, Claims, String)> {
        let old = &before.claims;
        let claims = self.new_claims(old.sub.clone(), old.aud.clone(), at, exp, lic);
        let (mut license, token) = self.sign(&claims, at).await?;
        license.created_at = before.created_at;
        Ok((license, claims, token))
    }

    /// Claims for a new token from this server.
    pub(crate) fn new_claims(
        &self,
        sub: LicenseId,
        aud: ProductKey,
        at: i64,
        exp: Option<i64>,
        lic: LicenseGrant,
    ) -> Claims {
        let mut jti = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut jti);
        Claims {
            iss: self.config.public_url.clone(),
            sub,
            aud,
            iat: at,
            nbf: at,
            exp,
            jti: hex::encode(jti),
            lic,
        }
    }

    /// Signs `claims` with the active key; returns the row to store (status active) and the
    /// token. Claims every verifier would refuse are never signed.
    pub(crate) async fn sign(&self, claims: &Claims, at: i64) -> Result<(LicenseRow, String)> {
        claims
            .validate()
            .map_err(|e| Error::invalid(format!("claims: {e}")))?;
        let signer = self.active_signer().await?;
        let token = jws::sign(claims, &signer);
        if token.len() > jws::MAX_TOKEN_BYTES {
            return Err(Error::invalid(format!(
                "the license grants too much for one token ({} bytes, at most {}); grant fewer or shorter names",
                token.len(),
                jws::MAX_TOKEN_BYTES
            )));
        }
        let license = LicenseRow {
            id: claims.sub.as_ref().to_string(),
            kid: signer.kid().as_ref().to_string(),
            token_sha256: token_sha256(&token),
            customer_email: claims.lic.customer.email.as_ref().to_string(),
            company: claims.lic.customer.company.clone(),
            tax_id: claims.lic.customer.tax_id.clone(),
            tier: claims.lic.tier,
            kind: claims.lic.kind,
            product: claims.aud.as_ref().to_string(),
            plan: claims.lic.plan.clone(),
            status: LicenseStatus::Active,
            issued_at: at,
            expires_at: claims.exp,
            support_until: claims.lic.support_until,
            claims: claims.clone(),
            created_at: at,
            niches: claims.lic.niches.clone(),
            revoked_at: None,
            revoke_reason: None,
            last_heartbeat_at: None,
            multi_install_until: None,
            replaced_by: None,
            transferred_from: None,
        };
        Ok((license, token))
    }

    /// Sends a message; answers the failure, if any, after logging it once.
    pub(crate) async fn deliver(&self, mail: &Mail) -> Option<String> {
        match self.mailer.send(&self.config.mail_from, mail).await {
            Ok(()) => None,
            Err(err) => {
                tracing::error!(error = %format!("{err:#}"), "e-mail not sent");
                Some(format!(
                    "the e-mail to {} could not be sent: {err:#}",
                    mail.to
                ))
            }
        }
    }

    /// Number of stored licenses.
    pub async fn count_licenses(&self) -> Result<i64> {
        Ok(self.store.count_licenses().await?)
    }

    /// One stored license.
    pub async fn get_license(&self, id: &str) -> Result<LicenseRow> {
        // A malformed id names no license: answered before it reaches a query.
        if LicenseId::parse(id).is_err() {
            return Err(Error::NotFound(format!("license {id:?}")));
        }
        self.store
            .get_license(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("license {id}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_perpetual_license_has_no_expiry_and_a_trial_runs_thirty_days() {
        assert_eq!(expiry(LicenseKind::Perpetual, None, 100).unwrap(), None);
        assert!(expiry(LicenseKind::Perpetual, Some(200), 100).is_err());
        assert_eq!(
            expiry(LicenseKind::Trial, None, 100).unwrap(),
            Some(100 + TRIAL_SECS)
        );
        assert!(expiry(LicenseKind::Subscription, None, 100).is_err());
        assert!(expiry(LicenseKind::Subscription, Some(50), 100).is_err());
    }
}
