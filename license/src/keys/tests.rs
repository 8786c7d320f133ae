//! Unit tests for key import/export, JWKs and key sets.

use super::*;

/// Written by `openssl genpkey -algorithm Ed25519`.
const OPENSSL_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIIYwebSEGnvkLfjQzI8UQUUVfjVG6ZSjLhFkdfhvNrZe
-----END PRIVATE KEY-----
";
/// Written by `openssl pkey -pubout` for the key above.
const OPENSSL_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEADkE4eFY/tmcpnbPDocVNfz+xDGaSo/P9DqEKijP70zo=
-----END PUBLIC KEY-----
";

#[test]
fn pem_output_is_byte_identical_to_openssl() {
    let pair = SigningKeyPair::from_pkcs8_pem(OPENSSL_PRIVATE, None).unwrap();
    assert_eq!(pair.to_pkcs8_pem().as_str(), OPENSSL_PRIVATE);
    assert_eq!(pair.public().to_spki_pem(), OPENSSL_PUBLIC);
    let public = PublicKey::from_spki_pem(OPENSSL_PUBLIC, None).unwrap();
    assert_eq!(public, pair.public());
}

#[test]
fn import_decides_by_the_pem_label() {
    assert!(matches!(
        import_pem(OPENSSL_PRIVATE, None),
        Ok(ImportedKey::Private(_))
    ));
    assert!(matches!(
        import_pem(OPENSSL_PUBLIC, None),
        Ok(ImportedKey::Public(_))
    ));
    let rsa = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n";
    assert_eq!(
        import_pem(rsa, None).unwrap_err(),
        KeyError::UnsupportedLabel("RSA PRIVATE KEY".to_owned())
    );
    let enc = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----";
    assert_eq!(import_pem(enc, None).unwrap_err(), KeyError::Encrypted);
    assert_eq!(import_pem("hello", None).unwrap_err(), KeyError::NotPem);
    assert_eq!(import_pem("", None).unwrap_err(), KeyError::NotPem);
}

#[test]
fn a_corrupt_pem_body_is_refused_with_the_decoder_reason() {
    let corrupt = OPENSSL_PRIVATE.replace("MC4C", "MC4D");
    assert!(matches!(
        import_pem(&corrupt, None),
        Err(KeyError::InvalidPrivateKey(_))
    ));
    let corrupt = OPENSSL_PUBLIC.replace("MCow", "MCox");
    assert!(matches!(
        import_pem(&corrupt, None),
        Err(KeyError::InvalidPublicKey(_))
    ));
}

#[test]
fn the_default_kid_is_the_jwk_thumbprint() {
    let pair = SigningKeyPair::generate(None);
    assert_eq!(pair.kid(), &Kid::thumbprint(pair.public().verifying_key()));
    let named = SigningKeyPair::generate(Some(Kid::parse("k1").unwrap()));
    assert_eq!(named.kid().as_str(), "k1");
}

#[test]
fn debug_never_prints_the_secret() {
    let pair = SigningKeyPair::from_seed(&[7; 32], Kid::parse("k1").unwrap());
    let shown = format!("{pair:?}");
    assert!(shown.contains("k1"));
    assert!(!shown.contains("07") && !shown.contains("[7"), "{shown}");
    assert_eq!(*pair.seed(), [7; 32]);
}

#[test]
fn small_order_public_keys_are_refused_on_import() {
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let err = PublicKey::from_bytes(Kid::parse("weak").unwrap(), &identity).unwrap_err();
    assert!(err.to_string().contains("small-order"), "{err}");
}

#[test]
fn a_jwks_round_trips_into_the_same_key_set() {
    let a = SigningKeyPair::generate(None).public();
    let b = SigningKeyPair::generate(Some(Kid::parse("b").unwrap())).public();
    let jwks = Jwks::from_keys([&a, &b]);
    let json = serde_json::to_string(&jwks).unwrap();
    assert!(json.contains(r#""use":"sig""#) && json.contains(r#""alg":"EdDSA""#));
    let parsed: Jwks = serde_json::from_str(&json).unwrap();
    let set = KeySet::from_jwks(&parsed).unwrap();
    assert_eq!(set.len(), 2);
    assert_eq!(set.get(a.kid()), Some(&a));
    assert_eq!(set.kids(), vec![a.kid().clone(), b.kid().clone()]);
    assert_eq!(set.to_jwks(), jwks);
}

#[test]
fn a_jwks_with_a_foreign_key_is_refused_not_skipped() {
    let good = SigningKeyPair::generate(None).public().to_jwk();
    let mut rsa = good.clone();
    rsa.kty = "RSA".to_owned();
    let err = KeySet::from_jwks(&Jwks {
        keys: vec![good.clone(), rsa],
    })
    .unwrap_err();
    assert!(err.to_string().contains("only \"OKP\""), "{err}");
    let mut x448 = good.clone();
    x448.crv = "X448".to_owned();
    assert!(KeySet::from_jwks(&Jwks { keys: vec![x448] }).is_err());
    let mut enc = good.clone();
    enc.use_ = "enc".to_owned();
    assert!(KeySet::from_jwks(&Jwks { keys: vec![enc] }).is_err());
    let dup = KeySet::from_jwks(&Jwks {
        keys: vec![good.clone(), good],
    })
    .unwrap_err();
    assert!(matches!(dup, KeyError::DuplicateKid(_)));
}

#[test]
fn a_jwk_without_kid_gets_its_thumbprint() {
    let key = SigningKeyPair::generate(None).public();
    let mut jwk = key.to_jwk();
    jwk.kid.clear();
    jwk.alg.clear();
    jwk.use_.clear();
    assert_eq!(jwk.to_public_key().unwrap(), key);
}

#[test]
fn pushing_a_key_with_a_known_kid_replaces_it() {
    let kid = Kid::parse("k").unwrap();
    let first = SigningKeyPair::generate(Some(kid.clone())).public();
    let second = SigningKeyPair::generate(Some(kid.clone())).public();
    let mut set = KeySet::new(vec![first]);
    set.push(second.clone());
    assert_eq!(set.len(), 1);
    assert_eq!(set.get(&kid), Some(&second));
    assert!(!set.is_empty() && KeySet::default().is_empty());
}
