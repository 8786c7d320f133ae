//! Verification options and the verified result.

use crate::claims::Claims;
use crate::ids::{Kid, ProductKey};

use super::MAX_TOKEN_BYTES;

/// Default clock skew tolerated on `nbf` and `exp`.
pub const DEFAULT_LEEWAY_SECS: i64 = 60;

/// How to verify: the clock, tolerated skew, expected audience and size bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Now, in unix seconds.
    pub now: i64,
    /// Skew tolerated on `nbf` and `exp` (default 60 s).
    pub leeway_secs: i64,
    /// When set, `aud` must equal it.
    pub audience: Option<ProductKey>,
    /// Tokens longer than this are refused undecoded (default [`MAX_TOKEN_BYTES`]).
    pub max_bytes: usize,
    /// Whether an expired token is refused (default true; the state machine turns it off to
    /// apply grace itself).
    pub check_expiry: bool,
}

impl VerifyOptions {
    /// Defaults at `now`: 60 s leeway, any audience, 16 KiB, expiry checked.
    pub fn at(now: i64) -> Self {
        Self {
            now,
            leeway_secs: DEFAULT_LEEWAY_SECS,
            audience: None,
            max_bytes: MAX_TOKEN_BYTES,
            check_expiry: true,
        }
    }

    /// Requires `aud` to be this product (pass `None` to accept any).
    #[must_use]
    pub fn audience(mut self, audience: impl Into<Option<ProductKey>>) -> Self {
        self.audience = audience.into();
        self
    }

    /// Sets the tolerated clock skew.
    #[must_use]
    pub fn leeway(mut self, secs: i64) -> Self {
        self.leeway_secs = secs;
        self
    }

    /// Accepts expired tokens (they still get every other check).
    #[must_use]
    pub fn ignore_expiry(mut self) -> Self {
        self.check_expiry = false;
        self
    }

    /// Sets the size bound.
    #[must_use]
    pub fn max_bytes(mut self, max: usize) -> Self {
        self.max_bytes = max;
        self
    }
}

/// A token that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The kid of the pinned key that accepted the signature (always set by `verify`).
    pub kid: Option<Kid>,
    /// The claims.
    pub claims: Claims,
}
