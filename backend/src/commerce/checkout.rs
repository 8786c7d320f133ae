//! Opening a Stripe Checkout for a customer: the request read against the catalog (plan,
//! seat bounds, coupon rules, `max_license_total`, the caps of this Tessera's own tier), the
//! hosted session made at Stripe with Tessera's metadata, and the checkout recorded. Asking
//! about a checkout that is still pending asks Stripe, and issues when it is paid.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tessera_license::vocab::{BillingInterval, CheckoutStatus};
use tessera_license::Email;
use tessera_stripe::NewCheckout;

use super::choice::{choose, refuse, stripe_coupon, url, Chosen};
use crate::catalog::{Plan, Product};
use crate::licenses::request::MAX_COMPANY;
use crate::store::{AuditAction, AuditEvent, CheckoutRow, OrgRow};
use crate::{now, Backend, Error, Result};

/// How long Stripe keeps a checkout session open: a pending checkout younger than this still
/// holds its place under `max_license_total`.
pub const SESSION_LIFETIME_SECS: i64 = 24 * 3600;

/// What a caller asks to sell. Missing fields read as empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CheckoutInput {
    /// The customer's group or organisation: the license's company.
    pub company: String,
    pub email: String,
    /// The product's slug.
    pub product: String,
    /// The plan's lookup key.
    pub plan: String,
    /// Seats wanted; the plan's included seats when absent (and never fewer).
    pub seats: Option<u32>,
    pub coupon: Option<String>,
    /// Domains the license binds; `localhost` when empty and the product allows it.
    pub domains: Vec<String>,
    /// Where Stripe sends the customer after paying (`{CHECKOUT_SESSION_ID}` is replaced).
    pub success_url: Option<String>,
    /// Where Stripe sends a customer who gives up.
    pub cancel_url: Option<String>,
}

/// A checkout as callers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckoutView {
    /// The Stripe Checkout Session id.
    pub id: String,
    /// Where the customer pays.
    pub url: String,
    pub status: CheckoutStatus,
    /// Set once the license is issued.
    pub license_id: Option<String>,
    pub product: String,
    pub plan: String,
    pub seats: i64,
    pub coupon: Option<String>,
}

impl Backend {
    /// Opens a hosted Stripe Checkout for `input`; answers where the customer pays.
    pub async fn start_checkout(&self, input: &CheckoutInput, actor: &str) -> Result<CheckoutView> {
        self.open_checkout(input, actor, None).await
    }

    /// Opens a checkout, for `org` when a signed-in customer buys for it: the session is
    /// then its Stripe customer's, and the license its.
    pub(crate) async fn open_checkout(
        &self,
        input: &CheckoutInput,
        actor: &str,
        org: Option<&OrgRow>,
    ) -> Result<CheckoutView> {
        let stripe = self.stripe()?;
        let company = input.company.trim();
        if company.is_empty() || company.chars().count() > MAX_COMPANY {
            return Err(refuse(
                "company",
                format!("the customer's group or organisation, 1 to {MAX_COMPANY} characters"),
            ));
        }
        let email = Email::parse(input.email.trim()).map_err(|e| refuse("email", e))?;
        let catalog = self.catalog().await?;
        let chosen = choose(&catalog, input)?;
        let domains = super::fulfil::domains(chosen.product, &input.domains)?;
        self.check_sellable(&chosen).await?;
        let (product, plan) = (chosen.product, chosen.plan);
        let price = plan.stripe_price_id.clone().ok_or_else(|| {
            Error::Conflict(format!(
                "plan {} is not in Stripe yet: run `tessera stripe sync-products`",
                plan.spec.lookup_key
            ))
        })?;
        let mut items = vec![(price, 1)];
        let extra = chosen.seats - plan.spec.seats_included;
        if extra > 0 {
            let seat_price = plan.stripe_extra_seat_price_id.clone().ok_or_else(|| {
                Error::Conflict(format!(
                    "plan {}'s extra seats are not in Stripe yet: run `tessera stripe sync-products`",
                    plan.spec.lookup_key
                ))
            })?;
            items.push((seat_price, u64::from(extra)));
        }
        let coupon = match chosen.coupon {
            Some(c) => {
                let terms = stripe_coupon(c);
                stripe.ensure_coupon(&terms).await?;
                Some(terms.id)
            }
            None => None,
        };
        let reference = format!("chk_{}", hex::encode(rand::random::<[u8; 12]>()));
        let metadata = HashMap::from([
            ("tessera_checkout".to_string(), reference.clone()),
            ("tessera_product".to_string(), product.spec.slug.clone()),
            ("tessera_plan".to_string(), plan.spec.lookup_key.clone()),
            ("tessera_seats".to_string(), chosen.seats.to_string()),
            ("tessera_domains".to_string(), domains.join(",")),
        ]);
        let public = self.config.public_url.trim_end_matches('/');
        let session = stripe
            .create_checkout(&NewCheckout {
                key: format!("checkout-{reference}"),
                recurring: plan.spec.interval != BillingInterval::Once,
                items,
                customer_email: email.as_ref().to_string(),
                customer: org.and_then(|o| o.stripe_customer_id.clone()),
                client_reference_id: reference.clone(),
                metadata,
                coupon,
                success_url: url(
                    "success_url",
                    input.success_url.as_deref(),
                    format!("{public}/licenses"),
                )?,
                cancel_url: url(
                    "cancel_url",
                    input.cancel_url.as_deref(),
                    format!("{public}/licenses"),
                )?,
            })
            .await?;
        let at = now();
        let row = CheckoutRow {
            id: session.id.clone(),
            reference: reference.clone(),
            product_id: product.id.clone(),
            plan_id: plan.id.clone(),
            seats: i64::from(chosen.seats),
            coupon_code: chosen.coupon.map(|c| c.spec.code.clone()),
            domains: domains.join(","),
            company: company.to_string(),
            email: email.as_ref().to_string(),
            url: session.url.clone().unwrap_or_default(),
            status: CheckoutStatus::Pending,
            license_id: None,
            created_by: actor.to_string(),
            created_at: at,
            completed_at: None,
            org_id: org.map(|o| o.id.clone()),
        };
        let audit = AuditEvent {
            at,
            actor: actor.to_string(),
            action: AuditAction::CheckoutCreated,
            subject: row.id.clone(),
            detail: serde_json::json!({
                "product": product.spec.slug, "plan": plan.spec.lookup_key, "seats": row.seats,
                "coupon": row.coupon_code, "company": row.company, "email": row.email,
                "org": row.org_id,
            }),
        };
        self.store.insert_checkout(&row, &audit).await?;
        tracing::info!(stripe.session = %row.id, plan = %plan.spec.lookup_key, "checkout opened");
        Ok(view(&row, product, plan))
    }

    /// Refuses what this Tessera may not sell: subscriptions without `recurring_billing`,
    /// and a one-off plan once `max_license_total` licenses are sold or being paid for.
    async fn check_sellable(&self, chosen: &Chosen<'_>) -> Result<()> {
        let (product, plan) = (chosen.product, chosen.plan);
        if plan.spec.interval != BillingInterval::Once {
            let caps = self.catalog_caps().await?;
            if !caps.recurring_billing {
                return Err(Error::CapReached(format!(
                    "recurring_billing: {} is billed every {}, and this Tessera runs at {}, which sells one-off plans only",
                    plan.spec.lookup_key, plan.spec.interval, caps.source
                )));
            }
            return Ok(());
        }
        let Some(max) = product.spec.max_license_total else {
            return Ok(());
        };
        let taken = self
            .store
            .count_one_off_checkouts(&product.id, now() - SESSION_LIFETIME_SECS)
            .await?;
        if taken >= i64::from(max) {
            return Err(Error::Conflict(format!(
                "max_license_total: all {max} licenses of {} are sold or being paid for",
                product.spec.slug
            )));
        }
        Ok(())
    }

    /// The checkout `id`. While it is pending, Stripe is asked: a paid session issues its
    /// license here (exactly once, whichever of this and the webhook comes first).
    pub async fn checkout_status(&self, id: &str) -> Result<CheckoutView> {
        let row = self.known_checkout(id).await?;
        let row = if row.status == CheckoutStatus::Pending {
            self.settle_checkout(row).await?
        } else {
            row
        };
        let catalog = self.catalog().await?;
        let product = catalog.products.iter().find(|p| p.id == row.product_id);
        let plan = product.and_then(|p| p.plans.iter().find(|l| l.id == row.plan_id));
        match (product, plan) {
            (Some(product), Some(plan)) => Ok(view(&row, product, plan)),
            _ => Err(Error::Internal(anyhow::anyhow!(
                "checkout {id} names a plan the catalog lost"
            ))),
        }
    }

    pub(crate) async fn known_checkout(&self, id: &str) -> Result<CheckoutRow> {
        let plausible =
            id.len() <= 255 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        let row = if plausible {
            self.store.checkout(id).await?
        } else {
            None
        };
        row.ok_or_else(|| Error::NotFound(format!("checkout {id:?}")))
    }

    /// Asks Stripe about a pending checkout and acts on what it says.
    async fn settle_checkout(&self, row: CheckoutRow) -> Result<CheckoutRow> {
        let session = self.stripe()?.checkout_session(&row.id).await?;
        match (session.status.as_str(), session.payment_status.as_str()) {
            ("complete", "paid" | "no_payment_required") => {
                let paid = self.paid_by_session(&session).await?;
                self.fulfil(&row, &paid, None).await?;
            }
            ("expired", _) => self.store.expire_checkout(&row.id).await?,
            _ => return Ok(row),
        }
        self.known_checkout(&row.id).await
    }
}

fn view(row: &CheckoutRow, product: &Product, plan: &Plan) -> CheckoutView {
    CheckoutView {
        id: row.id.clone(),
        url: row.url.clone(),
        status: row.status,
        license_id: row.license_id.clone(),
        product: product.spec.slug.clone(),
        plan: plan.spec.lookup_key.clone(),
        seats: row.seats,
        coupon: row.coupon_code.clone(),
    }
}
