//! What `/billing` shows an org's member: its licenses with their plan, seats, state,
//! renewal or lapse date and reported usage, whether a payment is being retried, its
//! members, and what it may buy or trial. A member sees only orgs they are in; owners also
//! change things.

use tessera_license::vocab::{LicenseKind, LicenseStatus, OrgRole};

use super::{CustomerUser, Membership};
use crate::catalog::StoreProduct;
use tessera_stripe::{CardRef, InvoiceRef};

use crate::store::{LicenseRow, MemberRow, OrgRow, SubscriptionRow, TrialRow, UsageRow};
use crate::usage::LicenseUsage;
use crate::{now, Backend, Error, Result};

/// Stripe's subscription states in which a payment is being retried.
const RETRYING: [&str; 2] = ["past_due", "unpaid"];

/// One of the org's licenses, as its members see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BilledLicense {
    pub license: LicenseRow,
    /// Seats the license grants (the largest pool or role count of its plugins).
    pub seats: u32,
    pub subscription: Option<SubscriptionRow>,
    /// The trial it came from, if it is a trial.
    pub trial: Option<TrialRow>,
    /// When Stripe charges next (a subscription that is not ending).
    pub renews_at: Option<i64>,
    /// When it stops: a cancelled subscription's paid end, a trial's end, an expiry.
    pub lapses_at: Option<i64>,
    /// What its deployment last reported using, against what the license grants.
    pub usage: Option<LicenseUsage>,
}

/// `/billing` for one org.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgBilling {
    pub org: OrgRow,
    pub role: OrgRole,
    /// Every org the customer is in (to switch between them).
    pub memberships: Vec<Membership>,
    pub licenses: Vec<BilledLicense>,
    /// A subscription's payment failed and Stripe is retrying it.
    pub past_due: bool,
    pub members: Vec<MemberRow>,
    /// What the org may buy, and trial where a product offers it.
    pub offers: Vec<StoreProduct>,
    /// What Stripe says: invoices and card, or why it could not be asked.
    pub stripe: StripeSide,
}

/// The org's side at Stripe, as `/billing` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StripeSide {
    /// Newest first, at most [`INVOICES_SHOWN`].
    pub invoices: Vec<InvoiceRef>,
    /// The card the org's last payment used.
    pub card: Option<CardRef>,
    /// The org has a Stripe customer: "Manage billing" can open the portal.
    pub customer: bool,
    /// Why Stripe could not be read just now (the rest of the page still shows).
    pub unavailable: Option<String>,
}

/// Invoices `/billing` lists.
pub const INVOICES_SHOWN: i64 = 24;

/// Seats a license grants: the largest of its plugins' pools and role counts.
fn seats_of(license: &LicenseRow) -> u32 {
    license
        .claims
        .lic
        .seats
        .values()
        .map(|grant| {
            grant
                .pool
                .unwrap_or(0)
                .max(grant.roles.values().copied().max().unwrap_or(0))
        })
        .max()
        .unwrap_or(0)
}

fn billed(
    license: LicenseRow,
    subscriptions: &[SubscriptionRow],
    trials: &[TrialRow],
    usage: &[UsageRow],
) -> BilledLicense {
    let subscription = subscriptions
        .iter()
        .find(|s| s.license_id == license.id)
        .cloned();
    let trial = trials.iter().find(|t| t.license_id == license.id).cloned();
    let ended = license.status != LicenseStatus::Active;
    let (renews_at, lapses_at) = match &subscription {
        _ if ended => (None, None),
        Some(s) if s.ended_at.is_some() || s.status == "canceled" => {
            (None, license.expires_at.or(s.ended_at))
        }
        // It runs to what was paid for, whatever period Stripe has moved on to.
        Some(s) if s.cancel_at_period_end != 0 => {
            (None, license.expires_at.or(s.current_period_end))
        }
        Some(s) => (s.current_period_end.or(license.expires_at), None),
        None if license.kind == LicenseKind::Perpetual => (None, None),
        None => (None, license.expires_at),
    };
    let usage = usage
        .iter()
        .find(|u| u.license_id == license.id)
        .map(|u| LicenseUsage::of(u, &license.claims));
    BilledLicense {
        usage,
        seats: seats_of(&license),
        license,
        subscription,
        trial,
        renews_at,
        lapses_at,
    }
}

impl Backend {
    /// `/billing` for the org `slug` (the customer's first org when empty).
    pub async fn org_billing(&self, by: &CustomerUser, slug: &str) -> Result<OrgBilling> {
        self.vendor_only()?;
        let (role, org) = self.member_org(by, slug, OrgRole::Member).await?;
        let at = now();
        let subscriptions = self.store.org_subscriptions(&org.id).await?;
        let trials = self.store.org_trials(&org.id).await?;
        let usage = self.store.org_usage(&org.id).await?;
        let licenses: Vec<BilledLicense> = self
            .store
            .org_licenses(&org.id)
            .await?
            .into_iter()
            .map(|l| billed(l, &subscriptions, &trials, &usage))
            .collect();
        let past_due = licenses.iter().any(|l| {
            l.license.status == LicenseStatus::Active
                && l.subscription
                    .as_ref()
                    .is_some_and(|s| RETRYING.contains(&s.status.as_str()))
        });
        let offers = self.catalog().await?.storefront(at);
        let stripe = self.stripe_side(&org).await;
        Ok(OrgBilling {
            stripe,
            role,
            memberships: by.memberships.clone(),
            members: self.store.org_members(&org.id).await?,
            org,
            licenses,
            past_due,
            offers,
        })
    }

    /// The org's invoices and card at Stripe. A Stripe that cannot be asked leaves the rest
    /// of the page standing, and says so.
    async fn stripe_side(&self, org: &OrgRow) -> StripeSide {
        let Some(customer) = org.stripe_customer_id.clone() else {
            return StripeSide::default();
        };
        let read = async {
            let stripe = self.stripe()?;
            let invoices = stripe.invoices(&customer, INVOICES_SHOWN).await?;
            let card = match self.store.org_latest_charge(&org.id).await? {
                Some(charge) => stripe.charge_card(&charge).await?,
                None => None,
            };
            Ok::<_, Error>((invoices, card))
        };
        match read.await {
            Ok((invoices, card)) => StripeSide {
                invoices,
                card,
                customer: true,
                unavailable: None,
            },
            Err(err) => {
                tracing::warn!(org.slug = %org.slug, error = %err, "billing: Stripe could not be read");
                StripeSide {
                    customer: true,
                    unavailable: Some(
                        "invoices and the card cannot be shown just now; try again in a moment"
                            .into(),
                    ),
                    ..StripeSide::default()
                }
            }
        }
    }

    /// An owner opens Stripe's billing portal for their org (card, invoices, plan, seats,
    /// cancellation); it comes back to `/billing`. Answers the portal's URL.
    pub async fn org_portal(&self, by: &CustomerUser, slug: &str) -> Result<String> {
        let (_, org) = self.member_org(by, slug, OrgRole::Owner).await?;
        let Some(customer) = org.stripe_customer_id else {
            return Err(Error::Refused {
                code: "no_stripe_customer",
                message: format!("{} has bought nothing through Stripe yet", org.name),
            });
        };
        let back = format!(
            "{}/billing?org={}",
            self.config.public_url.trim_end_matches('/'),
            org.slug
        );
        Ok(self.stripe()?.portal_session(&customer, &back).await?)
    }

    /// An org member asks for a license's token again: it is signed afresh and e-mailed to
    /// the license's holder (the owner who bought it), never shown on the page.
    pub async fn resend_org_license(
        &self,
        by: &CustomerUser,
        slug: &str,
        license_id: &str,
    ) -> Result<LicenseRow> {
        let membership = by.member_of(slug, OrgRole::Member)?;
        let owned = self
            .store
            .org_licenses(&membership.org_id)
            .await?
            .into_iter()
            .any(|l| l.id == license_id);
        if !owned {
            return Err(Error::NotFound(format!("license {license_id}")));
        }
        let issued = self.resend_license(license_id, &by.email).await?;
        if let Some(failed) = issued.mail_error {
            return Err(Error::Internal(anyhow::anyhow!(failed)));
        }
        Ok(issued.license)
    }

    /// The group `slug`'s licenses (the internal API).
    pub async fn group_licenses(&self, slug: &str) -> Result<(OrgRow, Vec<LicenseRow>)> {
        self.vendor_only()?;
        let org = self.org_named(slug).await?;
        let licenses = self.store.org_licenses(&org.id).await?;
        Ok((org, licenses))
    }
}
