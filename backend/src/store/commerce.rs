//! Selling's rows: checkouts Tessera started, Stripe events handled, subscriptions and the
//! payments they bring. A Stripe event's effect (its license change, subscription, payment,
//! audit and outbox rows, and the event's own record) is one transaction.

use async_trait::async_trait;
use tessera_license::vocab::{
    CheckoutStatus, LicenseKind, LicenseStatus, PaymentStatus, SupersedeReason, Tier,
};

use super::chain::ChainHead;
pub use super::commerce_rows::{
    Applied, CheckoutRow, CommerceWrite, LicenseWrite, PaymentChange, PaymentRow, StripeEventRow,
    SubscriptionRow,
};
use super::{AuditAction, AuditEvent, RowsAffected, SqlStore, StoreError, StoreResult};

/// Selling's storage.
#[async_trait]
pub trait CommerceStore {
    /// Records a checkout just opened at Stripe, with its audit row.
    async fn insert_checkout(&self, row: &CheckoutRow, audit: &AuditEvent) -> StoreResult<()>;
    /// The checkout `id`.
    async fn checkout(&self, id: &str) -> StoreResult<Option<CheckoutRow>>;
    /// The checkout Tessera calls `reference`.
    async fn checkout_by_reference(&self, reference: &str) -> StoreResult<Option<CheckoutRow>>;
    /// Marks a pending checkout expired.
    async fn expire_checkout(&self, id: &str) -> StoreResult<()>;
    /// Checkouts of `product_id`'s one-off plans completed, or pending and made after `since`.
    async fn count_one_off_checkouts(&self, product_id: &str, since: i64) -> StoreResult<i64>;
    /// Whether the Stripe event `id` was handled.
    async fn stripe_event(&self, id: &str) -> StoreResult<Option<StripeEventRow>>;
    /// The subscription `id`.
    async fn subscription(&self, id: &str) -> StoreResult<Option<SubscriptionRow>>;
    /// The subscription paying for `license_id`.
    async fn subscription_of(&self, license_id: &str) -> StoreResult<Option<SubscriptionRow>>;
    /// The payment made through `charge`, `payment_intent` or `invoice` (any may be empty).
    async fn payment_by_charge(
        &self,
        charge: &str,
        payment_intent: &str,
        invoice: &str,
    ) -> StoreResult<Option<PaymentRow>>;
    /// The payments for `license_id`, newest first.
    async fn payments_of(&self, license_id: &str) -> StoreResult<Vec<PaymentRow>>;
    /// Writes `write` in one transaction (see [`CommerceWrite`]).
    async fn apply_commerce(&self, write: &CommerceWrite) -> StoreResult<Applied>;
}

const CHECKOUT_COLUMNS: &str =
    "id, reference, product_id, plan_id, seats, coupon_code, domains, company, \
    email, url, status, license_id, created_by, created_at, completed_at, org_id";
const SUBSCRIPTION_COLUMNS: &str = "id, license_id, checkout_id, customer_id, status, \
    lookup_key, seats, current_period_end, cancel_at_period_end, ended_at, updated_at";
const PAYMENT_COLUMNS: &str = "id, license_id, source, charge_id, payment_intent_id, amount, \
    currency, status, amount_refunded, refund_id, product, company, email, paid_at";

#[async_trait]
impl<DB> CommerceStore for SqlStore<DB>
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
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
    DB::QueryResult: RowsAffected,
    for<'q> AuditAction: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> ChainHead: sqlx::FromRow<'r, DB::Row>,
    for<'q> LicenseStatus: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Tier: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> LicenseKind: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> SupersedeReason: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> CheckoutStatus: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> PaymentStatus: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> CheckoutRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> SubscriptionRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> PaymentRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> StripeEventRow: sqlx::FromRow<'r, DB::Row>,
    for<'q> tessera_license::vocab::OrgRole: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> (String,): sqlx::FromRow<'r, DB::Row>,
    for<'r> super::OrgRow: sqlx::FromRow<'r, DB::Row>,
{
    async fn insert_checkout(&self, c: &CheckoutRow, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(&format!(
            "INSERT INTO checkouts ({CHECKOUT_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        ))
        .bind(&c.id)
        .bind(&c.reference)
        .bind(&c.product_id)
        .bind(&c.plan_id)
        .bind(c.seats)
        .bind(&c.coupon_code)
        .bind(&c.domains)
        .bind(&c.company)
        .bind(&c.email)
        .bind(&c.url)
        .bind(c.status)
        .bind(&c.license_id)
        .bind(&c.created_by)
        .bind(c.created_at)
        .bind(c.completed_at)
        .bind(&c.org_id)
        .execute(&mut *tx)
        .await
        .map_err(|e| super::conflict_or(e, &format!("checkout {}", c.id)))?;
        self.append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn checkout(&self, id: &str) -> StoreResult<Option<CheckoutRow>> {
        Ok(self.one_by("checkouts", CHECKOUT_COLUMNS, "id", id).await?)
    }

    async fn checkout_by_reference(&self, reference: &str) -> StoreResult<Option<CheckoutRow>> {
        Ok(self
            .one_by("checkouts", CHECKOUT_COLUMNS, "reference", reference)
            .await?)
    }

    async fn expire_checkout(&self, id: &str) -> StoreResult<()> {
        sqlx::query("UPDATE checkouts SET status = 'expired' WHERE id = $1 AND status = 'pending'")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn count_one_off_checkouts(&self, product_id: &str, since: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM checkouts JOIN plans ON plans.id = checkouts.plan_id \
             WHERE checkouts.product_id = $1 AND plans.billing_interval = 'once' \
             AND (checkouts.status = 'completed' \
                  OR (checkouts.status = 'pending' AND checkouts.created_at > $2))",
        )
        .bind(product_id)
        .bind(since)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn stripe_event(&self, id: &str) -> StoreResult<Option<StripeEventRow>> {
        Ok(sqlx::query_as(
            "SELECT id, type, created, received_at, outcome FROM stripe_events WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn subscription(&self, id: &str) -> StoreResult<Option<SubscriptionRow>> {
        Ok(self
            .one_by("subscriptions", SUBSCRIPTION_COLUMNS, "id", id)
            .await?)
    }

    async fn subscription_of(&self, license_id: &str) -> StoreResult<Option<SubscriptionRow>> {
        Ok(self
            .one_by(
                "subscriptions",
                SUBSCRIPTION_COLUMNS,
                "license_id",
                license_id,
            )
            .await?)
    }

    async fn payment_by_charge(
        &self,
        charge: &str,
        payment_intent: &str,
        invoice: &str,
    ) -> StoreResult<Option<PaymentRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments \
             WHERE ($1 <> '' AND charge_id = $1) OR ($2 <> '' AND payment_intent_id = $2) \
             OR ($3 <> '' AND source = $3) ORDER BY paid_at DESC LIMIT 1"
        ))
        .bind(charge)
        .bind(payment_intent)
        .bind(invoice)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn payments_of(&self, license_id: &str) -> StoreResult<Vec<PaymentRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments WHERE license_id = $1 \
             ORDER BY paid_at DESC, id"
        ))
        .bind(license_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn apply_commerce(&self, w: &CommerceWrite) -> StoreResult<Applied> {
        let mut tx = self.pool.begin().await?;
        if let Some(e) = &w.event {
            let recorded = sqlx::query(
                "INSERT INTO stripe_events (id, type, created, received_at, outcome) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
            )
            .bind(&e.id)
            .bind(&e.kind)
            .bind(e.created)
            .bind(e.received_at)
            .bind(&e.outcome)
            .execute(&mut *tx)
            .await?;
            if recorded.rows_affected() == 0 {
                return Ok(Applied::AlreadyDone);
            }
        }
        match &w.license {
            LicenseWrite::Untouched => {}
            LicenseWrite::Insert(l) => Self::insert_license_in(&mut tx, l).await?,
            LicenseWrite::Replace(l, why) => {
                Self::replace_token_in(&mut tx, l, *why, l.issued_at).await?;
            }
            LicenseWrite::End { id, status, reason } => {
                let at = w.audits.first().map_or(0, |a| a.at);
                Self::end_license_in(&mut tx, id, *status, reason, at).await?;
            }
        }
        // After the license it names; a checkout completed before undoes the whole write.
        if let Some((checkout, license)) = &w.checkout {
            let done = sqlx::query(
                "UPDATE checkouts SET status = 'completed', license_id = $1, completed_at = $2 \
                 WHERE id = $3 AND status <> 'completed'",
            )
            .bind(license)
            .bind(w.audits.first().map_or(0, |a| a.at))
            .bind(checkout)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Ok(Applied::AlreadyDone);
            }
        }
        if let Some(s) = &w.subscription {
            upsert_subscription(&mut tx, s).await?;
        }
        if let Some(p) = &w.payment {
            insert_payment(&mut tx, p).await?;
        }
        if let Some(c) = &w.payment_change {
            let done = sqlx::query(
                "UPDATE payments SET status = $1, amount_refunded = $2, \
                 refund_id = COALESCE($3, refund_id) WHERE id = $4",
            )
            .bind(c.status)
            .bind(c.amount_refunded)
            .bind(&c.refund_id)
            .bind(&c.id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("payment {}", c.id)));
            }
        }
        if let Some(link) = &w.org {
            Self::link_org_in(&mut tx, link, w.audits.first().map_or(0, |a| a.at)).await?;
        }
        if let Some(code) = &w.coupon_redeemed {
            sqlx::query("UPDATE coupons SET redemptions = redemptions + 1 WHERE code = $1")
                .bind(code)
                .execute(&mut *tx)
                .await?;
        }
        self.append_audits(&mut tx, &w.audits).await?;
        self.append_outbox(&mut tx, &w.events).await?;
        tx.commit().await?;
        Ok(Applied::Written)
    }
}

impl<DB> SqlStore<DB>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB> + Default,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    /// The row of `table` whose `column` is `value` (`column` is always a literal here).
    async fn one_by<R>(
        &self,
        table: &str,
        columns: &str,
        column: &str,
        value: &str,
    ) -> sqlx::Result<Option<R>>
    where
        for<'r> R: sqlx::FromRow<'r, DB::Row> + Send + Unpin,
    {
        sqlx::query_as(&format!(
            "SELECT {columns} FROM {table} WHERE {column} = $1"
        ))
        .bind(value)
        .fetch_optional(&self.pool)
        .await
    }
}

async fn upsert_subscription<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    s: &SubscriptionRow,
) -> StoreResult<()>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB> + Default,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query(&format!(
        "INSERT INTO subscriptions ({SUBSCRIPTION_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id, \
         status = excluded.status, lookup_key = excluded.lookup_key, seats = excluded.seats, \
         current_period_end = excluded.current_period_end, \
         cancel_at_period_end = excluded.cancel_at_period_end, ended_at = excluded.ended_at, \
         updated_at = excluded.updated_at"
    ))
    .bind(&s.id)
    .bind(&s.license_id)
    .bind(&s.checkout_id)
    .bind(&s.customer_id)
    .bind(&s.status)
    .bind(&s.lookup_key)
    .bind(s.seats)
    .bind(s.current_period_end)
    .bind(s.cancel_at_period_end)
    .bind(s.ended_at)
    .bind(s.updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_payment<DB>(tx: &mut sqlx::Transaction<'_, DB>, p: &PaymentRow) -> StoreResult<()>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB> + Default,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> PaymentStatus: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query(&format!(
        "INSERT INTO payments ({PAYMENT_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (source) DO UPDATE SET \
         charge_id = COALESCE(payments.charge_id, excluded.charge_id), \
         payment_intent_id = COALESCE(payments.payment_intent_id, excluded.payment_intent_id)"
    ))
    .bind(&p.id)
    .bind(&p.license_id)
    .bind(&p.source)
    .bind(&p.charge_id)
    .bind(&p.payment_intent_id)
    .bind(p.amount)
    .bind(&p.currency)
    .bind(p.status)
    .bind(p.amount_refunded)
    .bind(&p.refund_id)
    .bind(&p.product)
    .bind(&p.company)
    .bind(&p.email)
    .bind(p.paid_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
