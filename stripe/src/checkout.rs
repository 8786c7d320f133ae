//! Checkout sessions, subscriptions and refunds: what a purchase makes (and undoes) at Stripe,
//! read back as the few facts Tessera acts on.

use std::collections::HashMap;

use stripe_billing::subscription::RetrieveSubscription;
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionDiscounts, CreateCheckoutSessionLineItems,
    CreateCheckoutSessionSubscriptionData, RetrieveCheckoutSession,
};
use stripe_core::refund::CreateRefund;
use stripe_shared::{CheckoutSession, CheckoutSessionMode, Subscription};

use stripe::StripeRequest as _;

use super::{idempotent, Error, Stripe};

/// A checkout to open: who pays for what, and where the customer's browser goes after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCheckout {
    /// The idempotency key: the same key makes one session.
    pub key: String,
    /// A subscription (recurring prices) or a one-off payment.
    pub recurring: bool,
    /// Price id and quantity per line.
    pub items: Vec<(String, u64)>,
    pub customer_email: String,
    /// The Stripe customer paying, when known (an org that bought before): the session and
    /// its subscription belong to them rather than to a new customer made from the e-mail.
    pub customer: Option<String>,
    pub client_reference_id: String,
    /// On the session and, for a subscription, on the subscription too.
    pub metadata: HashMap<String, String>,
    /// A Stripe coupon id.
    pub coupon: Option<String>,
    pub success_url: String,
    pub cancel_url: String,
}

/// A checkout session as far as Tessera cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRef {
    pub id: String,
    /// Where the customer pays (while the session is open).
    pub url: Option<String>,
    /// `open`, `complete` or `expired`.
    pub status: String,
    /// `paid`, `unpaid` or `no_payment_required`.
    pub payment_status: String,
    pub customer: Option<String>,
    pub subscription: Option<String>,
    pub invoice: Option<String>,
    pub payment_intent: Option<String>,
    pub amount_total: Option<i64>,
    pub currency: Option<String>,
}

impl From<CheckoutSession> for SessionRef {
    fn from(s: CheckoutSession) -> Self {
        Self {
            id: s.id.to_string(),
            url: s.url,
            status: s
                .status
                .map_or_else(|| "open".to_string(), |v| v.as_str().to_string()),
            payment_status: s.payment_status.as_str().to_string(),
            customer: s.customer.map(|c| c.id().to_string()),
            subscription: s.subscription.map(|c| c.id().to_string()),
            invoice: s
                .invoice
                .and_then(|c| c.id().as_ref().map(ToString::to_string)),
            payment_intent: s.payment_intent.map(|c| c.id().to_string()),
            amount_total: s.amount_total,
            currency: s.currency.map(|c| c.to_string()),
        }
    }
}

/// One line of a subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRef {
    pub price: String,
    pub lookup_key: Option<String>,
    pub quantity: u64,
    pub current_period_end: i64,
}

/// A subscription as far as Tessera cares: what is paid for and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionRef {
    pub id: String,
    /// Stripe's word: `active`, `trialing`, `past_due`, `unpaid`, `canceled`, ...
    pub status: String,
    pub customer: String,
    pub metadata: HashMap<String, String>,
    pub items: Vec<ItemRef>,
    pub cancel_at_period_end: bool,
    pub ended_at: Option<i64>,
    pub latest_invoice: Option<String>,
}

impl SubscriptionRef {
    /// The end of the paid period: the latest of its items'.
    pub fn current_period_end(&self) -> Option<i64> {
        self.items.iter().map(|i| i.current_period_end).max()
    }
}

impl From<Subscription> for SubscriptionRef {
    fn from(s: Subscription) -> Self {
        Self {
            id: s.id.to_string(),
            status: s.status.as_str().to_string(),
            customer: s.customer.id().to_string(),
            metadata: s.metadata,
            items: s
                .items
                .data
                .into_iter()
                .map(|i| ItemRef {
                    price: i.price.id.to_string(),
                    lookup_key: i.price.lookup_key,
                    quantity: i.quantity.unwrap_or(1),
                    current_period_end: i.current_period_end,
                })
                .collect(),
            cancel_at_period_end: s.cancel_at_period_end,
            ended_at: s.ended_at,
            latest_invoice: s
                .latest_invoice
                .and_then(|i| i.id().as_ref().map(ToString::to_string)),
        }
    }
}

impl Stripe {
    /// Opens a hosted checkout session.
    pub async fn create_checkout(&self, new: &NewCheckout) -> Result<SessionRef, Error> {
        let items: Vec<CreateCheckoutSessionLineItems> = new
            .items
            .iter()
            .map(|(price, quantity)| {
                let mut item = CreateCheckoutSessionLineItems::new();
                item.price = Some(price.clone());
                item.quantity = Some(*quantity);
                item
            })
            .collect();
        let mode = if new.recurring {
            CheckoutSessionMode::Subscription
        } else {
            CheckoutSessionMode::Payment
        };
        let mut request = CreateCheckoutSession::new()
            .mode(mode)
            .line_items(items)
            .client_reference_id(new.client_reference_id.clone())
            .metadata(new.metadata.clone())
            .success_url(new.success_url.clone())
            .cancel_url(new.cancel_url.clone());
        request = match &new.customer {
            Some(customer) => request.customer(customer.clone()),
            None => request.customer_email(new.customer_email.clone()),
        };
        if new.recurring {
            let mut data = CreateCheckoutSessionSubscriptionData::new();
            data.metadata = Some(new.metadata.clone());
            request = request.subscription_data(data);
        }
        if let Some(coupon) = &new.coupon {
            let mut discount = CreateCheckoutSessionDiscounts::new();
            discount.coupon = Some(coupon.clone());
            request = request.discounts(vec![discount]);
        }
        let strategy = idempotent(&new.key)?;
        self.retried("create checkout session", || {
            request
                .customize()
                .request_strategy(strategy.clone())
                .send(&self.client)
        })
        .await
        .map(SessionRef::from)
    }

    /// The checkout session `id`.
    pub async fn checkout_session(&self, id: &str) -> Result<SessionRef, Error> {
        let request = RetrieveCheckoutSession::new(id);
        self.retried("retrieve checkout session", || request.send(&self.client))
            .await
            .map(SessionRef::from)
    }

    /// The subscription `id`, as it stands now.
    pub async fn subscription(&self, id: &str) -> Result<SubscriptionRef, Error> {
        let request = RetrieveSubscription::new(id);
        self.retried("retrieve subscription", || request.send(&self.client))
            .await
            .map(SubscriptionRef::from)
    }

    /// Refunds in full the payment made through `charge` (or, without one,
    /// `payment_intent`); `key` makes a repeated refund return the first. Answers the
    /// refund's id.
    pub async fn refund(
        &self,
        key: &str,
        charge: Option<&str>,
        payment_intent: Option<&str>,
        metadata: HashMap<String, String>,
    ) -> Result<String, Error> {
        let mut request = CreateRefund::new().metadata(metadata);
        request = match (charge, payment_intent) {
            (Some(charge), _) => request.charge(charge),
            (None, Some(intent)) => request.payment_intent(intent),
            (None, None) => {
                return Err(Error::Config(
                    "a refund needs a charge or a payment intent".into(),
                ))
            }
        };
        let strategy = idempotent(key)?;
        self.retried("create refund", || {
            request
                .customize()
                .request_strategy(strategy.clone())
                .send(&self.client)
        })
        .await
        .map(|r| r.id.to_string())
    }
}
