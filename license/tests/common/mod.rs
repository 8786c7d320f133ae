//! Fixtures shared by the integration tests.

use std::collections::BTreeMap;

use tessera_license::claims::{Claims, Customer, LicenseGrant, LicenseKind, SeatGrant, Tier};
use tessera_license::{Domain, Email, Kid, LicenseId, ProductKey, SigningKeyPair};

/// Noon UTC, 2025-01-01.
pub const NOW: i64 = 1_735_732_800;
pub const DAY: i64 = 86_400;

/// A deterministic key named `kid`, derived from `seed_byte`.
pub fn key(kid: &str, seed_byte: u8) -> SigningKeyPair {
    SigningKeyPair::from_seed(&[seed_byte; 32], Kid::parse(kid).expect("valid kid"))
}

/// A realistic subscription, valid from ten days ago for a year.
pub fn claims() -> Claims {
    Claims {
        iss: "https://vendor.example".to_owned(),
        sub: LicenseId::from_parts(1_735_000_000_000, [9; 10]),
        aud: ProductKey::parse("tessera").expect("valid"),
        iat: NOW - 10 * DAY,
        nbf: NOW - 10 * DAY,
        exp: Some(NOW + 355 * DAY),
        jti: "jti-forged-base".to_owned(),
        lic: LicenseGrant {
            tier: Tier::Starter,
            kind: LicenseKind::Subscription,
            plan: Some("starter-annual".to_owned()),
            features: vec!["webhooks".to_owned()],
            caps: BTreeMap::from([("products".to_owned(), 10)]),
            plugins: vec!["booking".to_owned()],
            themes: Vec::new(),
            niches: Vec::new(),
            seats: BTreeMap::from([(
                "booking".to_owned(),
                SeatGrant {
                    roles: BTreeMap::from([("editor".to_owned(), 2)]),
                    pool: None,
                },
            )]),
            domains: vec![Domain::parse("example.com").expect("valid")],
            node_lock: None,
            support_until: None,
            trial: false,
            customer: Customer {
                email: Email::parse("ops@example.com").expect("valid"),
                company: "Example Ltd".to_owned(),
                tax_id: None,
            },
        },
    }
}
