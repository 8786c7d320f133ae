//! Shared fixtures for the unit tests.

use std::collections::BTreeMap;

use crate::claims::{Claims, Customer, LicenseGrant, LicenseKind, SeatGrant, Tier};
use crate::ids::{Domain, Email, Kid, LicenseId, ProductKey};
use crate::keys::{KeySet, SigningKeyPair};

/// Noon UTC, 2025-01-01.
pub(crate) const NOW: i64 = 1_735_732_800;
pub(crate) const DAY: i64 = 86_400;

pub(crate) fn key(name: &str) -> SigningKeyPair {
    let mut seed = [0u8; 32];
    for (i, b) in name.bytes().enumerate() {
        seed[i % 32] ^= b;
    }
    SigningKeyPair::from_seed(&seed, Kid::parse(name).unwrap())
}

pub(crate) fn keyset(keys: &[&SigningKeyPair]) -> KeySet {
    KeySet::new(keys.iter().map(|k| k.public()).collect())
}

/// A subscription valid from `NOW - 10 days` to `NOW + 20 days`.
pub(crate) fn claims() -> Claims {
    Claims {
        iss: "https://vendor.example".to_owned(),
        sub: LicenseId::from_parts(1_735_000_000_000, [7; 10]),
        aud: ProductKey::parse("tessera").unwrap(),
        iat: NOW - 10 * DAY,
        nbf: NOW - 10 * DAY,
        exp: Some(NOW + 20 * DAY),
        jti: "jti-1".to_owned(),
        lic: LicenseGrant {
            tier: Tier::Pro,
            kind: LicenseKind::Subscription,
            plan: Some("pro-monthly".to_owned()),
            features: vec!["recurring_billing".to_owned(), "sso".to_owned()],
            caps: BTreeMap::from([("products".to_owned(), 50), ("rooms".to_owned(), 10)]),
            plugins: vec!["booking".to_owned(), "crm".to_owned()],
            themes: vec!["dark".to_owned()],
            niches: vec!["hotels".to_owned()],
            seats: BTreeMap::from([(
                "booking".to_owned(),
                SeatGrant {
                    roles: BTreeMap::from([("editor".to_owned(), 3)]),
                    pool: Some(5),
                },
            )]),
            domains: vec![Domain::parse("example.com").unwrap()],
            node_lock: None,
            support_until: Some(NOW + 100 * DAY),
            trial: false,
            customer: Customer {
                email: Email::parse("ops@example.com").unwrap(),
                company: "Example Ltd".to_owned(),
                tax_id: Some("GB123456789".to_owned()),
            },
        },
    }
}
