//! Selling through Stripe: the account Tessera talks to (`TESSERA_STRIPE_*`) and the use
//! cases that call it: [`sync`] pushes the catalog to Stripe, [`checkout`] opens a hosted
//! checkout, [`fulfil`] turns a paid one into a license, [`webhook`], [`reconcile`] and
//! [`refunds`] act on Stripe's events.

pub mod checkout;
mod choice;
pub mod endpoint;
pub(crate) mod fulfil;
pub mod payments;
mod reconcile;
mod refunds;
pub mod signature;
pub mod sync;
pub mod webhook;

pub use checkout::{CheckoutInput, CheckoutView};
pub use endpoint::EnsuredWebhook;
pub use fulfil::STRIPE_ACTOR;
pub use refunds::{Refundable, REFUND_WINDOW_SECS};
pub use webhook::{WebhookOutcome, HANDLED_EVENTS, MAX_EVENT_BYTES};

use std::sync::Arc;

use secrecy::ExposeSecret as _;
use tessera_stripe::Stripe;

use crate::config::Config;
use crate::{Backend, Error, Result};

/// The Stripe client the configuration asks for, if any.
pub(crate) fn stripe_from(config: &Config) -> anyhow::Result<Option<Arc<Stripe>>> {
    let Some(key) = config.stripe_secret_key.as_ref() else {
        return Ok(None);
    };
    let stripe = Stripe::new(key.expose_secret(), config.stripe_api_base.as_deref())
        .map_err(|e| anyhow::anyhow!("TESSERA_STRIPE_SECRET_KEY / TESSERA_STRIPE_API_BASE: {e}"))?;
    Ok(Some(Arc::new(stripe)))
}

impl From<tessera_stripe::Error> for Error {
    fn from(err: tessera_stripe::Error) -> Self {
        match err {
            tessera_stripe::Error::Refused { status, message } if status < 500 => {
                Error::Conflict(format!("Stripe refused: {message}"))
            }
            other => Error::Internal(anyhow::Error::new(other).context("calling Stripe")),
        }
    }
}

impl Backend {
    /// The Stripe account, or why there is none.
    pub fn stripe(&self) -> Result<&Stripe> {
        self.vendor_only()?;
        self.stripe.as_deref().ok_or_else(|| {
            Error::invalid("Stripe is not configured: set TESSERA_STRIPE_SECRET_KEY")
        })
    }
}
