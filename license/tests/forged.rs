//! A corpus of forged and malformed tokens, each named, each with the exact refusal code.
//!
//! Tokens are hand-assembled from segments; because the tests hold the signing key, tampered
//! but re-signed tokens get past the signature and exercise the claim checks.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, VerifyingKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tessera_license::jws::{sign, verify, VerifyOptions};
use tessera_license::{KeySet, Kid, ProductKey, PublicKey, SigningKeyPair};

use common::{claims, key, DAY, NOW};

const STD_HEADER: &str = r#"{"alg":"EdDSA","kid":"k1","typ":"JWT"}"#;

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn k1() -> SigningKeyPair {
    key("k1", 1)
}

fn pinned() -> KeySet {
    KeySet::new(vec![k1().public(), key("k2", 2).public()])
}

fn payload() -> Value {
    serde_json::to_value(claims()).expect("claims serialise")
}

/// `header.payload.signature`, the signature by `signer` over the first two segments.
fn signed(header: &str, payload: &str, signer: &SigningKeyPair) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let signature = ed25519_secret(signer).sign(input.as_bytes());
    format!("{input}.{}", b64(signature.to_bytes()))
}

/// A standard header with `payload` as JSON, signed by k1.
fn resigned(payload: &Value) -> String {
    signed(STD_HEADER, &payload.to_string(), &k1())
}

fn ed25519_secret(key: &SigningKeyPair) -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&key.seed())
}

/// Raw segments, no signing.
fn raw(header: &str, payload: &str, signature: &[u8]) -> String {
    format!("{}.{}.{}", b64(header), b64(payload), b64(signature))
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .to_vec()
}

/// An HS256 token MAC'd with `secret` (the classic alg-confusion attack).
fn hs256(secret: &[u8]) -> String {
    let header = r#"{"alg":"HS256","kid":"k1","typ":"JWT"}"#;
    let input = format!("{}.{}", b64(header), b64(payload().to_string()));
    let mac = hmac_sha256(secret, input.as_bytes());
    format!("{input}.{}", b64(mac))
}

fn good() -> String {
    sign(&claims(), &k1())
}

fn segments(token: &str) -> (String, String, String) {
    let mut parts = token.split('.').map(str::to_owned);
    let mut next = || parts.next().expect("three segments");
    (next(), next(), next())
}

/// The good token with one segment replaced by `f(segment)`.
fn edit(part: usize, f: impl Fn(&str) -> String) -> String {
    let (h, p, s) = segments(&good());
    match part {
        0 => format!("{}.{p}.{s}", f(&h)),
        1 => format!("{h}.{}.{s}", f(&p)),
        _ => format!("{h}.{p}.{}", f(&s)),
    }
}

/// The good token's header and signature around a different payload.
fn swap_payload(payload: &Value) -> String {
    edit(1, |_| b64(payload.to_string()))
}

fn with_payload(f: impl Fn(&mut Value)) -> Value {
    let mut p = payload();
    f(&mut p);
    p
}

fn good_signature() -> [u8; 64] {
    let (_, _, s) = segments(&good());
    URL_SAFE_NO_PAD
        .decode(s)
        .expect("b64")
        .try_into()
        .expect("64 bytes")
}

/// Adds the group order L to S: same signature mod L, but not canonical.
fn non_canonical_s() -> String {
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut sig = good_signature();
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = u16::from(sig[32 + i]) + u16::from(L[i]) + carry;
        sig[32 + i] = sum as u8;
        carry = sum >> 8;
    }
    edit(2, |_| b64(sig))
}

/// The identity point: a small-order key under which `S = 0` "verifies" any message in
/// cofactorless, non-strict verification.
fn small_order_keys() -> KeySet {
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let weak = VerifyingKey::from_bytes(&identity).expect("the identity decompresses");
    KeySet::new(vec![PublicKey::new(Kid::parse("k1").expect("kid"), weak)])
}

fn small_order_forgery() -> String {
    let mut sig = [0u8; 64];
    sig[0] = 1;
    raw(STD_HEADER, &payload().to_string(), &sig)
}

struct Case {
    name: &'static str,
    token: String,
    keys: KeySet,
    opts: VerifyOptions,
    code: &'static str,
}

/// One `name => token, code;` line per case; braces keep rustfmt from spreading the table.
macro_rules! cases {
    ($($name:literal => $token:expr, $code:literal;)+) => {
        vec![$(case($name, $token, $code)),+]
    };
}

fn case(name: &'static str, token: String, code: &'static str) -> Case {
    Case {
        name,
        token,
        keys: pinned(),
        opts: VerifyOptions::at(NOW),
        code,
    }
}

#[path = "forged/body.rs"]
mod body;
#[path = "forged/header.rs"]
mod header;
#[path = "forged/shape.rs"]
mod shape;

/// Every case in the corpus.
fn corpus() -> Vec<Case> {
    [
        header::cases(),
        shape::cases(),
        body::signature_cases(),
        body::tampered_cases(),
        body::payload_cases(),
        body::policy_cases(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[test]
fn the_helpers_build_a_token_that_verifies() {
    assert!(verify(&good(), &pinned(), &VerifyOptions::at(NOW)).is_ok());
    assert!(verify(&resigned(&payload()), &pinned(), &VerifyOptions::at(NOW)).is_ok());
    let lower_typ = signed(
        r#"{"alg":"EdDSA","kid":"k1","typ":"jwt"}"#,
        &payload().to_string(),
        &k1(),
    );
    assert!(verify(&lower_typ, &pinned(), &VerifyOptions::at(NOW)).is_ok());
    let bare = signed(
        r#"{"alg":"EdDSA","x5t":"ignored"}"#,
        &payload().to_string(),
        &k1(),
    );
    assert!(verify(&bare, &pinned(), &VerifyOptions::at(NOW)).is_ok());
}

#[test]
fn every_forged_token_is_refused_with_its_exact_code() {
    let cases = corpus();
    assert!(cases.len() >= 45, "only {} cases", cases.len());
    let mut names = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for case in &cases {
        assert!(names.insert(case.name), "duplicate case name {}", case.name);
        match verify(&case.token, &case.keys, &case.opts) {
            Ok(_) => failures.push(format!("{}: ACCEPTED, expected {}", case.name, case.code)),
            Err(err) if err.code() != case.code => failures.push(format!(
                "{}: got {} ({err}), expected {}",
                case.name,
                err.code(),
                case.code
            )),
            Err(_) => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
