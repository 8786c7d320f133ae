//! The catalog's rows: products (their terms as one JSON document), plans and coupons. A
//! write is one transaction that queues behind `catalog_revision`, upserts its rows, counts
//! what is active against the caps and appends its audit rows.

use async_trait::async_trait;
use tessera_license::vocab::{BillingInterval, Tier};

use super::chain::ChainHead;
use super::{AuditAction, AuditEvent, SqlStore, StoreError, StoreResult};
use crate::catalog::CatalogCaps;

/// A product row; `spec` is its [`crate::catalog::ProductSpec`] as JSON.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ProductRow {
    pub id: String,
    pub slug: String,
    pub product_key: String,
    pub name: String,
    pub active: i64,
    pub internal: i64,
    pub spec: String,
    pub stripe_product_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A plan row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PlanRow {
    pub id: String,
    pub product_id: String,
    pub lookup_key: String,
    pub tier: Tier,
    pub billing_interval: BillingInterval,
    pub unit_amount: i64,
    pub currency: String,
    pub seats_included: i64,
    pub extra_seat_unit_amount: Option<i64>,
    pub active: i64,
    pub stripe_price_id: Option<String>,
    pub stripe_extra_seat_price_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A coupon row; `spec` is its [`crate::catalog::CouponSpec`] as JSON.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CouponRow {
    pub id: String,
    pub code: String,
    pub active: i64,
    pub public: i64,
    pub spec: String,
    pub redemptions: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Rows to insert or update (by id) and the audit rows that describe them. An update keeps
/// a row's `created_at` and `redemptions`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CatalogWrite {
    pub products: Vec<ProductRow>,
    pub plans: Vec<PlanRow>,
    pub coupons: Vec<CouponRow>,
    pub audits: Vec<AuditEvent>,
}

/// The catalog's storage.
#[async_trait]
pub trait CatalogStore {
    /// Every product, plan and coupon.
    async fn catalog(&self) -> StoreResult<(Vec<ProductRow>, Vec<PlanRow>, Vec<CouponRow>)>;
    /// Writes `write` in one transaction. Refused with [`StoreError::CapReached`] when it
    /// raises an active count past `caps` (a count already past its cap may stay or shrink).
    async fn write_catalog(&self, write: &CatalogWrite, caps: &CatalogCaps) -> StoreResult<()>;
    /// Records the Stripe product made for `product_id`.
    async fn set_stripe_product(&self, product_id: &str, stripe_id: &str) -> StoreResult<()>;
    /// Records the Stripe prices of `plan_id` (its own, and one extra seat's).
    async fn set_stripe_prices(
        &self,
        plan_id: &str,
        price: Option<&str>,
        extra_seat: Option<&str>,
    ) -> StoreResult<()>;
}

const PRODUCT_COLUMNS: &str = "id, slug, product_key, name, active, internal, spec, \
    stripe_product_id, created_at, updated_at";
const PLAN_COLUMNS: &str = "id, product_id, lookup_key, tier, billing_interval, unit_amount, \
    currency, seats_included, extra_seat_unit_amount, active, stripe_price_id, \
    stripe_extra_seat_price_id, created_at, updated_at";
const COUPON_COLUMNS: &str = "id, code, active, public, spec, redemptions, created_at, updated_at";

/// Active products, active plans per product id, active coupons.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Counts {
    products: i64,
    plans: std::collections::BTreeMap<String, i64>,
    coupons: i64,
}

#[async_trait]
impl<DB> CatalogStore for SqlStore<DB>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB> + Default,
    str: sqlx::Type<DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> AuditAction: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    DB::QueryResult: super::RowsAffected,
    for<'q> Tier: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> BillingInterval: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
    for<'r> (String, i64): sqlx::FromRow<'r, DB::Row>,
    for<'r> ChainHead: sqlx::FromRow<'r, DB::Row>,
    for<'r> ProductRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> PlanRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> CouponRow: sqlx::FromRow<'r, DB::Row>,
{
    async fn catalog(&self) -> StoreResult<(Vec<ProductRow>, Vec<PlanRow>, Vec<CouponRow>)> {
        let products = sqlx::query_as(&format!("SELECT {PRODUCT_COLUMNS} FROM products"))
            .fetch_all(&self.pool)
            .await?;
        let plans = sqlx::query_as(&format!(
            "SELECT {PLAN_COLUMNS} FROM plans ORDER BY created_at, lookup_key"
        ))
        .fetch_all(&self.pool)
        .await?;
        let coupons = sqlx::query_as(&format!("SELECT {COUPON_COLUMNS} FROM coupons"))
            .fetch_all(&self.pool)
            .await?;
        Ok((products, plans, coupons))
    }

    async fn write_catalog(&self, write: &CatalogWrite, caps: &CatalogCaps) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        // First a write: catalog writes queue here on both engines, so the counts below
        // see every earlier write and no other write until this one commits.
        sqlx::query("UPDATE catalog_revision SET revision = revision + 1 WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        let before = counts(&mut tx).await?;
        for p in &write.products {
            sqlx::query(&format!(
                "INSERT INTO products ({PRODUCT_COLUMNS}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (id) DO UPDATE SET slug = excluded.slug, \
                 product_key = excluded.product_key, name = excluded.name, \
                 active = excluded.active, internal = excluded.internal, spec = excluded.spec, \
                 stripe_product_id = excluded.stripe_product_id, updated_at = excluded.updated_at"
            ))
            .bind(&p.id)
            .bind(&p.slug)
            .bind(&p.product_key)
            .bind(&p.name)
            .bind(p.active)
            .bind(p.internal)
            .bind(&p.spec)
            .bind(p.stripe_product_id.clone())
            .bind(p.created_at)
            .bind(p.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                super::conflict_or(
                    e,
                    &format!(
                        "a product with slug {} or product key {}",
                        p.slug, p.product_key
                    ),
                )
            })?;
        }
        for p in &write.plans {
            sqlx::query(&format!(
                "INSERT INTO plans ({PLAN_COLUMNS}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
                 ON CONFLICT (id) DO UPDATE SET tier = excluded.tier, \
                 billing_interval = excluded.billing_interval, \
                 unit_amount = excluded.unit_amount, currency = excluded.currency, \
                 seats_included = excluded.seats_included, \
                 extra_seat_unit_amount = excluded.extra_seat_unit_amount, \
                 active = excluded.active, stripe_price_id = excluded.stripe_price_id, \
                 stripe_extra_seat_price_id = excluded.stripe_extra_seat_price_id, \
                 updated_at = excluded.updated_at"
            ))
            .bind(&p.id)
            .bind(&p.product_id)
            .bind(&p.lookup_key)
            .bind(p.tier)
            .bind(p.billing_interval)
            .bind(p.unit_amount)
            .bind(&p.currency)
            .bind(p.seats_included)
            .bind(p.extra_seat_unit_amount)
            .bind(p.active)
            .bind(p.stripe_price_id.clone())
            .bind(p.stripe_extra_seat_price_id.clone())
            .bind(p.created_at)
            .bind(p.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(|e| super::conflict_or(e, &format!("plan {}", p.lookup_key)))?;
        }
        for c in &write.coupons {
            sqlx::query(&format!(
                "INSERT INTO coupons ({COUPON_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (id) DO UPDATE SET active = excluded.active, \
                 public = excluded.public, spec = excluded.spec, updated_at = excluded.updated_at"
            ))
            .bind(&c.id)
            .bind(&c.code)
            .bind(c.active)
            .bind(c.public)
            .bind(&c.spec)
            .bind(c.redemptions)
            .bind(c.created_at)
            .bind(c.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(|e| super::conflict_or(e, &format!("coupon {}", c.code)))?;
        }
        let after = counts(&mut tx).await?;
        let over = |cap: &'static str, limit: Option<i64>, before: i64, after: i64| match limit {
            Some(limit) if after > limit && after > before => {
                Err(StoreError::CapReached { cap, limit })
            }
            _ => Ok(()),
        };
        over(
            "active products",
            caps.products,
            before.products,
            after.products,
        )?;
        for (product, plans) in &after.plans {
            let had = before.plans.get(product).copied().unwrap_or(0);
            over(
                "active plans per product",
                caps.plans_per_product,
                had,
                *plans,
            )?;
        }
        over(
            "active coupons",
            caps.active_coupons,
            before.coupons,
            after.coupons,
        )?;
        self.append_audits(&mut tx, &write.audits).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_stripe_product(&self, product_id: &str, stripe_id: &str) -> StoreResult<()> {
        sqlx::query("UPDATE products SET stripe_product_id = $1 WHERE id = $2")
            .bind(stripe_id)
            .bind(product_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn set_stripe_prices(
        &self,
        plan_id: &str,
        price: Option<&str>,
        extra_seat: Option<&str>,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE plans SET stripe_price_id = $1, stripe_extra_seat_price_id = $2 WHERE id = $3",
        )
        .bind(price.map(str::to_string))
        .bind(extra_seat.map(str::to_string))
        .bind(plan_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

async fn counts<DB>(tx: &mut sqlx::Transaction<'_, DB>) -> StoreResult<Counts>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB> + Default,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
    for<'r> (String, i64): sqlx::FromRow<'r, DB::Row>,
{
    let one = |sql: &'static str| sqlx::query_as::<DB, (i64,)>(sql);
    let (products,) = one("SELECT COUNT(*) FROM products WHERE active = 1")
        .fetch_one(&mut **tx)
        .await?;
    let plans: Vec<(String, i64)> = sqlx::query_as(
        "SELECT product_id, COUNT(*) FROM plans WHERE active = 1 GROUP BY product_id",
    )
    .fetch_all(&mut **tx)
    .await?;
    let (coupons,) = one("SELECT COUNT(*) FROM coupons WHERE active = 1")
        .fetch_one(&mut **tx)
        .await?;
    Ok(Counts {
        products,
        plans: plans.into_iter().collect(),
        coupons,
    })
}
