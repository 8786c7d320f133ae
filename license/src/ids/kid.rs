//! `Kid`: the key id carried in a token header and a JWKS entry.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::{check_charset, string_newtype, IdError};

/// A key id: 1..=64 characters of `A-Z a-z 0-9 . _ -`.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Kid(String);

string_newtype!(Kid);

impl Kid {
    /// Parses a key id.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        Self::check(s)?;
        Ok(Self(s.to_owned()))
    }

    fn from_string(s: String) -> Result<Self, IdError> {
        Self::check(&s)?;
        Ok(Self(s))
    }

    /// Checks `s` is a valid key id without allocating.
    pub(crate) fn check(s: &str) -> Result<(), IdError> {
        check_charset(
            "kid",
            s,
            64,
            |b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'),
            "A-Z a-z 0-9 . _ -",
        )
    }

    /// The RFC 7638 JWK thumbprint of an Ed25519 key (SHA-256 over
    /// `{"crv":"Ed25519","kty":"OKP","x":"<b64url>"}`), base64url, first 16 characters.
    pub fn thumbprint(key: &ed25519_dalek::VerifyingKey) -> Kid {
        let x = URL_SAFE_NO_PAD.encode(key.as_bytes());
        let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
        let digest = Sha256::digest(canonical.as_bytes());
        let mut full = URL_SAFE_NO_PAD.encode(digest);
        full.truncate(16);
        Kid(full)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thumbprint_matches_rfc_8037_appendix_a3() {
        // RFC 8037 A.3: the thumbprint of the A.2 public key.
        let x = URL_SAFE_NO_PAD
            .decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
            .unwrap();
        let key = ed25519_dalek::VerifyingKey::from_bytes(&x.try_into().unwrap()).unwrap();
        let kid = Kid::thumbprint(&key);
        assert_eq!(kid.as_str(), "kPrK_qmxVWaYVA9w");
        assert_eq!(
            kid.as_str(),
            &"kPrK_qmxVWaYVA9wwE2x35h9f0qyBsXKs5BUCgnR8oM"[..16]
        );
        assert!(Kid::parse(kid.as_str()).is_ok());
    }

    #[test]
    fn a_kid_refuses_characters_that_could_break_a_header() {
        assert!(Kid::parse("2025-01.main_key").is_ok());
        for bad in ["", "a\"b", "a b", "a/b", "ключ", &"k".repeat(65)] {
            assert!(Kid::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
