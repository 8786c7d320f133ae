//! Tessera's Stripe adapter: the few calls Tessera makes, through async-stripe's typed
//! requests and models, against Stripe or any stand-in at another base URL.
//!
//! Every create carries an idempotency key the caller derives from what it creates, so a
//! create retried (here, after a timeout or a 5xx, or by a later run after a crash) makes
//! one object. Each attempt has a timeout; transient failures are retried with back-off.
//! The secret key goes only into the `Authorization` header (marked sensitive) and is never
//! logged or shown by `Debug`.

mod billing;
mod catalog;
mod checkout;
mod webhooks;

use std::future::Future;
use std::time::Duration;

use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError};

pub use billing::{CardRef, InvoiceRef};
pub use catalog::{CouponTerms, PriceRef, PriceTerms, ProductRef};
pub use checkout::{ItemRef, NewCheckout, SessionRef, SubscriptionRef};
pub use webhooks::{api_version, EndpointRef};

/// Attempts per call (the first and two retries).
const ATTEMPTS: u32 = 3;
/// Each attempt's time limit.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// The first retry's wait; it doubles.
const FIRST_BACKOFF: Duration = Duration::from_millis(300);

/// Why a Stripe call failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Stripe answered with an error (4xx, or 5xx after the retries).
    #[error("Stripe refused ({status}): {message}")]
    Refused { status: u16, message: String },
    /// Stripe could not be reached, or did not answer in time, after the retries.
    #[error("Stripe could not be reached: {0}")]
    Unreachable(String),
    /// Stripe answered something this adapter could not read.
    #[error("unreadable Stripe answer: {0}")]
    Unreadable(String),
    /// The adapter is misconfigured (a bad base URL or key).
    #[error("Stripe configuration: {0}")]
    Config(String),
}

impl Error {
    fn transient(&self) -> bool {
        match self {
            Error::Unreachable(_) => true,
            Error::Refused { status, .. } => matches!(status, 409 | 429 | 500..=599),
            _ => false,
        }
    }
}

impl From<StripeError> for Error {
    fn from(err: StripeError) -> Self {
        match err {
            StripeError::Stripe(errors, status) => Error::Refused {
                status,
                message: errors
                    .message
                    .clone()
                    .unwrap_or_else(|| "no message".into()),
            },
            StripeError::JSONDeserialize(m) => Error::Unreadable(m),
            StripeError::ClientError(m) => Error::Unreachable(m),
            StripeError::Timeout => Error::Unreachable("timed out".into()),
            StripeError::ConfigError(m) => Error::Config(m),
        }
    }
}

/// A Stripe account, through async-stripe.
pub struct Stripe {
    client: Client,
    base: String,
}

impl std::fmt::Debug for Stripe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stripe")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl Stripe {
    /// A client for the account whose secret key is `secret_key`, at `base` (Stripe's own
    /// `https://api.stripe.com/` when `None`).
    pub fn new(secret_key: &str, base: Option<&str>) -> Result<Self, Error> {
        let mut builder = ClientBuilder::new(secret_key).timeout(ATTEMPT_TIMEOUT);
        let base = base.unwrap_or("https://api.stripe.com/").to_string();
        builder = builder.url(base.clone());
        Ok(Self {
            client: builder.build()?,
            base,
        })
    }

    /// The base URL calls go to.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Runs `call` up to [`ATTEMPTS`] times while it fails transiently, waiting between
    /// attempts. Each attempt gets `strategy` (an idempotency key, for creates).
    async fn retried<T, F, Fut>(&self, what: &str, call: F) -> Result<T, Error>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, StripeError>>,
    {
        let mut wait = FIRST_BACKOFF;
        let mut attempt = 1;
        loop {
            match call().await.map_err(Error::from) {
                Err(err) if err.transient() && attempt < ATTEMPTS => {
                    tracing::warn!(stripe.call = what, attempt, error = %err, "retrying");
                    tokio_sleep(wait).await;
                    wait *= 2;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

/// The strategy of a create: one idempotency key for every attempt.
fn idempotent(key: &str) -> Result<RequestStrategy, Error> {
    IdempotencyKey::new(key)
        .map(RequestStrategy::Idempotent)
        .map_err(|e| Error::Config(format!("idempotency key: {e}")))
}

async fn tokio_sleep(wait: Duration) {
    tokio::time::sleep(wait).await;
}
