//! A paid checkout becomes a license: the catalog's product and plan turned into an issue
//! request (every issuing rule applies), signed, and written with its subscription, payment,
//! audit and outbox rows, and the checkout completed, in one transaction. The checkout
//! completes once: whichever of the webhook and a status query comes second writes nothing.

use std::collections::BTreeMap;

use tessera_license::claims::SeatGrant;
use tessera_license::vocab::{BillingInterval, LicenseKind, PaymentStatus};
use tessera_stripe::{SessionRef, SubscriptionRef};

use crate::catalog::{Plan, Product};
use crate::events::{license_event, LicenseEventType, Source};
use crate::licenses::{license_summary, messages, IssueInput, IssueRequest};
use crate::store::{
    Applied, AuditAction, AuditEvent, CheckoutRow, CommerceWrite, LicenseWrite, PaymentRow,
    StripeEventRow, SubscriptionRow,
};
use crate::{now, Backend, Error, Result};

/// Who the audit log names for what Stripe caused.
pub const STRIPE_ACTOR: &str = "stripe";

/// Money received, and for a subscription what Stripe says it is now.
#[derive(Debug, Clone)]
pub(crate) struct Paid {
    pub subscription: Option<SubscriptionRef>,
    /// The invoice (or, for a one-off purchase, the session) the money came through.
    pub source: String,
    pub amount: i64,
    pub currency: String,
    pub charge: Option<String>,
    pub payment_intent: Option<String>,
    /// The Stripe customer who paid, when the event or session names one.
    pub customer: Option<String>,
}

/// What fulfilling did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fulfilled {
    Issued(String),
    /// The checkout was completed before (or the event handled before).
    AlreadyDone,
}

/// The domains a license for `product` binds: those asked for, else `localhost` when the
/// product does not require one.
pub(crate) fn domains(product: &Product, asked: &[String]) -> Result<Vec<String>> {
    let asked: Vec<String> = asked
        .iter()
        .map(|d| d.trim().to_ascii_lowercase())
        .filter(|d| !d.is_empty())
        .collect();
    for domain in &asked {
        tessera_license::Domain::parse(domain)
            .map_err(|e| Error::invalid(format!("domains: {e}")))?;
    }
    let named = asked.iter().any(|d| d != "localhost");
    if product.spec.domain_required && !named {
        return Err(Error::invalid(format!(
            "domains: a license for {} binds to a domain; name at least one",
            product.spec.slug
        )));
    }
    Ok(if asked.is_empty() {
        vec!["localhost".into()]
    } else {
        asked
    })
}

/// Seats as the token grants them: a pool of `seats` per plugin with billable roles.
pub(crate) fn seat_grants(product: &Product, seats: u32) -> BTreeMap<String, SeatGrant> {
    product
        .spec
        .plugins
        .iter()
        .filter(|(_, roles)| !roles.billable.is_empty())
        .map(|(plugin, _)| {
            (
                plugin.clone(),
                SeatGrant {
                    roles: BTreeMap::new(),
                    pool: Some(seats),
                },
            )
        })
        .collect()
}

/// The issue request a purchase of `plan` with `seats` makes, valid until `expires_at`.
pub(crate) fn purchase(
    product: &Product,
    plan: &Plan,
    seats: u32,
    checkout: &CheckoutRow,
    expires_at: Option<i64>,
) -> Result<IssueRequest> {
    let recurring = plan.spec.interval != BillingInterval::Once;
    let expires_at = match (recurring, expires_at) {
        (true, Some(at)) => Some(
            chrono::DateTime::from_timestamp(at, 0)
                .ok_or_else(|| Error::invalid("expires: out of range"))?
                .to_rfc3339(),
        ),
        (true, None) => {
            return Err(Error::Internal(anyhow::anyhow!(
                "checkout {}: a subscription without a paid period",
                checkout.id
            )))
        }
        (false, _) => None,
    };
    let input = IssueInput {
        email: checkout.email.clone(),
        company: checkout.company.clone(),
        tier: plan.spec.tier.to_string(),
        kind: Some(
            if recurring {
                LicenseKind::Subscription
            } else {
                LicenseKind::Perpetual
            }
            .to_string(),
        ),
        product: product.spec.product_key.clone(),
        plan: Some(plan.spec.lookup_key.clone()),
        expires_at,
        features: product.spec.features.clone(),
        plugins: product.spec.plugins.keys().cloned().collect(),
        domains: checkout
            .domains
            .split(',')
            .filter(|d| !d.is_empty())
            .map(str::to_string)
            .collect(),
        seats: seat_grants(product, seats),
        caps: product.spec.caps.clone(),
        send_email: true,
        ..IssueInput::default()
    };
    IssueRequest::try_from(input)
}

/// The subscription row for `sub`, paying for `license_id`.
pub(crate) fn subscription_row(
    sub: &SubscriptionRef,
    license_id: &str,
    checkout: Option<&str>,
    lookup_key: &str,
    seats: i64,
) -> SubscriptionRow {
    SubscriptionRow {
        id: sub.id.clone(),
        license_id: license_id.to_string(),
        checkout_id: checkout.map(str::to_string),
        customer_id: Some(sub.customer.clone()),
        status: sub.status.clone(),
        lookup_key: lookup_key.to_string(),
        seats,
        current_period_end: sub.current_period_end(),
        cancel_at_period_end: i64::from(sub.cancel_at_period_end),
        ended_at: sub.ended_at,
        updated_at: now(),
    }
}

/// The payment row for `paid`, for the license `license`.
pub(crate) fn payment_row(paid: &Paid, license: &crate::store::LicenseRow) -> PaymentRow {
    PaymentRow {
        id: format!("pay_{}", hex::encode(rand::random::<[u8; 12]>())),
        license_id: license.id.clone(),
        source: paid.source.clone(),
        charge_id: paid.charge.clone(),
        payment_intent_id: paid.payment_intent.clone(),
        amount: paid.amount,
        currency: paid.currency.clone(),
        status: PaymentStatus::Paid,
        amount_refunded: 0,
        refund_id: None,
        product: license.product.clone(),
        company: license.company.clone(),
        email: license.customer_email.clone(),
        paid_at: now(),
    }
}

impl Backend {
    /// What a completed session paid, reading its subscription from Stripe.
    pub(crate) async fn paid_by_session(&self, session: &SessionRef) -> Result<Paid> {
        let subscription = match &session.subscription {
            Some(id) => Some(self.stripe()?.subscription(id).await?),
            None => None,
        };
        let source = session
            .invoice
            .clone()
            .or_else(|| subscription.as_ref().and_then(|s| s.latest_invoice.clone()))
            .unwrap_or_else(|| session.id.clone());
        Ok(Paid {
            subscription,
            source,
            amount: session.amount_total.unwrap_or(0),
            currency: session.currency.clone().unwrap_or_default(),
            charge: None,
            payment_intent: session.payment_intent.clone(),
            customer: session.customer.clone(),
        })
    }

    /// Issues the license `checkout` paid for, once. `event` is recorded in the same
    /// transaction.
    pub(crate) async fn fulfil(
        &self,
        checkout: &CheckoutRow,
        paid: &Paid,
        event: Option<StripeEventRow>,
    ) -> Result<Fulfilled> {
        let catalog = self.catalog().await?;
        let product = catalog
            .products
            .iter()
            .find(|p| p.id == checkout.product_id);
        let plan = product.and_then(|p| p.plans.iter().find(|l| l.id == checkout.plan_id));
        let (Some(product), Some(plan)) = (product, plan) else {
            return Err(Error::Internal(anyhow::anyhow!(
                "checkout {} names a plan the catalog lost",
                checkout.id
            )));
        };
        let seats = u32::try_from(checkout.seats).unwrap_or(plan.spec.seats_included);
        let period_end = paid
            .subscription
            .as_ref()
            .and_then(SubscriptionRef::current_period_end);
        let req = purchase(product, plan, seats, checkout, period_end)?;
        let at = now();
        let (license, claims, token) = self.sign_new(&req, at).await?;
        let org = self.org_for_checkout(checkout, paid, &license.id).await?;
        let details = serde_json::json!({
            "checkout": checkout.id, "plan": plan.spec.lookup_key, "seats": seats,
            "amount": paid.amount, "currency": paid.currency,
        });
        let event = event.map(|mut e| {
            e.outcome = format!("issued license {}", license.id);
            e
        });
        let mut write = CommerceWrite {
            event,
            checkout: Some((checkout.id.clone(), license.id.clone())),
            subscription: paid.subscription.as_ref().map(|s| {
                subscription_row(
                    s,
                    &license.id,
                    Some(&checkout.id),
                    &plan.spec.lookup_key,
                    i64::from(seats),
                )
            }),
            payment: Some(payment_row(paid, &license)),
            coupon_redeemed: checkout.coupon_code.clone(),
            org: Some(org),
            audits: vec![AuditEvent {
                at,
                actor: STRIPE_ACTOR.into(),
                action: AuditAction::LicenseIssued,
                subject: license.id.clone(),
                detail: serde_json::json!({ "after": license_summary(&license), "checkout": checkout.id }),
            }],
            events: vec![license_event(
                LicenseEventType::Issued,
                &license,
                Source::Stripe,
                details,
                at,
            )],
            license: LicenseWrite::Insert(license.clone()),
            payment_change: None,
        };
        if let Some(new) = write.org.as_ref().and_then(|o| o.create.as_ref()) {
            write
                .audits
                .push(crate::customers::org_created(new, STRIPE_ACTOR));
        }
        if self.store.apply_commerce(&write).await? == Applied::AlreadyDone {
            return Ok(Fulfilled::AlreadyDone);
        }
        tracing::info!(license.id = %license.id, stripe.session = %checkout.id, "issued a paid license");
        self.deliver(&messages::issued(&claims, &token)).await;
        Ok(Fulfilled::Issued(license.id))
    }
}
