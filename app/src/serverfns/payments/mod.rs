//! `/payments` (operators): payments received through Stripe, filtered, with totals.

mod payments_page;

pub use payments_page::*;
use serde::{Deserialize, Serialize};
use tessera_license::vocab::PaymentStatus;

/// One payment as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentEntry {
    pub id: String,
    pub paid_at: i64,
    pub license_id: String,
    pub product: String,
    pub company: String,
    pub email: String,
    /// `49.00 EUR`.
    pub amount: String,
    pub status: PaymentStatus,
    /// `0.00 EUR` when nothing was refunded.
    pub refunded: String,
}

/// Totals of one currency over everything the filters match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrencyTotal {
    pub count: i64,
    /// `1,234.00 EUR` style: the sum received.
    pub amount: String,
    pub refunded: String,
}

/// A page of payments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentList {
    pub rows: Vec<PaymentEntry>,
    pub totals: Vec<CurrencyTotal>,
    /// Pass as `after` for the next (older) page.
    pub next: Option<String>,
    /// Product keys to filter by (those of the catalog).
    pub products: Vec<String>,
}
