//! Payments for the vendor: a filtered list with totals per currency (`/payments`), the same
//! rows as CSV in pages (streamed by the server), and whether a license was paid for
//! (`GET /api/v1/payments/verify/{license_id}`).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tessera_license::vocab::{LicenseStatus, PaymentStatus};

use crate::catalog::money;
use crate::store::{PaymentQuery, PaymentRow, PaymentTotal};
use crate::{Backend, Error, Result};

/// Rows on one page of `/payments`.
pub const PAYMENTS_PER_PAGE: i64 = 50;
/// Rows read at a time for the CSV export.
pub const CSV_BATCH: i64 = 500;

/// What a person asks for, as typed: dates `2026-11-30` (both ends included), a product
/// key, the start of a company's name, and the page cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct PaymentFilter {
    pub from: Option<String>,
    pub to: Option<String>,
    pub product: Option<String>,
    pub company: Option<String>,
    pub after: Option<String>,
}

/// One page, the totals of everything matched, and the next page's cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentPage {
    pub rows: Vec<PaymentRow>,
    pub totals: Vec<PaymentTotal>,
    pub next: Option<String>,
}

/// Whether a license was paid for through Stripe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentVerification {
    pub license_id: String,
    pub license_status: LicenseStatus,
    /// At least one payment stands (neither refunded nor disputed).
    pub paid: bool,
    pub payments: Vec<VerifiedPayment>,
}

/// A payment as the verify API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifiedPayment {
    pub id: String,
    pub amount: i64,
    pub currency: String,
    /// `49.00 EUR`.
    pub price: String,
    pub status: PaymentStatus,
    pub amount_refunded: i64,
    /// Unix seconds.
    pub paid_at: i64,
    /// The Stripe invoice (or checkout session) the money came through.
    pub source: String,
}

fn day(field: &str, text: Option<&str>) -> Result<Option<i64>> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Some(t.and_utc().timestamp()))
        .ok_or_else(|| Error::invalid(format!("{field}: {text:?} is not a date like 2026-11-30")))
}

fn text(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| v.chars().take(200).collect())
}

impl PaymentFilter {
    /// The store's query for a page of `limit` rows.
    pub fn query(&self, limit: i64) -> Result<PaymentQuery> {
        let after = match text(self.after.as_deref()) {
            None => None,
            Some(cursor) => {
                let parsed = cursor
                    .split_once('.')
                    .and_then(|(at, id)| Some((at.parse().ok()?, id.to_string())));
                Some(parsed.ok_or_else(|| Error::invalid("after: not a page cursor"))?)
            }
        };
        Ok(PaymentQuery {
            from: day("from", self.from.as_deref())?,
            until: day("to", self.to.as_deref())?.map(|t| t + 86_400),
            product: text(self.product.as_deref()),
            company: text(self.company.as_deref()),
            after,
            limit,
        })
    }
}

/// The cursor of the page after `row`.
fn cursor(row: &PaymentRow) -> String {
    format!("{}.{}", row.paid_at, row.id)
}

/// The CSV header.
pub const CSV_HEADER: &str =
    "paid_at,payment,license,product,company,email,amount,currency,status,refunded,source\n";

/// A CSV field: quoted when it must be, and never read as a formula by a spreadsheet.
fn field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// `row` as one CSV line (amounts in the currency's unit: `49.00`).
pub fn csv_line(row: &PaymentRow) -> String {
    let paid_at = chrono::DateTime::from_timestamp(row.paid_at, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default();
    let amount = |a: i64| {
        money(a, &row.currency)
            .split(' ')
            .next()
            .unwrap_or("")
            .to_string()
    };
    let fields = [
        paid_at,
        row.id.clone(),
        row.license_id.clone(),
        row.product.clone(),
        row.company.clone(),
        row.email.clone(),
        amount(row.amount),
        row.currency.to_ascii_uppercase(),
        row.status.to_string(),
        amount(row.amount_refunded),
        row.source.clone(),
    ];
    let mut line = fields
        .iter()
        .map(|f| field(f))
        .collect::<Vec<_>>()
        .join(",");
    line.push('\n');
    line
}

impl Backend {
    /// A page of payments matching `filter`, newest first, with the totals of all it matches.
    pub async fn payments(&self, filter: &PaymentFilter) -> Result<PaymentPage> {
        self.vendor_only()?;
        let query = filter.query(PAYMENTS_PER_PAGE + 1)?;
        let totals = self.store.payment_totals(&query).await?;
        let mut rows = self.store.list_payments(&query).await?;
        let more = rows.len() as i64 > PAYMENTS_PER_PAGE;
        rows.truncate(PAYMENTS_PER_PAGE as usize);
        let next = more.then(|| rows.last().map(cursor)).flatten();
        Ok(PaymentPage { rows, totals, next })
    }

    /// The next `CSV_BATCH` payments matching `filter` after `after` (none: the newest), and
    /// the cursor after them (none when they were the last).
    pub async fn payments_batch(
        &self,
        filter: &PaymentFilter,
        after: Option<String>,
    ) -> Result<(Vec<PaymentRow>, Option<String>)> {
        self.vendor_only()?;
        let filter = PaymentFilter {
            after,
            ..filter.clone()
        };
        let rows = self.store.list_payments(&filter.query(CSV_BATCH)?).await?;
        let next = (rows.len() as i64 == CSV_BATCH)
            .then(|| rows.last().map(cursor))
            .flatten();
        Ok((rows, next))
    }

    /// Whether the license `id` was paid for, with its payments.
    pub async fn verify_payment(&self, id: &str) -> Result<PaymentVerification> {
        self.vendor_only()?;
        let license = self.get_license(id).await?;
        let payments = self.store.payments_of(id).await?;
        Ok(PaymentVerification {
            license_id: license.id,
            license_status: license.status,
            paid: payments.iter().any(|p| p.status == PaymentStatus::Paid),
            payments: payments
                .into_iter()
                .map(|p| VerifiedPayment {
                    price: money(p.amount, &p.currency),
                    id: p.id,
                    amount: p.amount,
                    currency: p.currency,
                    status: p.status,
                    amount_refunded: p.amount_refunded,
                    paid_at: p.paid_at,
                    source: p.source,
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(field("Acme"), "Acme");
        assert_eq!(field("Acme, Inc."), "\"Acme, Inc.\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("+1"), "'+1");
        assert_eq!(field("line\nbreak"), "\"line\nbreak\"");
    }

    #[test]
    fn a_filter_reads_dates_as_whole_days_and_refuses_what_is_not_one() {
        let q = PaymentFilter {
            from: Some("2026-11-01".into()),
            to: Some("2026-11-30".into()),
            ..PaymentFilter::default()
        }
        .query(10)
        .unwrap();
        assert_eq!(q.from, Some(1_793_491_200));
        assert_eq!(q.until, Some(1_796_083_200), "the last day is included");
        let bad = PaymentFilter {
            to: Some("30/11/2026".into()),
            ..PaymentFilter::default()
        };
        assert!(bad.query(10).unwrap_err().to_string().starts_with("to:"));
    }
}
