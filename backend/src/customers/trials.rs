//! Free trials: one at a time per org (a "group") and product, then a cooldown (the product's
//! `trial.cooldown_days`, counted from the trial's end) before the same org may trial it
//! again; never while the org holds a paid license of it. The trial's token is e-mailed to
//! the org's owner (and answered once to the API caller). Buying the product converts the
//! trial: the paid license starts at once while the trial still runs, so there is no gap.

use serde::{Deserialize, Serialize};
use tessera_license::vocab::{AuditAction, LicenseKind, LicenseStatus, OrgRole, Tier};

use super::{new_org, org_created, CustomerUser};
use crate::catalog::Product;
use crate::commerce::fulfil::{domains, seat_grants};
use crate::licenses::request::{IssueInput, IssueRequest};
use crate::licenses::{license_summary, messages, Issued};
use crate::store::{AuditEvent, LicenseRow, NewOrg, OrgRow, TrialRow};
use crate::{now, Backend, Error, Result};

/// Longest trial an API call may ask for.
pub const MAX_TRIAL_DAYS: u32 = 365;

/// `POST /api/v1/trials/{group}`. Missing fields read as empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrialInput {
    /// The product's slug.
    pub product: String,
    /// Overrides the product's trial length.
    pub days: Option<u32>,
    /// The owner, when the group does not exist yet: it is made with them as its owner.
    pub email: Option<String>,
    /// The new group's name (its slug's words when absent).
    pub company: Option<String>,
    /// Domains the trial license binds; `localhost` when empty and the product allows it.
    pub domains: Vec<String>,
}

fn refused(code: &'static str, message: String) -> Error {
    Error::Refused { code, message }
}

fn day(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map_or_else(|| at.to_string(), |d| d.format("%Y-%m-%d").to_string())
}

/// Who gets the trial: an org that exists, or one made with it.
enum Holder {
    Org(OrgRow),
    New(NewOrg),
}

impl Holder {
    fn org(&self) -> &OrgRow {
        match self {
            Holder::Org(org) => org,
            Holder::New(new) => &new.org,
        }
    }
}

impl Backend {
    /// Starts a trial of `input.product` for the group `slug` (the internal API); makes the
    /// group when it does not exist and `input.email` names its owner.
    pub async fn start_group_trial(
        &self,
        slug: &str,
        input: &TrialInput,
        actor: &str,
    ) -> Result<Issued> {
        self.vendor_only()?;
        let holder = match self.store.org_by_slug(slug).await? {
            Some(org) => Holder::Org(org),
            None => {
                let Some(email) = input.email.as_deref() else {
                    return Err(Error::NotFound(format!(
                        "group {slug} (give `email` to make it, with that owner)"
                    )));
                };
                super::valid_slug(slug)?;
                let owner = crate::auth::login_name(email)
                    .map_err(|e| Error::invalid(format!("email: {e}")))?;
                let name = super::org_name(input.company.as_deref().unwrap_or(slug))?;
                Holder::New(new_org(&name, slug.to_string(), &owner, actor, None))
            }
        };
        if let Some(days) = input.days {
            if !(1..=MAX_TRIAL_DAYS).contains(&days) {
                return Err(Error::invalid(format!("days: 1 to {MAX_TRIAL_DAYS}")));
            }
        }
        self.start_trial(holder, &input.product, input.days, &input.domains, actor)
            .await
    }

    /// An owner starts the product's free trial for their org `slug` from `/billing`; the
    /// token is e-mailed to them.
    pub async fn start_org_trial(
        &self,
        by: &CustomerUser,
        slug: &str,
        product: &str,
    ) -> Result<LicenseRow> {
        let (_, org) = self.member_org(by, slug, OrgRole::Owner).await?;
        let issued = self
            .start_trial(Holder::Org(org), product, None, &[], &by.email)
            .await?;
        Ok(issued.license)
    }

    async fn start_trial(
        &self,
        holder: Holder,
        product: &str,
        days: Option<u32>,
        asked_domains: &[String],
        actor: &str,
    ) -> Result<Issued> {
        let catalog = self.catalog().await?;
        let Some(product) = catalog
            .products
            .iter()
            .find(|p| p.spec.slug == product.trim() && p.spec.active)
        else {
            return Err(Error::invalid(format!(
                "product: no product {product:?} is on sale"
            )));
        };
        let Some(terms) = product.spec.trial else {
            return Err(refused(
                "no_trial",
                format!("{} offers no free trial", product.spec.name),
            ));
        };
        let org = holder.org().clone();
        let at = now();
        let round = self
            .trial_allowed(&org, product, terms.cooldown_days, at)
            .await?;
        let days = days.unwrap_or(terms.days);
        let owner = match &holder {
            Holder::New(new) => new.owner_email.clone(),
            Holder::Org(_) => org.billing_email.clone(),
        };
        let req = trial_request(product, &org, &owner, days, asked_domains, at)?;
        let (license, claims, token) = self.sign_new(&req, at).await?;
        let trial = TrialRow {
            id: format!("trl_{}", hex::encode(rand::random::<[u8; 12]>())),
            org_id: org.id.clone(),
            product_id: product.id.clone(),
            round,
            license_id: license.id.clone(),
            started_at: at,
            ends_at: license.expires_at.unwrap_or(at),
            converted_at: None,
        };
        let mut audits = Vec::new();
        if let Holder::New(new) = &holder {
            audits.push(org_created(new, actor));
        }
        audits.push(AuditEvent {
            at,
            actor: actor.to_string(),
            action: AuditAction::LicenseIssued,
            subject: license.id.clone(),
            detail: serde_json::json!({ "after": license_summary(&license), "trial": trial.id }),
        });
        audits.push(AuditEvent {
            at,
            actor: actor.to_string(),
            action: AuditAction::TrialStarted,
            subject: org.id.clone(),
            detail: serde_json::json!({
                "product": product.spec.slug, "license": license.id, "days": days,
                "ends_at": trial.ends_at, "round": round,
            }),
        });
        let create = match &holder {
            Holder::New(new) => Some(new),
            Holder::Org(_) => None,
        };
        self.store
            .start_trial(&license, &trial, create, &audits)
            .await?;
        tracing::info!(org.slug = %org.slug, license.id = %license.id, days, "trial started");
        let mail_error = self.deliver(&messages::issued(&claims, &token)).await;
        Ok(Issued {
            license,
            claims,
            token,
            mail_error,
        })
    }

    /// The round of the org's next trial of `product`, or why it may not start one now.
    async fn trial_allowed(
        &self,
        org: &OrgRow,
        product: &Product,
        cooldown_days: u32,
        at: i64,
    ) -> Result<i64> {
        let licenses = self.store.org_licenses(&org.id).await?;
        let paid = licenses.iter().any(|l| {
            l.product == product.spec.product_key
                && l.kind != LicenseKind::Trial
                && l.status == LicenseStatus::Active
                && l.expires_at.is_none_or(|exp| exp > at)
        });
        if paid {
            return Err(refused(
                "already_licensed",
                format!(
                    "{} already holds a paid license of {}",
                    org.name, product.spec.name
                ),
            ));
        }
        let trials = self.store.org_trials(&org.id).await?;
        let Some(last) = trials
            .iter()
            .filter(|t| t.product_id == product.id)
            .max_by_key(|t| t.round)
        else {
            return Ok(1);
        };
        if last.ends_at > at && last.converted_at.is_none() {
            return Err(refused(
                "trial_active",
                format!(
                    "{} is already trialling {} until {}",
                    org.name,
                    product.spec.name,
                    day(last.ends_at)
                ),
            ));
        }
        let again = last.ends_at + i64::from(cooldown_days) * 86_400;
        if at < again {
            return Err(refused(
                "trial_cooldown",
                format!(
                    "{} trialled {} until {}; it may start another trial on {}",
                    org.name,
                    product.spec.name,
                    day(last.ends_at),
                    day(again)
                ),
            ));
        }
        Ok(last.round + 1)
    }
}

/// The license a trial of `product` for `org` signs: the product's features, caps and
/// plugins with the smallest plan's seats, for `days`.
fn trial_request(
    product: &Product,
    org: &OrgRow,
    owner: &str,
    days: u32,
    asked_domains: &[String],
    at: i64,
) -> Result<IssueRequest> {
    let seats = product
        .plans
        .iter()
        .filter(|p| p.spec.active)
        .map(|p| p.spec.seats_included)
        .min()
        .unwrap_or(product.spec.seats.min)
        .max(1);
    let expires = chrono::DateTime::from_timestamp(at + i64::from(days) * 86_400, 0)
        .ok_or_else(|| Error::invalid("days: out of range"))?
        .to_rfc3339();
    IssueRequest::try_from(IssueInput {
        email: owner.to_string(),
        company: org.name.clone(),
        tier: Tier::Trial.to_string(),
        kind: Some(LicenseKind::Trial.to_string()),
        product: product.spec.product_key.clone(),
        expires_at: Some(expires),
        features: product.spec.features.clone(),
        plugins: product.spec.plugins.keys().cloned().collect(),
        domains: domains(product, asked_domains)?,
        seats: seat_grants(product, seats),
        caps: product.spec.caps.clone(),
        send_email: true,
        ..IssueInput::default()
    })
}
