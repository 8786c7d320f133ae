use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use tessera_license::claims::{Claims, Customer, LicenseGrant, LicenseKind, SeatGrant, Tier};
use tessera_license::jws::{self, VerifyOptions};
use tessera_license::{Domain, Email, KeySet, Kid, LicenseId, ProductKey, SigningKeyPair};

const NOW: i64 = 1_735_732_800;
fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn realistic_claims() -> Claims {
    let seat = |roles: &[(&str, u32)], pool| SeatGrant {
        roles: roles.iter().map(|(r, n)| ((*r).to_owned(), *n)).collect(),
        pool,
    };
    Claims {
        iss: "https://licensing.vendor.example".to_owned(),
        sub: LicenseId::generate(1_735_732_800_000),
        aud: ProductKey::parse("tessera").expect("valid product key"),
        iat: NOW - 86_400,
        nbf: NOW - 86_400,
        exp: Some(NOW + 365 * 86_400),
        jti: "01JH2K9X4R7V6W3Q8M5N0P1T2S".to_owned(),
        lic: LicenseGrant {
            tier: Tier::Growth,
            kind: LicenseKind::Subscription,
            plan: Some("growth-annual".to_owned()),
            features: strings(&[
                "recurring_billing",
                "sso",
                "audit_export",
                "webhooks",
                "api",
            ]),
            caps: BTreeMap::from([
                ("products".to_owned(), 100),
                ("rooms".to_owned(), 250),
                ("storage_gb".to_owned(), 500),
            ]),
            plugins: strings(&["booking", "crm", "invoicing", "analytics"]),
            themes: strings(&["aurora", "midnight"]),
            niches: strings(&["hotels", "coworking"]),
            seats: BTreeMap::from([
                (
                    "booking".to_owned(),
                    seat(&[("editor", 10), ("manager", 3)], None),
                ),
                ("crm".to_owned(), seat(&[], Some(25))),
            ]),
            domains: vec![
                Domain::parse("example.com").expect("valid domain"),
                Domain::parse("example.co.uk").expect("valid domain"),
            ],
            node_lock: None,
            support_until: Some(NOW + 365 * 86_400),
            trial: false,
            customer: Customer {
                email: Email::parse("billing@example.com").expect("valid email"),
                company: "Example Hospitality Group Ltd".to_owned(),
                tax_id: Some("GB123456789".to_owned()),
            },
        },
    }
}

fn bench(name: &str, n: u32, mut f: impl FnMut()) {
    let mut best = f64::MAX;
    for _ in 0..30 {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        best = best.min(t.elapsed().as_nanos() as f64 / f64::from(n));
    }
    println!("{name:<30} {best:>10.0} ns");
}

fn main() {
    let key = SigningKeyPair::generate(Some(Kid::parse("bench-2025").expect("valid kid")));
    let keys = KeySet::new(vec![key.public()]);
    let token = jws::sign(&realistic_claims(), &key);
    let opts = VerifyOptions::at(NOW).audience(ProductKey::parse("tessera").expect("valid"));
    let mut parts = token.split('.');
    let (h, p, _s) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let payload = URL_SAFE_NO_PAD.decode(p).unwrap();
    println!("{}", std::str::from_utf8(&payload).unwrap());
    if std::env::args().nth(1).as_deref() == Some("claims") {
        bench("claims from_str", 1_000_000, || {
            black_box(
                serde_json::from_str::<Claims>(black_box(std::str::from_utf8(&payload).unwrap()))
                    .unwrap(),
            );
        });
        return;
    }
    bench("full verify", 2000, || {
        black_box(jws::verify(black_box(&token), &keys, &opts).is_ok());
    });
    let (input, sig_b64) = token.rsplit_once('.').unwrap();
    let sig: [u8; 64] = URL_SAFE_NO_PAD.decode(sig_b64).unwrap().try_into().unwrap();
    let signature = ed25519_dalek::Signature::from_bytes(&sig);
    let vk = *key.public().verifying_key();
    bench("raw", 2000, || {
        black_box(
            vk.verify_strict(black_box(input.as_bytes()), black_box(&signature))
                .is_ok(),
        );
    });
    bench("full verify", 2000, || {
        black_box(jws::verify(black_box(&token), &keys, &opts).is_ok());
    });
    bench("raw", 2000, || {
        black_box(
            vk.verify_strict(black_box(input.as_bytes()), black_box(&signature))
                .is_ok(),
        );
    });
    bench("b64 payload", 20000, || {
        black_box(URL_SAFE_NO_PAD.decode(black_box(p)).unwrap());
    });
    bench("b64 header", 20000, || {
        black_box(URL_SAFE_NO_PAD.decode(black_box(h)).unwrap());
    });
    bench("claims from_slice", 20000, || {
        black_box(serde_json::from_slice::<Claims>(black_box(&payload)).unwrap());
    });
    bench("claims from_str", 20000, || {
        black_box(
            serde_json::from_str::<Claims>(black_box(std::str::from_utf8(&payload).unwrap()))
                .unwrap(),
        );
    });
    bench("ignored any", 20000, || {
        black_box(serde_json::from_slice::<serde::de::IgnoredAny>(black_box(&payload)).unwrap());
    });
    let key2 = SigningKeyPair::generate(Some(Kid::parse("bench-2025").unwrap()));
    let keys2 = KeySet::new(vec![key2.public()]);
    bench("verify wrong key", 2000, || {
        black_box(jws::verify(black_box(&token), &keys2, &opts).is_ok());
    });
    bench("parse_claims", 20000, || {
        black_box(jws::scratch_parse(black_box(&payload)));
    });
    let js = std::str::from_utf8(&payload).unwrap();
    bench("fast only", 20000, || {
        black_box(jws::scratch_fast(black_box(js)));
    });
    bench("domain parse x2", 20000, || {
        black_box(Domain::parse(black_box("example.com")).unwrap());
        black_box(Domain::parse(black_box("example.co.uk")).unwrap());
    });
    bench("email parse", 20000, || {
        black_box(Email::parse(black_box("billing@example.com")).unwrap());
    });
    bench("licid parse", 20000, || {
        black_box(LicenseId::parse(black_box("lic_01JH2K9X4R7V6W3Q8M5N0P1T2S")).unwrap());
    });
    let c = serde_json::from_slice::<Claims>(&payload).unwrap();
    bench("clone claims", 20000, || {
        black_box(black_box(&c).clone());
    });
}
