//! Products and prices: what `tessera stripe sync-products` reads and writes.

use std::collections::HashMap;

use stripe_product::coupon::{CreateCoupon, RetrieveCoupon};
use stripe_product::price::{
    CreatePrice, CreatePriceRecurring, CreatePriceRecurringInterval, ListPrice, UpdatePrice,
};
use stripe_product::product::{CreateProduct, RetrieveProduct, UpdateProduct};
use stripe_shared::{CouponDuration, Price, Product};

use stripe::StripeRequest as _;

use super::{idempotent, Error, Stripe};

/// A Stripe product, as far as Tessera cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRef {
    pub id: String,
    pub name: String,
    pub active: bool,
}

impl From<Product> for ProductRef {
    fn from(p: Product) -> Self {
        Self {
            id: p.id.to_string(),
            name: p.name,
            active: p.active,
        }
    }
}

/// A Stripe price, as far as Tessera cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceRef {
    pub id: String,
    pub product: String,
    pub currency: String,
    pub unit_amount: Option<i64>,
    /// `month` or `year`; `None` for a one-off price.
    pub interval: Option<String>,
    pub lookup_key: Option<String>,
    pub active: bool,
}

impl From<Price> for PriceRef {
    fn from(p: Price) -> Self {
        Self {
            id: p.id.to_string(),
            product: p.product.id().to_string(),
            currency: p.currency.to_string(),
            unit_amount: p.unit_amount,
            interval: p.recurring.map(|r| r.interval.as_str().to_string()),
            lookup_key: p.lookup_key,
            active: p.active,
        }
    }
}

/// A price to create: `unit_amount` of `currency` per unit, once or every `interval`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceTerms {
    pub product: String,
    pub currency: String,
    pub unit_amount: i64,
    /// `month` or `year`; `None` for a one-off price.
    pub interval: Option<String>,
    pub lookup_key: String,
    pub nickname: String,
}

impl PriceTerms {
    /// Whether `price` charges exactly these terms.
    pub fn matches(&self, price: &PriceRef) -> bool {
        price.product == self.product
            && price.currency == self.currency
            && price.unit_amount == Some(self.unit_amount)
            && price.interval == self.interval
    }
}

impl Stripe {
    /// Creates a product; `key` makes a repeated create (a retry, a re-run) return the first.
    pub async fn create_product(
        &self,
        key: &str,
        name: &str,
        active: bool,
        metadata: HashMap<String, String>,
    ) -> Result<ProductRef, Error> {
        let strategy = idempotent(key)?;
        let request = CreateProduct::new(name).active(active).metadata(metadata);
        self.retried("create product", || {
            request
                .customize()
                .request_strategy(strategy.clone())
                .send(&self.client)
        })
        .await
        .map(ProductRef::from)
    }

    /// The product `id`.
    pub async fn product(&self, id: &str) -> Result<ProductRef, Error> {
        let request = RetrieveProduct::new(id);
        self.retried("retrieve product", || request.send(&self.client))
            .await
            .map(ProductRef::from)
    }

    /// Renames and (de)activates the product `id`.
    pub async fn update_product(
        &self,
        id: &str,
        name: &str,
        active: bool,
    ) -> Result<ProductRef, Error> {
        let request = UpdateProduct::new(id).name(name).active(active);
        self.retried("update product", || request.send(&self.client))
            .await
            .map(ProductRef::from)
    }

    /// The price that carries `lookup_key`, if any.
    pub async fn price_by_lookup_key(&self, lookup_key: &str) -> Result<Option<PriceRef>, Error> {
        let request = ListPrice::new()
            .lookup_keys(vec![lookup_key.to_string()])
            .limit(1);
        let list = self
            .retried("list prices", || request.send(&self.client))
            .await?;
        Ok(list.data.into_iter().next().map(PriceRef::from))
    }

    /// Creates a price with `terms`, moving the lookup key to it from any other price.
    pub async fn create_price(&self, key: &str, terms: &PriceTerms) -> Result<PriceRef, Error> {
        let currency = terms
            .currency
            .parse::<stripe_types::Currency>()
            .map_err(|_| {
                Error::Config(format!(
                    "currency {} is not one Stripe knows",
                    terms.currency
                ))
            })?;
        let mut request = CreatePrice::new(currency)
            .product(terms.product.clone())
            .unit_amount(terms.unit_amount)
            .lookup_key(terms.lookup_key.clone())
            .transfer_lookup_key(true)
            .nickname(terms.nickname.clone());
        if let Some(interval) = &terms.interval {
            let interval = match interval.as_str() {
                "year" => CreatePriceRecurringInterval::Year,
                _ => CreatePriceRecurringInterval::Month,
            };
            request = request.recurring(CreatePriceRecurring::new(interval));
        }
        let strategy = idempotent(key)?;
        self.retried("create price", || {
            request
                .customize()
                .request_strategy(strategy.clone())
                .send(&self.client)
        })
        .await
        .map(PriceRef::from)
    }

    /// Activates or deactivates the price `id` (a price cannot be deleted).
    pub async fn set_price_active(&self, id: &str, active: bool) -> Result<PriceRef, Error> {
        let request = UpdatePrice::new(id).active(active);
        self.retried("update price", || request.send(&self.client))
            .await
            .map(PriceRef::from)
    }
}

/// A discount to exist at Stripe under `id`: a percentage or an amount of a currency off,
/// on the first payment only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponTerms {
    pub id: String,
    pub name: String,
    pub percent_off: Option<u32>,
    pub amount_off: Option<(i64, String)>,
}

impl Stripe {
    /// Makes sure the coupon `terms.id` exists (coupons cannot change at Stripe, so the id
    /// names its terms): reads it, and creates it when Stripe does not know it.
    pub async fn ensure_coupon(&self, terms: &CouponTerms) -> Result<(), Error> {
        let read = RetrieveCoupon::new(terms.id.as_str());
        match self
            .retried("retrieve coupon", || read.send(&self.client))
            .await
        {
            Ok(_) => return Ok(()),
            Err(Error::Refused { status: 404, .. }) => {}
            Err(other) => return Err(other),
        }
        let mut request = CreateCoupon::new()
            .id(terms.id.clone())
            .name(terms.name.clone())
            .duration(CouponDuration::Once);
        if let Some(percent) = terms.percent_off {
            request = request.percent_off(f64::from(percent));
        }
        if let Some((amount, currency)) = &terms.amount_off {
            let currency = currency.parse::<stripe_types::Currency>().map_err(|_| {
                Error::Config(format!("currency {currency} is not one Stripe knows"))
            })?;
            request = request.amount_off(*amount).currency(currency);
        }
        let strategy = idempotent(&format!("coupon-{}", terms.id))?;
        self.retried("create coupon", || {
            request
                .customize()
                .request_strategy(strategy.clone())
                .send(&self.client)
        })
        .await
        .map(|_| ())
    }
}
