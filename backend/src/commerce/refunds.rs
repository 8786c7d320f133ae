//! Money given back. From the panel or the API within [`REFUND_WINDOW_SECS`] of the payment:
//! Stripe refunds it and the license ends as refunded at once. From Stripe's events: a full
//! refund ends the license as refunded (`license.refunded`, event `tessera.license.refunded`);
//! a partial refund is recorded on the payment and the license kept; a dispute marks the
//! payment disputed and revokes the license at once.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tessera_license::vocab::{LicenseStatus, PaymentStatus};

use super::fulfil::STRIPE_ACTOR;
use super::webhook::{id_at, Acted, StripeEvent};
use crate::events::{license_event, LicenseEventType, Source};
use crate::licenses::lifecycle::event as license_audit;
use crate::store::{
    AuditAction, CommerceWrite, LicenseRow, LicenseWrite, PaymentChange, PaymentRow,
};
use crate::{now, Backend, Error, Result};

/// How long after its payment a license may be refunded from Tessera.
pub const REFUND_WINDOW_SECS: i64 = 14 * 86_400;

/// Whether a license may be refunded from Tessera now, and why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refundable {
    /// Its latest payment may be refunded until `until` (unix seconds).
    Until {
        until: i64,
        amount: i64,
        currency: String,
    },
    /// Why not, in words.
    No(String),
}

fn date(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

impl Backend {
    /// Whether `license` may be refunded now (what its detail page shows).
    pub async fn refundable(&self, license: &LicenseRow) -> Result<Refundable> {
        let payments = self.store.payments_of(&license.id).await?;
        Ok(match refund_verdict(license, payments.first()) {
            Ok(p) => Refundable::Until {
                until: p.paid_at + REFUND_WINDOW_SECS,
                amount: p.amount,
                currency: p.currency.clone(),
            },
            Err(why) => Refundable::No(why),
        })
    }

    /// Refunds the license's latest payment at Stripe, in full, within the window; the
    /// license ends as refunded at once, with the refund's id in its audit row.
    pub async fn refund_license(&self, id: &str, actor: &str) -> Result<LicenseRow> {
        let stripe = self.stripe()?;
        let license = self.get_license(id).await?;
        let payments = self.store.payments_of(&license.id).await?;
        let payment = refund_verdict(&license, payments.first())
            .map_err(|why| Error::Conflict(format!("license {id} cannot be refunded: {why}")))?;
        if payment.charge_id.is_none() && payment.payment_intent_id.is_none() {
            return Err(Error::Conflict(format!(
                "license {id} cannot be refunded yet: Stripe has not told Tessera the payment's charge (its invoice event is on its way); try again in a minute"
            )));
        }
        let metadata = HashMap::from([("tessera_license".to_string(), id.to_string())]);
        let refund = stripe
            .refund(
                &format!("refund-{}", payment.id),
                payment.charge_id.as_deref(),
                payment.payment_intent_id.as_deref(),
                metadata,
            )
            .await?;
        let reason = format!("refunded by {actor} ({refund})");
        let mut write = CommerceWrite {
            payment_change: Some(PaymentChange {
                id: payment.id.clone(),
                status: PaymentStatus::Refunded,
                amount_refunded: payment.amount,
                refund_id: Some(refund.clone()),
            }),
            ..CommerceWrite::default()
        };
        let details = serde_json::json!({
            "reason": reason, "refund_id": refund, "amount_refunded": payment.amount,
        });
        let by = (actor, Source::of_actor(actor));
        end(
            &mut write,
            &license,
            LicenseStatus::Refunded,
            &reason,
            details,
            by,
        );
        if let Some(audit) = write.audits.last_mut() {
            audit.detail["refund_id"] = refund.clone().into();
        }
        match self.store.apply_commerce(&write).await {
            Ok(_) => tracing::info!(license.id = %id, stripe.refund = %refund, "refunded license"),
            // Stripe's `charge.refunded` got here first and ended the license itself.
            Err(crate::store::StoreError::Conflict(_))
                if self.get_license(id).await?.status == LicenseStatus::Refunded => {}
            Err(other) => return Err(other.into()),
        }
        self.get_license(id).await
    }

    /// `charge.refunded`: a full refund ends the license as refunded.
    pub(super) async fn on_refund(&self, event: &StripeEvent) -> Result<Acted> {
        let o = &event.object;
        let charge = id_at(o, "id").unwrap_or_default();
        let Some(payment) = self.payment_of(o, &charge).await? else {
            return Ok(Acted::Nothing(format!(
                "charge {charge} is not a payment Tessera recorded"
            )));
        };
        if payment.status != PaymentStatus::Paid {
            return Ok(Acted::Nothing(format!(
                "payment {} is {} already",
                payment.id, payment.status
            )));
        }
        let refunded = o["amount_refunded"].as_i64().unwrap_or(0);
        let full = o["refunded"].as_bool().unwrap_or(false) || refunded >= payment.amount;
        let refund_id = o["refunds"]["data"]
            .as_array()
            .and_then(|r| r.first())
            .and_then(|r| id_at(r, "id"));
        let mut write = CommerceWrite {
            payment_change: Some(PaymentChange {
                id: payment.id.clone(),
                status: if full {
                    PaymentStatus::Refunded
                } else {
                    PaymentStatus::Paid
                },
                amount_refunded: refunded,
                refund_id: refund_id.clone(),
            }),
            ..CommerceWrite::default()
        };
        let license = self.get_license(&payment.license_id).await?;
        let outcome = if !full {
            format!(
                "partial refund of {refunded} of payment {} recorded; license {} kept",
                payment.id, license.id
            )
        } else if license.status == LicenseStatus::Active {
            let reason = format!(
                "refunded at Stripe ({})",
                refund_id.as_deref().unwrap_or(&charge)
            );
            end(
                &mut write,
                &license,
                LicenseStatus::Refunded,
                &reason,
                serde_json::json!({
                    "reason": reason, "refund_id": refund_id, "amount_refunded": refunded,
                }),
                (STRIPE_ACTOR, Source::Stripe),
            );
            format!("license {} refunded", license.id)
        } else {
            format!(
                "payment {} refunded; license {} was {} already",
                payment.id, license.id, license.status
            )
        };
        write.event = Some(event.record(&outcome));
        self.apply_acted(&write, outcome).await
    }

    /// `charge.dispute.created`: the payment is disputed and its license revoked now.
    pub(super) async fn on_dispute(&self, event: &StripeEvent) -> Result<Acted> {
        let o = &event.object;
        let charge = id_at(o, "charge").unwrap_or_default();
        let Some(payment) = self.payment_of(o, &charge).await? else {
            return Ok(Acted::Nothing(format!(
                "charge {charge} is not a payment Tessera recorded"
            )));
        };
        let dispute = id_at(o, "id").unwrap_or_default();
        let mut write = CommerceWrite {
            payment_change: Some(PaymentChange {
                id: payment.id.clone(),
                status: PaymentStatus::Disputed,
                amount_refunded: payment.amount_refunded,
                refund_id: None,
            }),
            ..CommerceWrite::default()
        };
        let license = self.get_license(&payment.license_id).await?;
        let outcome = if license.status == LicenseStatus::Active {
            let reason = format!("payment disputed at Stripe ({dispute})");
            end(
                &mut write,
                &license,
                LicenseStatus::Revoked,
                &reason,
                serde_json::json!({ "reason": reason }),
                (STRIPE_ACTOR, Source::Stripe),
            );
            format!("license {} revoked: {reason}", license.id)
        } else {
            format!(
                "payment {} disputed; license {} was {} already",
                payment.id, license.id, license.status
            )
        };
        write.event = Some(event.record(&outcome));
        self.apply_acted(&write, outcome).await
    }

    async fn payment_of(&self, o: &serde_json::Value, charge: &str) -> Result<Option<PaymentRow>> {
        let intent = id_at(o, "payment_intent").unwrap_or_default();
        let invoice = id_at(o, "invoice").unwrap_or_default();
        Ok(self
            .store
            .payment_by_charge(charge, &intent, &invoice)
            .await?)
    }
}

/// Whether `license` may be refunded now through `payment` (its latest): the payment, or why
/// not.
fn refund_verdict<'a>(
    license: &LicenseRow,
    payment: Option<&'a PaymentRow>,
) -> std::result::Result<&'a PaymentRow, String> {
    match payment {
        _ if license.status != LicenseStatus::Active => {
            Err(format!("the license is {}", license.status))
        }
        None => Err("no Stripe payment was made for this license".into()),
        Some(p) if p.status != PaymentStatus::Paid => Err(format!("its payment is {}", p.status)),
        Some(p) if now() > p.paid_at + REFUND_WINDOW_SECS => Err(format!(
            "the refund window closed on {} (14 days after the payment)",
            date(p.paid_at + REFUND_WINDOW_SECS)
        )),
        Some(p) => Ok(p),
    }
}

/// Ends `license` now with `status` (refunded or revoked) and `reason`, by `actor`.
fn end(
    write: &mut CommerceWrite,
    license: &LicenseRow,
    status: LicenseStatus,
    reason: &str,
    details: serde_json::Value,
    (actor, source): (&str, Source),
) {
    let (action, kind) = if status == LicenseStatus::Refunded {
        (AuditAction::LicenseRefunded, LicenseEventType::Refunded)
    } else {
        (AuditAction::LicenseRevoked, LicenseEventType::Revoked)
    };
    let after = serde_json::json!({ "status": status, "reason": reason });
    let audit = license_audit(actor, action, &license.id, license, &after);
    write
        .events
        .push(license_event(kind, license, source, details, audit.at));
    write.audits.push(audit);
    write.license = LicenseWrite::End {
        id: license.id.clone(),
        status,
        reason: reason.to_string(),
    };
}
