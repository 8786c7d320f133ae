//! `tessera stripe sync-products`: every catalog product becomes a Stripe product and every
//! plan a Stripe price carrying the plan's lookup key (and, when extra seats are sold, a
//! price per extra seat under `<lookup_key>.extra_seat`). A changed amount, currency or
//! interval is a new Stripe price that takes the lookup key over (Stripe prices cannot
//! change); the old price is deactivated. A second run finds everything in place and
//! changes nothing. Each step is recorded as it succeeds, so an interrupted sync resumes.

use std::collections::HashMap;

use tessera_stripe::{PriceRef, PriceTerms, Stripe};

use crate::catalog::{money, Plan, Product};
use crate::{Backend, Result};

/// Where a sync stands, for a progress bar: `done` of `total` products, now at `slug`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress<'a> {
    pub done: usize,
    pub total: usize,
    pub slug: &'a str,
}

/// One price a plan needs: its lookup key, terms, and whether it is for sale.
struct Wanted {
    lookup_key: String,
    terms: PriceTerms,
    active: bool,
}

fn wanted(plan: &Plan, stripe_product: &str, name: &str) -> Vec<Wanted> {
    let spec = &plan.spec;
    let interval = match spec.interval {
        tessera_license::vocab::BillingInterval::Once => None,
        other => Some(other.as_str().to_string()),
    };
    let price = |lookup_key: String, amount: i64, nickname: String| Wanted {
        terms: PriceTerms {
            product: stripe_product.to_string(),
            currency: spec.currency.clone(),
            unit_amount: amount,
            interval: interval.clone(),
            lookup_key: lookup_key.clone(),
            nickname,
        },
        lookup_key,
        active: spec.active,
    };
    let mut out = vec![price(
        spec.lookup_key.clone(),
        spec.unit_amount,
        format!("{name} {} ({} seats)", spec.tier, spec.seats_included),
    )];
    if let Some(extra) = spec.extra_seat_unit_amount {
        out.push(price(
            format!("{}.extra_seat", spec.lookup_key),
            extra,
            format!("{name} {}: extra seat", spec.tier),
        ));
    }
    out
}

fn describe(w: &Wanted) -> String {
    let every = w
        .terms
        .interval
        .as_deref()
        .map_or(String::new(), |i| format!("/{i}"));
    format!(
        "{} {}{every}",
        w.lookup_key,
        money(w.terms.unit_amount, &w.terms.currency)
    )
}

impl Backend {
    /// Pushes the catalog to Stripe, calling `progress` before each product. Answers what
    /// changed, one line each (none: Stripe already matched).
    pub async fn sync_products(
        &self,
        mut progress: impl FnMut(Progress<'_>),
    ) -> Result<Vec<String>> {
        let stripe = self.stripe()?;
        let catalog = self.catalog().await?;
        let total = catalog.products.len();
        let mut changes = Vec::new();
        for (done, product) in catalog.products.iter().enumerate() {
            progress(Progress {
                done,
                total,
                slug: &product.spec.slug,
            });
            let stripe_product = self.sync_product(stripe, product, &mut changes).await?;
            for plan in &product.plans {
                let mut ids = Vec::new();
                for want in wanted(plan, &stripe_product, &product.spec.name) {
                    ids.push(sync_price(stripe, &plan.id, &want, &mut changes).await?);
                }
                let (price, extra) = (
                    ids.first().cloned().flatten(),
                    ids.get(1).cloned().flatten(),
                );
                if (price.as_ref(), extra.as_ref())
                    != (
                        plan.stripe_price_id.as_ref(),
                        plan.stripe_extra_seat_price_id.as_ref(),
                    )
                {
                    self.store
                        .set_stripe_prices(&plan.id, price.as_deref(), extra.as_deref())
                        .await?;
                }
            }
        }
        progress(Progress {
            done: total,
            total,
            slug: "",
        });
        Ok(changes)
    }

    async fn sync_product(
        &self,
        stripe: &Stripe,
        product: &Product,
        changes: &mut Vec<String>,
    ) -> Result<String> {
        let spec = &product.spec;
        if let Some(id) = &product.stripe_product_id {
            match stripe.product(id).await {
                Ok(have) => {
                    if have.name != spec.name || have.active != spec.active {
                        stripe.update_product(id, &spec.name, spec.active).await?;
                        changes.push(format!("~ product {} ({id}): name, active", spec.slug));
                    }
                    return Ok(id.clone());
                }
                // Stripe no longer knows it (deleted, or recorded in test mode before the
                // live key): make it again.
                Err(tessera_stripe::Error::Refused { status: 404, .. }) => {}
                Err(other) => return Err(other.into()),
            }
        }
        let metadata = HashMap::from([("tessera_product".to_string(), spec.slug.clone())]);
        let stale = product.stripe_product_id.as_deref().unwrap_or("none");
        let key = format!("tessera-product-{}-{stale}", product.id);
        let made = stripe
            .create_product(&key, &spec.name, spec.active, metadata)
            .await?;
        self.store.set_stripe_product(&product.id, &made.id).await?;
        changes.push(format!("+ product {} ({})", spec.slug, made.id));
        Ok(made.id)
    }
}

/// Makes the price `want` hold its lookup key; answers its id (`None`: an inactive plan that
/// was never in Stripe).
async fn sync_price(
    stripe: &Stripe,
    plan_id: &str,
    want: &Wanted,
    changes: &mut Vec<String>,
) -> Result<Option<String>> {
    let held: Option<PriceRef> = stripe.price_by_lookup_key(&want.lookup_key).await?;
    if let Some(price) = held.as_ref().filter(|p| want.terms.matches(p)) {
        if price.active != want.active {
            stripe.set_price_active(&price.id, want.active).await?;
            let what = if want.active {
                "activated"
            } else {
                "deactivated"
            };
            changes.push(format!(
                "~ price {} ({}): {what}",
                want.lookup_key, price.id
            ));
        }
        return Ok(Some(price.id.clone()));
    }
    if !want.active && held.is_none() {
        return Ok(None);
    }
    // The key names what is being replaced, so a re-run after a crash makes this price once,
    // and a later change back to old terms still makes a new one.
    let replaced = held.as_ref().map_or("none", |p| p.id.as_str());
    let key = format!("tessera-price-{plan_id}-{}-{replaced}", want.lookup_key);
    let made = stripe.create_price(&key, &want.terms).await?;
    changes.push(format!("+ price {} ({})", describe(want), made.id));
    if let Some(old) = held.filter(|p| p.active) {
        stripe.set_price_active(&old.id, false).await?;
        changes.push(format!(
            "~ price {} ({}): deactivated, its lookup key moved to {}",
            want.lookup_key, old.id, made.id
        ));
    }
    if !want.active {
        stripe.set_price_active(&made.id, false).await?;
    }
    Ok(Some(made.id))
}
