//! License use cases: issue (sign + persist hash, snapshot and audit row in one transaction),
//! look up, and verify a presented token against this server's keys. The lifecycle (revoke,
//! resend, transfer, multi-install window) is in [`lifecycle`], searching in [`query`].

pub mod lifecycle;
mod messages;
pub mod query;

use std::collections::BTreeMap;

use chrono::{DateTime, Months, Utc};
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use tessera_license::claims::{Claims, Customer, LicenseGrant, LicenseKind, SeatGrant, Tier};
use tessera_license::jws::{self, VerifyOptions};
use tessera_license::state::{self, BASE_SUPPORT_SECS};
use tessera_license::{Domain, Email, LicenseId, ProductKey};

use crate::mail::Mail;
use crate::store::{AuditEvent, LicenseRow};

/// The facts about a license that audit rows record before and after a change.
pub(crate) fn license_summary(l: &LicenseRow) -> serde_json::Value {
    serde_json::json!({
        "status": l.status, "kid": l.kid, "token_sha256": &l.token_sha256[..12], "tier": l.tier,
        "kind": l.kind, "product": l.product, "email": l.customer_email, "company": l.company,
        "tax_id": l.tax_id, "issued_at": l.issued_at, "expires_at": l.expires_at,
        "support_until": l.support_until,
    })
}
use crate::{now, Backend, Error, Result};

/// The feature flag that marks an early adopter.
pub const EARLY_ADOPTER: &str = "early_adopter";

/// How long a trial runs when no expiry is given.
pub const TRIAL_SECS: i64 = 30 * 86_400;

/// Everything an operator chooses when issuing a license. Validated by [`Backend::issue_license`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueRequest {
    pub email: String,
    pub company: String,
    pub tax_id: Option<String>,
    pub tier: Tier,
    pub kind: LicenseKind,
    pub product: String,
    pub plan: Option<String>,
    /// Unix seconds. Refused for perpetual; defaults to 30 days for trials; required for subscriptions.
    pub expires_at: Option<i64>,
    /// Support beyond the 30 days every license gets.
    pub support_period: Option<SupportPeriod>,
    pub features: Vec<String>,
    pub plugins: Vec<String>,
    pub themes: Vec<String>,
    pub niches: Vec<String>,
    pub domains: Vec<String>,
    pub seats: BTreeMap<String, SeatGrant>,
    pub node_lock: Option<String>,
    pub caps: BTreeMap<String, i64>,
    /// Marks an early adopter (a `early_adopter` feature in the token).
    pub early_adopter: bool,
    /// E-mail the token to the customer.
    pub send_email: bool,
}

/// A support period such as `12mo`, `2y`, `6w` or `90d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupportPeriod {
    Days(u32),
    Months(u32),
}

impl SupportPeriod {
    /// Parses `<n>d`, `<n>w`, `<n>mo` or `<n>y`.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let bad = || {
            Error::invalid(format!(
                "support period {text:?}: expected a number and a unit, e.g. 12mo, 1y, 6w or 90d"
            ))
        };
        let n: u32 = number
            .parse()
            .ok()
            .filter(|n| *n > 0 && *n <= 1200)
            .ok_or_else(bad)?;
        match unit {
            "d" => Ok(Self::Days(n)),
            "w" => Ok(Self::Days(n * 7)),
            "mo" | "m" => Ok(Self::Months(n)),
            "y" => Ok(Self::Months(n * 12)),
            _ => Err(bad()),
        }
    }

    fn add_to(self, at: i64) -> Result<i64> {
        let start = DateTime::<Utc>::from_timestamp(at, 0)
            .ok_or_else(|| Error::invalid("time out of range"))?;
        let end = match self {
            Self::Days(d) => start.checked_add_signed(chrono::Duration::days(d.into())),
            Self::Months(m) => start.checked_add_months(Months::new(m)),
        };
        end.map(|t| t.timestamp())
            .ok_or_else(|| Error::invalid("support period out of range"))
    }
}

/// A freshly signed license. `token` is the only copy: hand it to its owner, never store it.
#[derive(Debug)]
pub struct Issued {
    pub license: LicenseRow,
    pub claims: Claims,
    pub token: String,
    /// `Some(reason)` when the e-mail was asked for but could not be sent.
    pub mail_error: Option<String>,
}

/// The result of checking a presented token.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verification {
    pub kid: Option<String>,
    pub state: state::State,
    pub claims: Claims,
    /// The stored status when this server issued the license (`active`, `revoked`, ...).
    pub stored_status: Option<String>,
}

fn invalid<E: std::fmt::Display>(field: &'static str) -> impl Fn(E) -> Error {
    move |e| Error::invalid(format!("{field}: {e}"))
}

/// SHA-256 (hex) of a token: what the database keeps instead of the token.
pub fn token_sha256(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn clean_list(items: &[String]) -> Vec<String> {
    let mut out: Vec<String> = items
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
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
    fn grant(&self, at: i64) -> Result<LicenseGrant> {
        let company = self.company.trim().to_string();
        if company.is_empty() {
            return Err(Error::invalid("company: required"));
        }
        let domains = self
            .domains
            .iter()
            .map(|d| Domain::parse(d).map_err(invalid("domain")))
            .collect::<Result<Vec<_>>>()?;
        let support_base = at + BASE_SUPPORT_SECS;
        let support_until = match self.support_period {
            Some(period) => period.add_to(support_base)?,
            None => support_base,
        };
        let mut features = self.features.clone();
        if self.early_adopter {
            features.push(EARLY_ADOPTER.to_string());
        }
        Ok(LicenseGrant {
            tier: self.tier,
            kind: self.kind,
            plan: self.plan.clone().filter(|p| !p.trim().is_empty()),
            features: clean_list(&features),
            caps: self.caps.clone(),
            plugins: clean_list(&self.plugins),
            themes: clean_list(&self.themes),
            niches: clean_list(&self.niches),
            seats: self.seats.clone(),
            domains,
            node_lock: self.node_lock.clone().filter(|n| !n.trim().is_empty()),
            support_until: Some(support_until),
            trial: self.kind == LicenseKind::Trial,
            customer: Customer {
                email: Email::parse(&self.email).map_err(invalid("email"))?,
                company,
                tax_id: self
                    .tax_id
                    .clone()
                    .map(|t| t.trim().to_string())
                    .filter(|t| !t.is_empty()),
            },
        })
    }
}

impl Backend {
    /// Signs a license with the active key and persists its hash, claims snapshot and audit
    /// row; e-mails the token when asked (a failed e-mail is reported, the license stays).
    pub async fn issue_license(&self, req: &IssueRequest, actor: &str) -> Result<Issued> {
        let at = now();
        let product = ProductKey::parse(&req.product).map_err(invalid("product"))?;
        let lic = req.grant(at)?;
        let exp = expiry(req.kind, req.expires_at, at)?;
        let at_ms = u64::try_from(at).unwrap_or_default() * 1000;
        let claims = self.new_claims(LicenseId::generate(at_ms), product, at, exp, lic);
        let (license, token) = self.sign(&claims, at).await?;
        let audit = AuditEvent {
            at,
            actor: actor.to_string(),
            action: "license.issued".into(),
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

    /// Claims for a new token from this server.
    fn new_claims(
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

    /// Signs `claims` with the active key; returns the row to store (status active) and the token.
    async fn sign(&self, claims: &Claims, at: i64) -> Result<(LicenseRow, String)> {
        let signer = self.active_signer().await?;
        let token = jws::sign(claims, &signer);
        let license = LicenseRow {
            id: claims.sub.as_ref().to_string(),
            kid: signer.kid().as_ref().to_string(),
            token_sha256: token_sha256(&token),
            customer_email: claims.lic.customer.email.as_ref().to_string(),
            company: claims.lic.customer.company.clone(),
            tax_id: claims.lic.customer.tax_id.clone(),
            tier: claims.lic.tier.as_str().to_string(),
            kind: claims.lic.kind.as_str().to_string(),
            product: claims.aud.as_ref().to_string(),
            plan: claims.lic.plan.clone(),
            status: "active".into(),
            issued_at: at,
            expires_at: claims.exp,
            support_until: claims.lic.support_until,
            claims: serde_json::to_string(claims).map_err(|e| Error::Internal(e.into()))?,
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

    /// Verifies a token against this server's keys and reports its state and stored status.
    pub async fn verify_license_token(
        &self,
        token: &str,
        audience: Option<&str>,
    ) -> Result<Verification> {
        let keys = self.verification_keys().await?;
        let audience = audience
            .map(ProductKey::parse)
            .transpose()
            .map_err(invalid("audience"))?;
        let mut opts = VerifyOptions::at(now());
        if let Some(aud) = audience {
            opts = opts.audience(aud);
        }
        let verified =
            jws::verify(token, &keys, &opts).map_err(|e| Error::Invalid(e.to_string()))?;
        let stored = self.store.get_license(verified.claims.sub.as_ref()).await?;
        let state = match &stored {
            Some(row) if row.status != "active" => state::State::Revoked,
            _ => state::State::Active,
        };
        Ok(Verification {
            kid: verified.kid.map(|k| k.as_ref().to_string()),
            state,
            claims: verified.claims,
            stored_status: stored.map(|r| r.status),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn support_periods_read_as_people_write_them() {
        assert_eq!(
            SupportPeriod::parse("12mo").unwrap(),
            SupportPeriod::Months(12)
        );
        assert_eq!(
            SupportPeriod::parse("1y").unwrap(),
            SupportPeriod::Months(12)
        );
        assert_eq!(SupportPeriod::parse("6w").unwrap(), SupportPeriod::Days(42));
        assert!(SupportPeriod::parse("12").is_err());
        assert!(SupportPeriod::parse("0mo").is_err());
        assert!(SupportPeriod::parse("mo").is_err());
    }

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
