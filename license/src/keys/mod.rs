//! Ed25519 keys: signing key pairs, public keys, PEM import/export, JWK(S) and pinned key sets.
//!
//! PEM output is byte-for-byte what `openssl genpkey -algorithm Ed25519` and
//! `openssl pkey -pubout` write (PKCS#8 v1 and SPKI), so keys move freely between the two.

mod jwk;
mod set;

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::pkcs8::spki::DecodePublicKey as _;
use ed25519_dalek::pkcs8::DecodePrivateKey as _;
use ed25519_dalek::{SigningKey, VerifyingKey};
use zeroize::Zeroizing;

use crate::ids::{IdError, Kid};

pub use jwk::{Jwk, Jwks};
pub use set::KeySet;

/// DER prefix of an Ed25519 PKCS#8 v1 private key (RFC 8410), followed by the 32-byte seed.
const PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];
/// DER prefix of an Ed25519 SubjectPublicKeyInfo, followed by the 32-byte public key.
const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// Why a key could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The input has no `-----BEGIN ...-----` line.
    #[error("not a PEM document: expected a \"-----BEGIN PRIVATE KEY-----\" or \"-----BEGIN PUBLIC KEY-----\" line")]
    NotPem,
    /// The PEM label is not one we read.
    #[error("unsupported PEM label {0:?}; expected PRIVATE KEY (PKCS#8, as written by `openssl genpkey -algorithm Ed25519`) or PUBLIC KEY (SPKI)")]
    UnsupportedLabel(String),
    /// The private key is password-protected.
    #[error("encrypted private keys are not supported; decrypt first with `openssl pkey -in key.pem -out plain.pem`")]
    Encrypted,
    /// The PKCS#8 document is not a valid Ed25519 private key.
    #[error("invalid Ed25519 PKCS#8 private key: {0}")]
    InvalidPrivateKey(String),
    /// The SPKI document or raw bytes are not a usable Ed25519 public key.
    #[error("invalid Ed25519 public key: {0}")]
    InvalidPublicKey(String),
    /// A JWK is not an Ed25519 (OKP) signing key, or is inconsistent.
    #[error("invalid JWK: {0}")]
    InvalidJwk(String),
    /// Two keys in one set share a kid.
    #[error("duplicate kid {0:?} in key set")]
    DuplicateKid(String),
    /// The kid is not a valid key id.
    #[error(transparent)]
    Kid(#[from] IdError),
}

/// An Ed25519 signing key with its kid. `Debug` shows only the kid; the secret is zeroed on
/// drop.
#[derive(Clone)]
pub struct SigningKeyPair {
    kid: Kid,
    key: SigningKey,
}

impl fmt::Debug for SigningKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKeyPair")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKeyPair {
    /// Generates a key from the OS RNG; the kid defaults to the key's JWK thumbprint.
    pub fn generate(kid: Option<Kid>) -> Self {
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        Self::with_kid(key, kid)
    }

    /// Reads an unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pkcs8_pem(pem: &str, kid: Option<Kid>) -> Result<Self, KeyError> {
        match pem_label(pem)? {
            "PRIVATE KEY" => {}
            "ENCRYPTED PRIVATE KEY" => return Err(KeyError::Encrypted),
            other => return Err(KeyError::UnsupportedLabel(other.to_owned())),
        }
        let key = SigningKey::from_pkcs8_pem(pem.trim())
            .map_err(|e| KeyError::InvalidPrivateKey(e.to_string()))?;
        Ok(Self::with_kid(key, kid))
    }

    /// Builds a key from its 32-byte seed.
    pub fn from_seed(seed: &[u8; 32], kid: Kid) -> Self {
        Self {
            kid,
            key: SigningKey::from_bytes(seed),
        }
    }

    fn with_kid(key: SigningKey, kid: Option<Kid>) -> Self {
        let kid = kid.unwrap_or_else(|| Kid::thumbprint(&key.verifying_key()));
        Self { kid, key }
    }

    /// The 32-byte secret seed, zeroed when dropped.
    pub fn seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.key.to_bytes())
    }

    /// The key as PKCS#8 v1 PEM, exactly as `openssl genpkey -algorithm Ed25519` writes it.
    pub fn to_pkcs8_pem(&self) -> Zeroizing<String> {
        let mut der = Zeroizing::new([0u8; 48]);
        der[..16].copy_from_slice(&PKCS8_PREFIX);
        der[16..].copy_from_slice(self.seed().as_ref());
        let body = Zeroizing::new(STANDARD.encode(der.as_ref()));
        Zeroizing::new(format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            body.as_str()
        ))
    }

    /// The key id.
    pub fn kid(&self) -> &Kid {
        &self.kid
    }

    /// The matching public key, with the same kid.
    pub fn public(&self) -> PublicKey {
        PublicKey::new(self.kid.clone(), self.key.verifying_key())
    }

    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.key
    }
}

/// An Ed25519 public (verification) key with its kid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    kid: Kid,
    key: VerifyingKey,
}

impl PublicKey {
    /// Pairs a verifying key with a kid. Unlike the parsing constructors this does not refuse
    /// small-order keys; `verify` still rejects every signature under them.
    pub fn new(kid: Kid, key: VerifyingKey) -> Self {
        Self { kid, key }
    }

    /// Reads an SPKI PEM (`-----BEGIN PUBLIC KEY-----`); the kid defaults to the thumbprint.
    pub fn from_spki_pem(pem: &str, kid: Option<Kid>) -> Result<Self, KeyError> {
        match pem_label(pem)? {
            "PUBLIC KEY" => {}
            other => return Err(KeyError::UnsupportedLabel(other.to_owned())),
        }
        let key = VerifyingKey::from_public_key_pem(pem.trim())
            .map_err(|e| KeyError::InvalidPublicKey(e.to_string()))?;
        Self::checked(key, kid)
    }

    /// Reads a raw 32-byte public key.
    pub fn from_bytes(kid: Kid, bytes: &[u8; 32]) -> Result<Self, KeyError> {
        let key = VerifyingKey::from_bytes(bytes)
            .map_err(|_| KeyError::InvalidPublicKey("not a point on Ed25519".to_owned()))?;
        Self::checked(key, Some(kid))
    }

    fn checked(key: VerifyingKey, kid: Option<Kid>) -> Result<Self, KeyError> {
        if key.is_weak() {
            return Err(KeyError::InvalidPublicKey(
                "small-order point; it would accept forged signatures".to_owned(),
            ));
        }
        let kid = kid.unwrap_or_else(|| Kid::thumbprint(&key));
        Ok(Self { kid, key })
    }

    /// The raw 32-byte key.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The key as SPKI PEM, exactly as `openssl pkey -pubout` writes it.
    pub fn to_spki_pem(&self) -> String {
        let mut der = [0u8; 44];
        der[..12].copy_from_slice(&SPKI_PREFIX);
        der[12..].copy_from_slice(self.key.as_bytes());
        format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            STANDARD.encode(der)
        )
    }

    /// The key id.
    pub fn kid(&self) -> &Kid {
        &self.kid
    }

    /// The underlying dalek key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// The key as a JWK (`OKP`, `Ed25519`, `EdDSA`, `sig`).
    pub fn to_jwk(&self) -> Jwk {
        Jwk::from_public(self)
    }
}

/// A key read by [`import_pem`], private or public according to its PEM label.
#[derive(Debug, Clone)]
pub enum ImportedKey {
    /// A PKCS#8 private key.
    Private(SigningKeyPair),
    /// An SPKI public key.
    Public(PublicKey),
}

impl ImportedKey {
    /// The public half, whichever kind was imported.
    pub fn public(&self) -> PublicKey {
        match self {
            Self::Private(pair) => pair.public(),
            Self::Public(key) => key.clone(),
        }
    }
}

/// Imports a PEM key, deciding by its label: `PRIVATE KEY` (PKCS#8) or `PUBLIC KEY` (SPKI).
pub fn import_pem(pem: &str, kid: Option<Kid>) -> Result<ImportedKey, KeyError> {
    match pem_label(pem)? {
        "PRIVATE KEY" => SigningKeyPair::from_pkcs8_pem(pem, kid).map(ImportedKey::Private),
        "PUBLIC KEY" => PublicKey::from_spki_pem(pem, kid).map(ImportedKey::Public),
        "ENCRYPTED PRIVATE KEY" => Err(KeyError::Encrypted),
        other => Err(KeyError::UnsupportedLabel(other.to_owned())),
    }
}

/// The label of the first `-----BEGIN <label>-----` line.
fn pem_label(pem: &str) -> Result<&str, KeyError> {
    let line = pem
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .ok_or(KeyError::NotPem)?;
    line.strip_prefix("-----BEGIN ")
        .and_then(|rest| rest.strip_suffix("-----"))
        .ok_or(KeyError::NotPem)
}

#[cfg(test)]
mod tests;
