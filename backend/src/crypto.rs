//! The key-encryption key (KEK) that keeps signing keys encrypted at rest.
//!
//! The KEK comes from `TESSERA_KEK` (base64 of 32 bytes) or, when unset, from `kek.key` in
//! the data dir, created on first use with mode 0600. Seeds are sealed with
//! XChaCha20-Poly1305; the kid is the associated data, so a sealed seed cannot be moved to
//! another key's row.

use std::fs;
use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore as _;
use secrecy::ExposeSecret as _;
use zeroize::Zeroizing;

use crate::Config;

const NONCE_LEN: usize = 24;
const KEK_FILE: &str = "kek.key";

/// The key-encryption key. `Debug` never prints it.
pub struct Kek(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kek(***)")
    }
}

/// A sealed value could not be opened: wrong KEK, or the row was tampered with.
#[derive(Debug, thiserror::Error)]
#[error("the sealed key could not be decrypted (wrong key-encryption key, or tampered data)")]
pub struct OpenError;

impl Kek {
    /// Loads the KEK from the configuration, or from (or into) the data dir's key file.
    pub fn load(config: &Config) -> anyhow::Result<Self> {
        match &config.kek {
            Some(secret) => Self::from_base64(secret.expose_secret()).context("TESSERA_KEK"),
            None => Self::load_or_create_file(&config.data_dir.join(KEK_FILE)),
        }
    }

    /// Parses base64 of exactly 32 bytes.
    pub fn from_base64(text: &str) -> anyhow::Result<Self> {
        let bytes = Zeroizing::new(
            STANDARD
                .decode(text.trim())
                .context("the KEK must be base64 of 32 bytes")?,
        );
        let key: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| anyhow::anyhow!("the KEK must be 32 bytes, got {}", bytes.len()))?;
        Ok(Self(Zeroizing::new(key)))
    }

    /// A fresh random KEK.
    pub fn generate() -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(key.as_mut());
        Self(key)
    }

    fn load_or_create_file(path: &Path) -> anyhow::Result<Self> {
        if path.exists() {
            let text = Zeroizing::new(
                fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
            );
            return Self::from_base64(&text).with_context(|| format!("{}", path.display()));
        }
        let kek = Self::generate();
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let encoded = Zeroizing::new(STANDARD.encode(kek.0.as_ref()));
        write_private_file(path, encoded.as_bytes())?;
        tracing::info!(path = %path.display(), "created a new key-encryption key file");
        Ok(kek)
    }

    /// A separate 32-byte key for `purpose`, derived with HMAC-SHA256 so the KEK itself
    /// is never used for anything but sealing.
    pub fn derive(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        use hmac::digest::KeyInit;
        use hmac::{Hmac, Mac as _};
        let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(self.0.as_ref())
            .expect("HMAC takes keys of any length");
        mac.update(purpose.as_bytes());
        Zeroizing::new(mac.finalize().into_bytes().into())
    }

    /// Encrypts `plaintext`, binding it to `context` (the kid).
    pub fn seal(&self, context: &str, plaintext: &[u8]) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new(self.0.as_ref().into());
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plaintext,
            aad: context.as_bytes(),
        };
        let sealed = cipher
            .encrypt(XNonce::from_slice(&nonce), payload)
            .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory buffers");
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Decrypts what [`Kek::seal`] produced for the same `context`.
    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, OpenError> {
        if sealed.len() < NONCE_LEN {
            return Err(OpenError);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let cipher = XChaCha20Poly1305::new(self.0.as_ref().into());
        let payload = Payload {
            msg: body,
            aad: context.as_bytes(),
        };
        cipher
            .decrypt(XNonce::from_slice(nonce), payload)
            .map(Zeroizing::new)
            .map_err(|_| OpenError)
    }
}

#[cfg(unix)]
pub(crate) fn write_private_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))
}

#[cfg(not(unix))]
pub(crate) fn write_private_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_seed_opens_only_under_its_own_kid() {
        let kek = Kek::generate();
        let sealed = kek.seal("kid-a", b"seed bytes");
        assert_eq!(
            kek.open("kid-a", &sealed).unwrap().as_slice(),
            b"seed bytes"
        );
        assert!(kek.open("kid-b", &sealed).is_err());
        assert!(Kek::generate().open("kid-a", &sealed).is_err());
    }

    #[test]
    fn the_key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kek.key");
        let first = Kek::load_or_create_file(&path).unwrap();
        let sealed = first.seal("k", b"x");
        let second = Kek::load_or_create_file(&path).unwrap();
        assert_eq!(second.open("k", &sealed).unwrap().as_slice(), b"x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn a_kek_of_the_wrong_length_is_refused() {
        assert!(Kek::from_base64(&STANDARD.encode([1u8; 16])).is_err());
        assert!(Kek::from_base64("not base64!").is_err());
    }
}
