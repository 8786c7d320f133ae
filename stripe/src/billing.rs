//! What a customer's billing page reads from Stripe: their invoices, the card their last
//! payment used, and a billing-portal session where they manage both.

use stripe_billing::billing_portal_session::CreateBillingPortalSession;
use stripe_billing::invoice::ListInvoice;
use stripe_core::charge::RetrieveCharge;

use super::{Error, Stripe};

/// An invoice as a customer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceRef {
    pub id: String,
    /// `ACME-0001`; none while it is a draft.
    pub number: Option<String>,
    pub created: i64,
    /// In the currency's smallest unit.
    pub total: i64,
    pub amount_paid: i64,
    pub currency: String,
    /// `draft`, `open`, `paid`, `uncollectible` or `void`.
    pub status: Option<String>,
    pub invoice_pdf: Option<String>,
    pub hosted_invoice_url: Option<String>,
}

impl From<stripe_shared::Invoice> for InvoiceRef {
    fn from(i: stripe_shared::Invoice) -> Self {
        Self {
            id: i.id.map(|id| id.to_string()).unwrap_or_default(),
            number: i.number,
            created: i.created,
            total: i.total,
            amount_paid: i.amount_paid,
            currency: i.currency.to_string(),
            status: i.status.map(|s| s.as_str().to_string()),
            invoice_pdf: i.invoice_pdf,
            hosted_invoice_url: i.hosted_invoice_url,
        }
    }
}

/// The card a payment was made with (never its number: brand, last four digits, expiry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardRef {
    pub brand: String,
    pub last4: String,
    pub exp_month: i64,
    pub exp_year: i64,
}

impl Stripe {
    /// The customer's invoices, newest first, at most `limit` (1 to 100).
    pub async fn invoices(&self, customer: &str, limit: i64) -> Result<Vec<InvoiceRef>, Error> {
        let request = ListInvoice::new()
            .customer(customer)
            .limit(limit.clamp(1, 100));
        let list = self
            .retried("list invoices", || request.send(&self.client))
            .await?;
        Ok(list.data.into_iter().map(InvoiceRef::from).collect())
    }

    /// The card the charge `id` was paid with, when it was a card.
    pub async fn charge_card(&self, id: &str) -> Result<Option<CardRef>, Error> {
        let request = RetrieveCharge::new(id);
        let charge = self
            .retried("retrieve charge", || request.send(&self.client))
            .await?;
        Ok(charge
            .payment_method_details
            .and_then(|d| d.card)
            .map(|c| CardRef {
                brand: c.brand.unwrap_or_default(),
                last4: c.last4.unwrap_or_default(),
                exp_month: c.exp_month,
                exp_year: c.exp_year,
            }))
    }

    /// A billing-portal session for the customer, coming back to `return_url`: where they
    /// change their card, plan or seats, see invoices and cancel.
    pub async fn portal_session(&self, customer: &str, return_url: &str) -> Result<String, Error> {
        let request = CreateBillingPortalSession::new()
            .customer(customer)
            .return_url(return_url);
        let session = self
            .retried("create billing portal session", || {
                request.send(&self.client)
            })
            .await?;
        Ok(session.url)
    }
}
