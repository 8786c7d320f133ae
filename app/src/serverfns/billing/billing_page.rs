use leptos::prelude::*;

use super::BillingView;

/// `/billing` for the org `org` (the customer's first when empty). `checkout` is the Stripe
/// Checkout the customer just came back from: asked about until its license exists.
#[server(prefix = "/api", endpoint = "billing_page")]
pub async fn billing_page(
    org: String,
    checkout: Option<String>,
) -> Result<BillingView, ServerFnError> {
    use super::{BilledEntry, InvoiceEntry, MemberEntry, Offer, OfferPlan, OrgChoice, Purchase};
    use crate::serverfns::guard::{customer, map_error};
    use tessera_backend::catalog::money;
    use tessera_license::vocab::OrgRole;

    let (backend, me) = customer()?;
    // Asked first: the status call may issue the license the page then lists.
    let purchase = match checkout.filter(|c| !c.is_empty()) {
        Some(id) => {
            let view = backend
                .org_checkout_status(&me, &org, &id)
                .await
                .map_err(map_error)?;
            Some(Purchase {
                finished: view.license_id.is_some(),
                license_id: view.license_id,
            })
        }
        None => None,
    };
    let billing = backend.org_billing(&me, &org).await.map_err(map_error)?;
    let now = tessera_backend::now();
    let stripe = billing.stripe;
    Ok(BillingView {
        invoices: stripe
            .invoices
            .into_iter()
            .map(|i| InvoiceEntry {
                number: i.number.unwrap_or_else(|| "draft".into()),
                created: i.created,
                amount: money(i.total, &i.currency),
                status: i.status.unwrap_or_default(),
                pdf: i.invoice_pdf,
            })
            .collect(),
        card: stripe.card.map(|c| {
            format!(
                "{} •••• {}, expires {:02}/{}",
                c.brand, c.last4, c.exp_month, c.exp_year
            )
        }),
        stripe_customer: stripe.customer,
        stripe_unavailable: stripe.unavailable,
        slug: billing.org.slug,
        name: billing.org.name,
        billing_email: billing.org.billing_email,
        owner: billing.role == OrgRole::Owner,
        email: me.email,
        orgs: billing
            .memberships
            .into_iter()
            .map(|m| OrgChoice {
                slug: m.slug,
                name: m.name,
            })
            .collect(),
        past_due: billing.past_due,
        licenses: billing
            .licenses
            .into_iter()
            .map(|b| BilledEntry {
                expired: b.license.expires_at.is_some_and(|exp| exp <= now),
                id: b.license.id,
                product: b.license.product,
                plan: b.license.plan,
                tier: b.license.tier,
                kind: b.license.kind,
                status: b.license.status,
                seats: b.seats,
                renews_at: b.renews_at,
                lapses_at: b.lapses_at,
                subscription: b.subscription.map(|s| s.status),
                converted: b.trial.as_ref().is_some_and(|t| t.converted_at.is_some()),
                trial: b.trial.is_some(),
                usage: b.usage.map(usage_entry),
            })
            .collect(),
        members: billing
            .members
            .into_iter()
            .map(|m| MemberEntry {
                customer_id: m.customer_id,
                email: m.email,
                role: m.role,
            })
            .collect(),
        offers: billing
            .offers
            .into_iter()
            .map(|p| Offer {
                slug: p.slug,
                name: p.name,
                trial_days: p.trial.map(|t| t.days),
                domain_required: p.domain_required,
                plans: p
                    .plans
                    .into_iter()
                    .map(|l| OfferPlan {
                        extra_seat: l.extra_seat_unit_amount.map(|a| money(a, &l.currency)),
                        lookup_key: l.lookup_key,
                        tier: l.tier,
                        interval: l.interval,
                        price: l.price,
                        seats_included: l.seats_included,
                    })
                    .collect(),
                coupons: p
                    .coupons
                    .into_iter()
                    .map(|c| format!("{}: {}", c.code, c.discount))
                    .collect(),
            })
            .collect(),
        purchase,
    })
}

#[cfg(feature = "ssr")]
fn usage_entry(usage: tessera_backend::usage::LicenseUsage) -> super::UsageEntry {
    let seats = usage.seats.into_iter().map(|l| super::UsageLineEntry {
        label: format!("{} seats", l.name),
        used: l.used,
        licensed: l.licensed,
    });
    let caps = usage.caps.into_iter().map(|l| super::UsageLineEntry {
        label: l.name,
        used: l.used,
        licensed: l.licensed,
    });
    super::UsageEntry {
        reported_at: usage.reported_at,
        lines: seats.chain(caps).collect(),
    }
}
