//! Buying for an org: a signed-in owner opens a checkout from `/billing`, and every paid
//! checkout's license belongs to an org: the one that bought, the one whose Stripe customer
//! paid, or one made for the buyer (a storefront's checkout).

use tessera_license::vocab::OrgRole;

use super::{new_org, slug_of, CustomerUser};
use crate::commerce::checkout::{CheckoutInput, CheckoutView};
use crate::commerce::fulfil::{Paid, STRIPE_ACTOR};
use crate::store::{CheckoutRow, OrgLink};
use crate::{Backend, Error, Result};

/// What an owner picks on `/billing`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgPurchase {
    /// The product's slug.
    pub product: String,
    /// The plan's lookup key.
    pub plan: String,
    pub seats: Option<u32>,
    pub coupon: Option<String>,
    pub domains: Vec<String>,
}

impl Backend {
    /// Opens a Stripe Checkout for the org `slug` (owners only); Stripe sends the customer
    /// back to `/billing`, which waits for the license.
    pub async fn start_org_checkout(
        &self,
        by: &CustomerUser,
        slug: &str,
        purchase: &OrgPurchase,
    ) -> Result<CheckoutView> {
        let (_, org) = self.member_org(by, slug, OrgRole::Owner).await?;
        let back = format!(
            "{}/billing?org={}",
            self.config.public_url.trim_end_matches('/'),
            org.slug
        );
        let input = CheckoutInput {
            company: org.name.clone(),
            email: by.email.clone(),
            product: purchase.product.clone(),
            plan: purchase.plan.clone(),
            seats: purchase.seats,
            coupon: purchase.coupon.clone().filter(|c| !c.trim().is_empty()),
            domains: purchase.domains.clone(),
            success_url: Some(format!("{back}&checkout={{CHECKOUT_SESSION_ID}}")),
            cancel_url: Some(back),
        };
        self.open_checkout(&input, &by.email, Some(&org)).await
    }

    /// The checkout `id` of the org `slug` (any member): `/billing` asks until its license
    /// exists. Another org's checkout is "not found".
    pub async fn org_checkout_status(
        &self,
        by: &CustomerUser,
        slug: &str,
        id: &str,
    ) -> Result<CheckoutView> {
        let membership = by.member_of(slug, OrgRole::Member)?;
        let row = self.known_checkout(id).await?;
        if row.org_id.as_deref() != Some(membership.org_id.as_str()) {
            return Err(Error::NotFound(format!("checkout {id:?}")));
        }
        self.checkout_status(id).await
    }

    /// The org the license `license_id`, paid through `checkout`, belongs to.
    pub(crate) async fn org_for_checkout(
        &self,
        checkout: &CheckoutRow,
        paid: &Paid,
        license_id: &str,
    ) -> Result<OrgLink> {
        let stripe_customer = paid
            .customer
            .clone()
            .or_else(|| paid.subscription.as_ref().map(|s| s.customer.clone()))
            .filter(|c| !c.is_empty());
        let link = |org_id: String, create| OrgLink {
            org_id,
            create,
            license_id: license_id.to_string(),
            stripe_customer: stripe_customer.clone(),
            product_id: checkout.product_id.clone(),
        };
        if let Some(org_id) = &checkout.org_id {
            return Ok(link(org_id.clone(), None));
        }
        if let Some(customer) = &stripe_customer {
            if let Some(org) = self.store.org_by_stripe_customer(customer).await? {
                return Ok(link(org.id, None));
            }
        }
        let owner = checkout.email.to_lowercase();
        // The same buyer buying again for the same company: the org they have.
        let base = slug_of(&checkout.company);
        if let Some(org) = self.store.org_by_slug(&base).await? {
            if org.billing_email == owner && org.name == checkout.company {
                return Ok(link(org.id, None));
            }
        }
        let slug = self.free_slug(&base).await?;
        let new = new_org(
            &checkout.company,
            slug,
            &owner,
            STRIPE_ACTOR,
            stripe_customer.clone(),
        );
        Ok(link(new.org.id.clone(), Some(new)))
    }
}
