//! Tessera's license core: validated ids, claims, EdDSA JWS signing and verification, key
//! sets, the entitlement state machine and seats.
//!
//! Pure and synchronous: no I/O, no async, no web dependencies, so customers can embed it in
//! their own installs. Time is always passed in (unix seconds), never read.

//!
//! Without its default `tokens` feature only [`vocab`] is built: the words Tessera speaks,
//! with no dependency the browser build could not take.

#![warn(missing_docs)]

pub mod vocab;

#[cfg(feature = "tokens")]
pub mod claims;
#[cfg(feature = "tokens")]
pub mod ids;
#[cfg(feature = "tokens")]
pub mod jws;
#[cfg(feature = "tokens")]
pub mod keys;
#[cfg(feature = "tokens")]
pub mod seats;
#[cfg(feature = "tokens")]
pub mod state;

#[cfg(feature = "tokens")]
pub use claims::{Claims, Customer, LicenseGrant, SeatGrant};
#[cfg(feature = "tokens")]
pub use ids::*;
#[cfg(feature = "tokens")]
pub use jws::{sign, verify, Verified, VerifyError, VerifyOptions, MAX_TOKEN_BYTES};
#[cfg(feature = "tokens")]
pub use keys::{import_pem, ImportedKey, Jwk, Jwks, KeyError, KeySet, PublicKey, SigningKeyPair};
#[cfg(feature = "tokens")]
pub use state::{
    evaluate, Entitlements, EvalContext, Evaluation, LiveStatus, State, UnlicensedReason,
};
pub use vocab::{LicenseKind, Tier};

#[cfg(all(test, feature = "tokens"))]
mod test_support;
