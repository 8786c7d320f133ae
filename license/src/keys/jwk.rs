//! JWK and JWKS (RFC 7517 / RFC 8037) for Ed25519 public keys, as served at
//! `/.well-known/jwks.json`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::{KeyError, PublicKey};
use crate::ids::Kid;

/// One Ed25519 public key as a JWK.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// Key type: `OKP`.
    pub kty: String,
    /// Curve: `Ed25519`.
    pub crv: String,
    /// The public key, base64url without padding.
    pub x: String,
    /// Key id; other issuers may omit it, in which case the thumbprint is used.
    #[serde(default)]
    pub kid: String,
    /// Algorithm: `EdDSA`; may be omitted by other issuers.
    #[serde(default)]
    pub alg: String,
    /// Public key use: `sig`; may be omitted by other issuers.
    #[serde(rename = "use", default)]
    pub use_: String,
}

impl Jwk {
    pub(super) fn from_public(key: &PublicKey) -> Self {
        Self {
            kty: "OKP".to_owned(),
            crv: "Ed25519".to_owned(),
            x: URL_SAFE_NO_PAD.encode(key.to_bytes()),
            kid: key.kid().to_string(),
            alg: "EdDSA".to_owned(),
            use_: "sig".to_owned(),
        }
    }

    /// Reads the JWK as a public key, refusing anything but an Ed25519 signing key.
    pub fn to_public_key(&self) -> Result<PublicKey, KeyError> {
        let bad = |reason: String| Err(KeyError::InvalidJwk(reason));
        if self.kty != "OKP" {
            return bad(format!("kty is {:?}; only \"OKP\" is accepted", self.kty));
        }
        if self.crv != "Ed25519" {
            return bad(format!(
                "crv is {:?}; only \"Ed25519\" is accepted",
                self.crv
            ));
        }
        if !self.alg.is_empty() && self.alg != "EdDSA" {
            return bad(format!("alg is {:?}; only \"EdDSA\" is accepted", self.alg));
        }
        if !self.use_.is_empty() && self.use_ != "sig" {
            return bad(format!("use is {:?}; only \"sig\" is accepted", self.use_));
        }
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(&self.x) else {
            return bad("x is not base64url without padding".to_owned());
        };
        let Ok(bytes) = <[u8; 32]>::try_from(bytes.as_slice()) else {
            return bad(format!("x decodes to {} bytes; expected 32", bytes.len()));
        };
        let kid = if self.kid.is_empty() {
            let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes)
                .map_err(|_| KeyError::InvalidJwk("x is not a point on Ed25519".to_owned()))?;
            Kid::thumbprint(&key)
        } else {
            Kid::parse(&self.kid)?
        };
        PublicKey::from_bytes(kid, &bytes)
    }
}

/// A JWK Set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwks {
    /// The keys.
    pub keys: Vec<Jwk>,
}

impl Jwks {
    /// Builds a JWKS from public keys.
    pub fn from_keys<'a>(keys: impl IntoIterator<Item = &'a PublicKey>) -> Self {
        Self {
            keys: keys.into_iter().map(PublicKey::to_jwk).collect(),
        }
    }
}
