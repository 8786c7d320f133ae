//! `KeySet`: the verification keys an install pins; a token verifies if any accepts it.

use super::{Jwks, KeyError, PublicKey};
use crate::ids::Kid;

/// Pinned verification keys, at most one per kid.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeySet {
    keys: Vec<PublicKey>,
}

impl KeySet {
    /// Builds a set; if two keys share a kid, the later one wins.
    pub fn new(keys: Vec<PublicKey>) -> Self {
        let mut set = Self::default();
        for key in keys {
            set.push(key);
        }
        set
    }

    /// Adds a key, replacing any key with the same kid.
    pub fn push(&mut self, key: PublicKey) {
        match self.keys.iter_mut().find(|k| k.kid() == key.kid()) {
            Some(slot) => *slot = key,
            None => self.keys.push(key),
        }
    }

    /// Reads a JWKS. Nothing is skipped silently: a key that is not an Ed25519 signing key,
    /// or a repeated kid, is an error.
    pub fn from_jwks(jwks: &Jwks) -> Result<Self, KeyError> {
        let mut set = Self::default();
        for jwk in &jwks.keys {
            let key = jwk.to_public_key()?;
            if set.get(key.kid()).is_some() {
                return Err(KeyError::DuplicateKid(key.kid().to_string()));
            }
            set.keys.push(key);
        }
        Ok(set)
    }

    /// The key with this kid.
    pub fn get(&self, kid: &Kid) -> Option<&PublicKey> {
        self.get_str(kid.as_str())
    }

    /// The key whose kid is `kid`, without building a [`Kid`].
    pub(crate) fn get_str(&self, kid: &str) -> Option<&PublicKey> {
        self.keys.iter().find(|k| k.kid().as_str() == kid)
    }

    /// The keys, in insertion order.
    pub fn iter(&self) -> std::slice::Iter<'_, PublicKey> {
        self.keys.iter()
    }

    /// How many keys are pinned.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is pinned (every token is then refused).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The pinned kids, in insertion order (reported in heartbeats as `accepted_kids`).
    pub fn kids(&self) -> Vec<Kid> {
        self.keys.iter().map(|k| k.kid().clone()).collect()
    }

    /// The set as a JWKS.
    pub fn to_jwks(&self) -> Jwks {
        Jwks::from_keys(&self.keys)
    }
}

impl<'a> IntoIterator for &'a KeySet {
    type Item = &'a PublicKey;
    type IntoIter = std::slice::Iter<'a, PublicKey>;

    fn into_iter(self) -> Self::IntoIter {
        self.keys.iter()
    }
}

impl FromIterator<PublicKey> for KeySet {
    fn from_iter<I: IntoIterator<Item = PublicKey>>(iter: I) -> Self {
        Self::new(iter.into_iter().collect())
    }
}
