//! Acting on what Stripe says now. A subscription or invoice event re-reads the subscription
//! and brings its license in line: a later paid period renews it (signed again with the new
//! `exp`; the install rotates it in at its next heartbeat), a seat or plan change signs it
//! again with the new grants, a status change (past due, cancelled) is recorded and audited.
//! Refunds and disputes are in [`super::refunds`].

use tessera_license::vocab::{LicenseKind, LicenseStatus, SupersedeReason};
use tessera_stripe::SubscriptionRef;

use super::fulfil::{payment_row, seat_grants, subscription_row, Fulfilled, Paid, STRIPE_ACTOR};
use super::webhook::{Acted, StripeEvent};
use crate::catalog::{Catalog, Plan, Product};
use crate::events::{license_event, LicenseEventType, Source};
use crate::licenses::license_summary;
use crate::licenses::lifecycle::event as license_audit;
use crate::store::{
    AuditAction, AuditEvent, CommerceWrite, LicenseRow, LicenseWrite, SubscriptionRow,
};
use crate::{now, Backend, Result};

/// The plan and seat count a subscription's items pay for, if its base item is a plan of
/// the catalog.
fn paid_terms<'a>(
    sub: &SubscriptionRef,
    catalog: &'a Catalog,
) -> Option<(&'a Product, &'a Plan, u32)> {
    let (product, plan) = sub.items.iter().find_map(|item| {
        let key = item.lookup_key.as_deref()?;
        catalog.products.iter().find_map(|p| {
            p.plans
                .iter()
                .find(|l| l.spec.lookup_key == key)
                .map(|l| (p, l))
        })
    })?;
    let extra_key = format!("{}.extra_seat", plan.spec.lookup_key);
    let extra: u64 = sub
        .items
        .iter()
        .filter(|i| i.lookup_key.as_deref() == Some(extra_key.as_str()))
        .map(|i| i.quantity)
        .sum();
    let seats = u64::from(plan.spec.seats_included) + extra;
    Some((product, plan, u32::try_from(seats).unwrap_or(u32::MAX)))
}

fn date(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

impl Backend {
    /// A subscription or invoice event: re-reads subscription `sub_id` and acts on it.
    pub(super) async fn on_subscription(
        &self,
        event: &StripeEvent,
        sub_id: &str,
        paid: Option<Paid>,
    ) -> Result<Acted> {
        let sub = match self.stripe()?.subscription(sub_id).await {
            Ok(sub) => sub,
            Err(tessera_stripe::Error::Refused { status: 404, .. }) => {
                return Ok(Acted::Nothing(format!(
                    "Stripe does not know subscription {sub_id}"
                )))
            }
            Err(other) => return Err(other.into()),
        };
        let paid = paid.map(|p| Paid {
            subscription: Some(sub.clone()),
            ..p
        });
        let Some(row) = self.store.subscription(&sub.id).await? else {
            return self.first_payment(event, &sub, paid).await;
        };
        let license = self.get_license(&row.license_id).await?;
        let catalog = self.catalog().await?;
        let mut write = CommerceWrite::default();
        let mut said = Vec::new();
        let terms = paid_terms(&sub, &catalog);
        let (lookup_key, seats) = terms
            .map_or((row.lookup_key.clone(), row.seats), |(_, plan, seats)| {
                (plan.spec.lookup_key.clone(), i64::from(seats))
            });
        let period_end = sub.current_period_end();
        if license.status == LicenseStatus::Active && license.kind == LicenseKind::Subscription {
            let paying = matches!(sub.status.as_str(), "active" | "trialing");
            let later =
                period_end.filter(|end| paying && license.expires_at.is_none_or(|exp| *end > exp));
            let changed = terms.filter(|_| {
                matches!(sub.status.as_str(), "active" | "trialing" | "past_due")
                    && (lookup_key != row.lookup_key || seats != row.seats)
            });
            if later.is_some() || changed.is_some() {
                self.resign(&mut write, &license, later, changed, &sub)
                    .await?;
                if let Some(end) = later {
                    said.push(format!(
                        "renewed license {} until {}",
                        license.id,
                        date(end)
                    ));
                }
                if changed.is_some() {
                    said.push(format!(
                        "license {} now grants {lookup_key} with {seats} seats",
                        license.id
                    ));
                }
            }
        } else {
            said.push(format!(
                "license {} is {}; left as it is",
                license.id, license.status
            ));
        }
        if row.status != sub.status
            || i64::from(sub.cancel_at_period_end) != row.cancel_at_period_end
        {
            said.push(status_change(&mut write, &row, &sub, &license));
        }
        write.subscription = Some(subscription_row(
            &sub,
            &license.id,
            row.checkout_id.as_deref(),
            &lookup_key,
            seats,
        ));
        if let Some(paid) = &paid {
            write.payment = Some(payment_row(paid, &license));
            said.push(format!("payment {} recorded", paid.source));
        }
        if said.is_empty() {
            said.push(format!(
                "license {} already matches subscription {}",
                license.id, sub.id
            ));
        }
        let outcome = said.join("; ");
        write.event = Some(event.record(&outcome));
        self.apply_acted(&write, outcome).await
    }

    /// A paid invoice for a subscription Tessera has not linked yet: the checkout named in
    /// its metadata is fulfilled from here (the session's own event then finds it done).
    async fn first_payment(
        &self,
        event: &StripeEvent,
        sub: &SubscriptionRef,
        paid: Option<Paid>,
    ) -> Result<Acted> {
        let reference = sub.metadata.get("tessera_checkout");
        let checkout = match reference {
            Some(r) => self.store.checkout_by_reference(r).await?,
            None => None,
        };
        let Some(checkout) = checkout else {
            return Ok(Acted::Nothing(format!(
                "subscription {} is not one Tessera sold",
                sub.id
            )));
        };
        let Some(paid) = paid else {
            return Ok(Acted::Nothing(format!(
                "subscription {} waits for its checkout {} to be paid",
                sub.id, checkout.id
            )));
        };
        match self
            .fulfil(&checkout, &paid, Some(event.record("")))
            .await?
        {
            Fulfilled::Issued(license) => Ok(Acted::Wrote(format!("issued license {license}"))),
            Fulfilled::AlreadyDone => Ok(Acted::Nothing(format!(
                "checkout {} was completed before",
                checkout.id
            ))),
        }
    }

    /// Signs `license` again: until `until` when later, with `changed` plan and seats.
    async fn resign(
        &self,
        write: &mut CommerceWrite,
        license: &LicenseRow,
        until: Option<i64>,
        changed: Option<(&Product, &Plan, u32)>,
        sub: &SubscriptionRef,
    ) -> Result<()> {
        let old = &license.claims;
        let mut lic = old.lic.clone();
        if let Some((product, plan, seats)) = changed {
            lic.seats = seat_grants(product, seats);
            lic.plan = Some(plan.spec.lookup_key.clone());
            lic.tier = plan.spec.tier;
        }
        let exp = until.or(old.exp);
        let (row, claims, _token) = self.sign_again(license, exp, lic, now()).await?;
        let mut audit = license_audit(
            STRIPE_ACTOR,
            AuditAction::LicenseRenewed,
            &license.id,
            license,
            &license_summary(&row),
        );
        audit.detail["subscription"] = sub.id.clone().into();
        let details = serde_json::json!({
            "expires_at": exp, "previous_expires_at": old.exp, "subscription": sub.id,
            "plan": claims.lic.plan, "seats": changed.map(|(_, _, s)| s),
        });
        write.events.push(license_event(
            LicenseEventType::Renewed,
            &row,
            Source::Stripe,
            details,
            audit.at,
        ));
        write.audits.push(audit);
        write.license = LicenseWrite::Replace(row, SupersedeReason::Renewed);
        Ok(())
    }
}

/// Audits a subscription's change of status; answers it in words.
fn status_change(
    write: &mut CommerceWrite,
    row: &SubscriptionRow,
    sub: &SubscriptionRef,
    license: &LicenseRow,
) -> String {
    let lapses = matches!(sub.status.as_str(), "canceled" | "incomplete_expired")
        || sub.cancel_at_period_end;
    write.audits.push(AuditEvent {
        at: now(),
        actor: STRIPE_ACTOR.into(),
        action: AuditAction::SubscriptionChanged,
        subject: license.id.clone(),
        detail: serde_json::json!({
            "subscription": sub.id, "before": row.status, "after": sub.status,
            "cancel_at_period_end": sub.cancel_at_period_end,
            "lapses_at": lapses.then_some(license.expires_at).flatten(),
        }),
    });
    match (sub.status.as_str(), license.expires_at) {
            ("canceled" | "incomplete_expired", Some(exp)) => format!(
                "subscription {} {}: license {} lapses at its expiry {}",
                sub.id, sub.status, license.id, date(exp)
            ),
            (_, Some(exp)) if sub.cancel_at_period_end => format!(
                "subscription {} ends with its period: license {} lapses at {}",
                sub.id, license.id, date(exp)
            ),
            ("past_due" | "unpaid", _) => format!(
                "subscription {} is {}: Stripe retries the payment; license {} runs to its expiry, then grace",
                sub.id, sub.status, license.id
            ),
            _ => format!("subscription {} is {}", sub.id, sub.status),
        }
}
