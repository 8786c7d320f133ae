//! Why a token was refused: one variant per rule, each with a stable code.

use crate::ids::{Kid, ProductKey};

/// Why [`verify`](super::verify) refused a token. `Display` gives the precise reason;
/// [`code`](Self::code) a stable snake_case code for APIs and logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The token is longer than the allowed maximum; nothing was decoded.
    #[error("token is larger than the allowed maximum size; it was not decoded")]
    TooLarge,
    /// The token is not three dot-separated segments.
    #[error("token must be exactly three dot-separated segments (header.payload.signature)")]
    Malformed,
    /// A segment is not strict base64url without padding.
    #[error("token {part} is not base64url without padding")]
    BadBase64 {
        /// `header`, `payload` or `signature`.
        part: &'static str,
    },
    /// A segment is not a well-formed JSON object (for the header: also a repeated member).
    #[error("token {part} is not a well-formed JSON object without repeated members")]
    BadJson {
        /// `header` or `payload`.
        part: &'static str,
    },
    /// The header has no `alg`.
    #[error("token header has no alg; only EdDSA is accepted")]
    MissingAlg,
    /// The header names another algorithm.
    #[error("token signed with unsupported alg {0:?}; only EdDSA is accepted")]
    UnsupportedAlg(String),
    /// The header carries `crit`, which this verifier does not implement.
    #[error("token header has a crit parameter; no critical extensions are supported")]
    CritHeader,
    /// The header `typ` is not `JWT`.
    #[error("token header typ is not JWT")]
    WrongType,
    /// The header `kid` is not a valid key id.
    #[error("token header kid is not a valid key id (1-64 of A-Z a-z 0-9 . _ -)")]
    BadKid,
    /// The header `kid` is not pinned.
    #[error("token signed with key \"{0}\", which is not among the pinned keys")]
    UnknownKid(Kid),
    /// No verification key is pinned.
    #[error("no verification keys are pinned; every token is refused")]
    NoKeys,
    /// The signature does not verify under the pinned key(s).
    #[error("token signature does not verify under the pinned key")]
    BadSignature,
    /// The signed payload is JSON but not a valid claim set.
    #[error("token claims are invalid: {0}")]
    InvalidClaims(String),
    /// `nbf` is in the future.
    #[error("token is not valid before {nbf} (unix seconds)")]
    NotYetValid {
        /// Not before.
        nbf: i64,
    },
    /// `exp` has passed.
    #[error("token expired at {exp} (unix seconds)")]
    Expired {
        /// Expiry.
        exp: i64,
    },
    /// The token is for another product.
    #[error("token is for product \"{found}\", not \"{expected}\"")]
    WrongAudience {
        /// The product this verifier serves.
        expected: ProductKey,
        /// The token's `aud`.
        found: ProductKey,
    },
}

impl VerifyError {
    /// A stable snake_case code, e.g. `"bad_signature"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge => "too_large",
            Self::Malformed => "malformed",
            Self::BadBase64 { .. } => "bad_base64",
            Self::BadJson { .. } => "bad_json",
            Self::MissingAlg => "missing_alg",
            Self::UnsupportedAlg(_) => "unsupported_alg",
            Self::CritHeader => "crit_header",
            Self::WrongType => "wrong_type",
            Self::BadKid => "bad_kid",
            Self::UnknownKid(_) => "unknown_kid",
            Self::NoKeys => "no_keys",
            Self::BadSignature => "bad_signature",
            Self::InvalidClaims(_) => "invalid_claims",
            Self::NotYetValid { .. } => "not_yet_valid",
            Self::Expired { .. } => "expired",
            Self::WrongAudience { .. } => "wrong_audience",
        }
    }
}
