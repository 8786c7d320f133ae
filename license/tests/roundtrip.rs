//! Property tests: sign → verify round trips, byte flips never verify, and PEM keys move
//! between this crate and OpenSSL unchanged.

mod common;

use std::collections::BTreeMap;

use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use tessera_license::claims::{Claims, Customer, LicenseGrant, LicenseKind, SeatGrant, Tier};
use tessera_license::jws::{sign, verify, VerifyOptions};
use tessera_license::keys::{import_pem, ImportedKey, PublicKey, SigningKeyPair};
use tessera_license::{Domain, Email, KeySet, LicenseId, ProductKey};

/// Written by `openssl genpkey -algorithm Ed25519` on the build machine.
const OPENSSL_PRIVATE_PEM: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIIYwebSEGnvkLfjQzI8UQUUVfjVG6ZSjLhFkdfhvNrZe
-----END PRIVATE KEY-----
";
/// `openssl pkey -in key.pem -pubout` of the key above.
const OPENSSL_PUBLIC_PEM: &str = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEADkE4eFY/tmcpnbPDocVNfz+xDGaSo/P9DqEKijP70zo=
-----END PUBLIC KEY-----
";

fn words(max: usize) -> impl Strategy<Value = Vec<String>> {
    vec("[a-z][a-z0-9_]{0,15}", 0..max)
}

fn domain() -> impl Strategy<Value = Domain> {
    (
        "[a-z][a-z0-9-]{0,14}[a-z0-9]",
        prop::sample::select(vec!["com", "co.uk", "de", "io", "org"]),
    )
        .prop_filter_map("registrable", |(label, tld)| {
            Domain::parse(&format!("{label}.{tld}")).ok()
        })
}

fn customer() -> impl Strategy<Value = Customer> {
    (
        "[A-Za-z0-9._+-]{1,20}",
        "[a-z]{1,10}\\.(com|org|io)",
        "\\PC{0,30}",
        option::of("[A-Z]{2}[0-9]{5,12}"),
    )
        .prop_map(|(local, host, company, tax_id)| Customer {
            email: Email::parse(&format!("{local}@{host}")).expect("generated emails are valid"),
            company,
            tax_id,
        })
}

fn seats() -> impl Strategy<Value = BTreeMap<String, SeatGrant>> {
    btree_map(
        "[a-z]{1,10}",
        (
            btree_map("[a-z]{1,8}", 0u32..500, 0..3),
            option::of(0u32..1000),
        )
            .prop_map(|(roles, pool)| SeatGrant { roles, pool }),
        0..3,
    )
}

fn grant() -> impl Strategy<Value = LicenseGrant> {
    let lists = (words(6), words(4), words(3), words(3), vec(domain(), 0..3));
    let rest = (
        prop::sample::select(Tier::ALL.to_vec()),
        prop::sample::select(LicenseKind::ALL.to_vec()),
        option::of("[a-z0-9-]{1,20}"),
        btree_map("[a-z_]{1,12}", 0i64..1_000_000, 0..4),
        seats(),
        option::of("[a-f0-9]{16,64}"),
        option::of(0i64..4_000_000_000),
        (any::<bool>(), customer()),
    );
    (lists, rest).prop_map(
        |(
            (features, plugins, themes, niches, domains),
            (tier, kind, plan, caps, seats, node_lock, support_until, (trial, customer)),
        )| {
            LicenseGrant {
                tier,
                kind,
                plan,
                features,
                caps,
                plugins,
                themes,
                niches,
                seats,
                domains,
                node_lock,
                support_until,
                trial,
                customer,
            }
        },
    )
}

fn claims() -> impl Strategy<Value = Claims> {
    (
        "\\PC{1,40}",
        (any::<u64>(), any::<[u8; 10]>()),
        "[a-z0-9][a-z0-9_-]{0,20}",
        0i64..4_000_000_000,
        option::of(0i64..400_000_000),
        "[A-Za-z0-9-]{1,32}",
        grant(),
    )
        .prop_map(|(iss, (ms, random), aud, nbf, ttl, jti, lic)| Claims {
            iss,
            sub: LicenseId::from_parts(ms, random),
            aud: ProductKey::parse(&aud).expect("generated keys are valid"),
            iat: nbf,
            nbf,
            exp: ttl.map(|t| nbf + t),
            jti,
            lic,
        })
}

fn fixed_key() -> SigningKeyPair {
    common::key("prop-key", 42)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_valid_claims_survive_sign_then_verify(claims in claims()) {
        let key = fixed_key();
        let token = sign(&claims, &key);
        let keys = KeySet::new(vec![key.public()]);
        let opts = VerifyOptions::at(claims.nbf).ignore_expiry().audience(claims.aud.clone());
        let verified = verify(&token, &keys, &opts).expect("a freshly signed token verifies");
        prop_assert_eq!(verified.claims, claims);
        prop_assert_eq!(verified.kid.as_ref(), Some(key.kid()));
    }

    #[test]
    fn no_byte_flip_of_a_valid_token_verifies(index in any::<prop::sample::Index>(), mask in 1u8..128) {
        let key = fixed_key();
        let token = sign(&common::claims(), &key);
        let keys = KeySet::new(vec![key.public()]);
        let mut bytes = token.into_bytes();
        let i = index.index(bytes.len());
        bytes[i] ^= mask;
        let flipped = String::from_utf8(bytes).expect("ASCII stays ASCII under a 7-bit mask");
        prop_assert!(verify(&flipped, &keys, &VerifyOptions::at(common::NOW)).is_err());
    }

    #[test]
    fn a_private_key_survives_pem_export_and_import(seed in any::<[u8; 32]>()) {
        let key = SigningKeyPair::from_seed(&seed, common::key("k", 0).kid().clone());
        let pem = key.to_pkcs8_pem();
        let ImportedKey::Private(back) = import_pem(&pem, Some(key.kid().clone())).expect("imports") else {
            return Err(TestCaseError::fail("a PRIVATE KEY PEM imported as public"));
        };
        prop_assert_eq!(*back.seed(), seed);
        prop_assert_eq!(back.public(), key.public());
    }

    #[test]
    fn a_public_key_survives_pem_export_and_import(seed in any::<[u8; 32]>()) {
        let public = SigningKeyPair::from_seed(&seed, common::key("k", 0).kid().clone()).public();
        let imported = PublicKey::from_spki_pem(&public.to_spki_pem(), Some(public.kid().clone()));
        prop_assert_eq!(imported.expect("imports"), public);
    }
}

#[test]
fn an_openssl_generated_key_imports_and_matches_its_openssl_public_key() {
    let ImportedKey::Private(key) = import_pem(OPENSSL_PRIVATE_PEM, None).expect("imports") else {
        panic!("openssl's PRIVATE KEY PEM imported as a public key");
    };
    let ImportedKey::Public(public) = import_pem(OPENSSL_PUBLIC_PEM, None).expect("imports") else {
        panic!("openssl's PUBLIC KEY PEM imported as a private key");
    };
    assert_eq!(key.public(), public);
    assert_eq!(key.public().to_spki_pem(), OPENSSL_PUBLIC_PEM);
    assert_eq!(key.to_pkcs8_pem().as_str(), OPENSSL_PRIVATE_PEM);
    let token = sign(&common::claims(), &key);
    let keys = KeySet::new(vec![public]);
    assert!(verify(&token, &keys, &VerifyOptions::at(common::NOW)).is_ok());
}
