//! Compares `jws::verify` (decode, header rules, strict Ed25519, claims parsing) with a raw
//! `VerifyingKey::verify_strict` of the same signature over the same signing input.
//!
//! Many short rounds of both are interleaved in one process (alternating which goes first)
//! and the median round of each is reported, so frequency scaling and noisy neighbours hit
//! both sides alike and a preempted round is discarded as an outlier. The median of the
//! per-round ratios is printed too. Target: raw/ours ≥ 0.95.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ed25519_dalek::Signature;
use tessera_license::claims::{Claims, Customer, LicenseGrant, LicenseKind, SeatGrant, Tier};
use tessera_license::jws::{self, VerifyOptions};
use tessera_license::{Domain, Email, KeySet, Kid, LicenseId, ProductKey, SigningKeyPair};

const ROUNDS: usize = 201;
const ITERS: u32 = 100;
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

fn time(iters: u32, mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    start.elapsed()
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

/// Runs both sides in interleaved rounds, alternating which goes first so neither always
/// runs on a warmer cache; returns (ours, raw) round times.
fn interleave(mut ours: impl FnMut(), mut raw: impl FnMut()) -> (Vec<Duration>, Vec<Duration>) {
    time(ITERS * 5, &mut ours);
    time(ITERS * 5, &mut raw);
    let (mut ours_rounds, mut raw_rounds) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        if round % 2 == 0 {
            ours_rounds.push(time(ITERS, &mut ours));
            raw_rounds.push(time(ITERS, &mut raw));
        } else {
            raw_rounds.push(time(ITERS, &mut raw));
            ours_rounds.push(time(ITERS, &mut ours));
        }
    }
    (ours_rounds, raw_rounds)
}

fn report(token_len: usize, ours_rounds: Vec<Duration>, raw_rounds: Vec<Duration>) {
    let mut paired: Vec<f64> = raw_rounds
        .iter()
        .zip(&ours_rounds)
        .map(|(raw, ours)| raw.as_secs_f64() / ours.as_secs_f64())
        .collect();
    paired.sort_by(f64::total_cmp);
    let per_op = |d: Duration| d.as_nanos() as f64 / f64::from(ITERS);
    let (ours_ns, raw_ns) = (per_op(median(ours_rounds)), per_op(median(raw_rounds)));
    println!("token: {token_len} bytes");
    println!("jws::verify                 {ours_ns:>10.0} ns/op");
    println!("raw verify_strict           {raw_ns:>10.0} ns/op");
    println!(
        "ratio (raw_time / ours_time) = {:.3}  (target >= 0.95)",
        raw_ns / ours_ns
    );
    println!(
        "median of per-round ratios   = {:.3}  ({ROUNDS} rounds x {ITERS} iterations)",
        paired[paired.len() / 2]
    );
}

fn main() {
    let key = SigningKeyPair::generate(Some(Kid::parse("bench-2025").expect("valid kid")));
    let keys = KeySet::new(vec![key.public()]);
    let token = jws::sign(&realistic_claims(), &key);
    let opts = VerifyOptions::at(NOW).audience(ProductKey::parse("tessera").expect("valid"));
    let (input, sig_b64) = token.rsplit_once('.').expect("three segments");
    let sig_bytes: [u8; 64] = URL_SAFE_NO_PAD
        .decode(sig_b64)
        .expect("base64url")
        .try_into()
        .expect("64 bytes");
    let signature = Signature::from_bytes(&sig_bytes);
    let vk = *key.public().verifying_key();
    assert!(
        jws::verify(&token, &keys, &opts).is_ok(),
        "the bench token must verify"
    );
    let ours = || {
        black_box(jws::verify(black_box(&token), black_box(&keys), black_box(&opts)).is_ok());
    };
    let raw = || {
        black_box(
            vk.verify_strict(black_box(input.as_bytes()), black_box(&signature))
                .is_ok(),
        );
    };
    let (ours_rounds, raw_rounds) = interleave(ours, raw);
    report(token.len(), ours_rounds, raw_rounds);
}
