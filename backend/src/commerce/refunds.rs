//! Money given back: a full refund ends the license as refunded (`license.refunded`, event
//! `tessera.license.refunded`); a partial refund is recorded on the payment and the license
//! kept; a dispute marks the payment disputed and revokes the license at once.

use tessera_license::vocab::{LicenseStatus, PaymentStatus};

use super::fulfil::STRIPE_ACTOR;
use super::webhook::{id_at, Acted, StripeEvent};
use crate::events::{license_event, LicenseEventType, Source};
use crate::licenses::lifecycle::event as license_audit;
use crate::store::{
    AuditAction, CommerceWrite, LicenseRow, LicenseWrite, PaymentChange, PaymentRow,
};
use crate::{Backend, Result};

impl Backend {
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

/// Ends `license` now with `status` (refunded or revoked) and `reason`.
fn end(
    write: &mut CommerceWrite,
    license: &LicenseRow,
    status: LicenseStatus,
    reason: &str,
    details: serde_json::Value,
) {
    let (action, kind) = if status == LicenseStatus::Refunded {
        (AuditAction::LicenseRefunded, LicenseEventType::Refunded)
    } else {
        (AuditAction::LicenseRevoked, LicenseEventType::Revoked)
    };
    let after = serde_json::json!({ "status": status, "reason": reason });
    let audit = license_audit(STRIPE_ACTOR, action, &license.id, license, &after);
    write.events.push(license_event(
        kind,
        license,
        Source::Stripe,
        details,
        audit.at,
    ));
    write.audits.push(audit);
    write.license = LicenseWrite::End {
        id: license.id.clone(),
        status,
        reason: reason.to_string(),
    };
}
