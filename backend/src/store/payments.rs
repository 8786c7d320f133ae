//! Payments as the `/payments` page, its CSV export and the verify API read them: filtered by
//! time, product and company, newest first, in keyset pages, with totals per currency.

use async_trait::async_trait;

use super::commerce::PaymentRow;
use super::{bind_all, Bind, Filter, SqlStore, StoreResult};

/// Which payments, and which page of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentQuery {
    /// Paid at or after (unix seconds).
    pub from: Option<i64>,
    /// Paid before (unix seconds).
    pub until: Option<i64>,
    /// The product key.
    pub product: Option<String>,
    /// The start of the company's name, any case.
    pub company: Option<String>,
    /// After this (paid_at, id): the next page.
    pub after: Option<(i64, String)>,
    pub limit: i64,
}

/// The payments of one currency that a query matches.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PaymentTotal {
    pub currency: String,
    pub count: i64,
    pub amount: i64,
    pub refunded: i64,
}

/// Reading payments.
#[async_trait]
pub trait PaymentStore {
    /// One page, newest first.
    async fn list_payments(&self, query: &PaymentQuery) -> StoreResult<Vec<PaymentRow>>;
    /// Totals per currency of everything the query matches (its page ignored).
    async fn payment_totals(&self, query: &PaymentQuery) -> StoreResult<Vec<PaymentTotal>>;
}

fn filter(q: &PaymentQuery) -> Filter {
    let mut f = Filter::default();
    if let Some(from) = q.from {
        f.push("paid_at >= ?", [Bind::Int(from)]);
    }
    if let Some(until) = q.until {
        f.push("paid_at < ?", [Bind::Int(until)]);
    }
    if let Some(product) = &q.product {
        f.push("product = ?", [Bind::Text(product.clone())]);
    }
    if let Some(company) = &q.company {
        let escaped = company
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        f.push(
            "LOWER(company) LIKE ? ESCAPE '\\'",
            [Bind::Text(format!("{escaped}%"))],
        );
    }
    f
}

const COLUMNS: &str = "id, license_id, source, charge_id, payment_intent_id, amount, currency, \
    status, amount_refunded, refund_id, product, company, email, paid_at";

#[async_trait]
impl<DB> PaymentStore for SqlStore<DB>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB> + Default,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> PaymentRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> PaymentTotal: sqlx::FromRow<'r, DB::Row>,
{
    async fn list_payments(&self, q: &PaymentQuery) -> StoreResult<Vec<PaymentRow>> {
        let mut f = filter(q);
        if let Some((paid_at, id)) = &q.after {
            f.push(
                "(paid_at < ? OR (paid_at = ? AND id < ?))",
                [
                    Bind::Int(*paid_at),
                    Bind::Int(*paid_at),
                    Bind::Text(id.clone()),
                ],
            );
        }
        let limit = f.bind(Bind::Int(q.limit));
        let sql = format!(
            "SELECT {COLUMNS} FROM payments {} ORDER BY paid_at DESC, id DESC LIMIT {limit}",
            f.where_clause()
        );
        Ok(bind_all!(sqlx::query_as(&sql), &f.binds)
            .fetch_all(&self.pool)
            .await?)
    }

    async fn payment_totals(&self, q: &PaymentQuery) -> StoreResult<Vec<PaymentTotal>> {
        let f = filter(q);
        let sql = format!(
            "SELECT currency, COUNT(*) AS count, CAST(SUM(amount) AS BIGINT) AS amount, \
             CAST(SUM(amount_refunded) AS BIGINT) AS refunded FROM payments {} \
             GROUP BY currency ORDER BY currency",
            f.where_clause()
        );
        Ok(bind_all!(sqlx::query_as(&sql), &f.binds)
            .fetch_all(&self.pool)
            .await?)
    }
}
