//! Tessera's license core: validated ids, claims, EdDSA JWS signing and verification, key
//! sets, the entitlement state machine and seats.
//!
//! Pure and synchronous: no I/O, no async, no web dependencies, so customers can embed it in
//! their own installs. Time is always passed in (unix seconds), never read.

#![warn(missing_docs)]

pub mod claims;
pub mod ids;
pub mod jws;
pub mod keys;
pub mod seats;
pub mod state;

pub use claims::{Claims, Customer, LicenseGrant, LicenseKind, SeatGrant, Tier};
pub use ids::*;
pub use jws::{sign, verify, Verified, VerifyError, VerifyOptions, MAX_TOKEN_BYTES};
pub use keys::{import_pem, ImportedKey, Jwk, Jwks, KeyError, KeySet, PublicKey, SigningKeyPair};
pub use state::{
    evaluate, Entitlements, EvalContext, Evaluation, LiveStatus, State, UnlicensedReason,
};

#[cfg(test)]
mod test_support;
