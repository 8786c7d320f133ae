//! Unit tests for signing and verification; the forged-token corpus lives in
//! `tests/forged.rs`.

use super::*;
use crate::ids::ProductKey;
use crate::test_support::{claims, key, keyset, DAY, NOW};

fn header_of(token: &str) -> String {
    let b64 = token.split('.').next().unwrap();
    String::from_utf8(URL_SAFE_NO_PAD.decode(b64).unwrap()).unwrap()
}

#[test]
fn a_signed_token_verifies_to_the_same_claims() {
    let k = key("k1");
    let token = sign(&claims(), &k);
    let verified = verify(&token, &keyset(&[&k]), &VerifyOptions::at(NOW)).unwrap();
    assert_eq!(verified.claims, claims());
    assert_eq!(verified.kid.as_ref().map(|k| k.as_str()), Some("k1"));
}

#[test]
fn the_header_is_exactly_alg_kid_typ() {
    let token = sign(&claims(), &key("main-2025"));
    assert_eq!(
        header_of(&token),
        r#"{"alg":"EdDSA","kid":"main-2025","typ":"JWT"}"#
    );
    assert_eq!(token.split('.').nth(2).unwrap().len(), SIGNATURE_B64_LEN);
}

#[test]
fn a_token_without_kid_is_tried_against_every_pinned_key() {
    let (a, b) = (key("a"), key("b"));
    let token = sign(&claims(), &b);
    let (_, rest) = token.split_once('.').unwrap();
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"EdDSA"}"#);
    let payload = rest.split('.').next().unwrap();
    let input = format!("{header}.{payload}");
    let sig = b.signing_key().sign(input.as_bytes());
    let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()));
    let verified = verify(&token, &keyset(&[&a, &b]), &VerifyOptions::at(NOW)).unwrap();
    assert_eq!(verified.kid.unwrap().as_str(), "b");
    let only_a = verify(&token, &keyset(&[&a]), &VerifyOptions::at(NOW));
    assert_eq!(only_a.unwrap_err(), VerifyError::BadSignature);
}

#[test]
fn expiry_honours_leeway_and_can_be_ignored() {
    let k = key("k1");
    let keys = keyset(&[&k]);
    let exp = claims().exp.unwrap();
    let token = sign(&claims(), &k);
    assert!(verify(&token, &keys, &VerifyOptions::at(exp + 59)).is_ok());
    let err = verify(&token, &keys, &VerifyOptions::at(exp + 60)).unwrap_err();
    assert_eq!(err, VerifyError::Expired { exp });
    assert_eq!(err.code(), "expired");
    let late = VerifyOptions::at(exp + 365 * DAY).ignore_expiry();
    assert!(verify(&token, &keys, &late).is_ok());
    assert!(verify(&token, &keys, &VerifyOptions::at(exp).leeway(0)).is_err());
}

#[test]
fn not_before_honours_leeway() {
    let k = key("k1");
    let nbf = claims().nbf;
    let token = sign(&claims(), &k);
    let keys = keyset(&[&k]);
    assert!(verify(&token, &keys, &VerifyOptions::at(nbf - 60)).is_ok());
    let err = verify(&token, &keys, &VerifyOptions::at(nbf - 61)).unwrap_err();
    assert_eq!(err, VerifyError::NotYetValid { nbf });
}

#[test]
fn the_audience_must_match_when_set() {
    let k = key("k1");
    let token = sign(&claims(), &k);
    let keys = keyset(&[&k]);
    let ours = VerifyOptions::at(NOW).audience(ProductKey::parse("tessera").unwrap());
    assert!(verify(&token, &keys, &ours).is_ok());
    let other = VerifyOptions::at(NOW).audience(ProductKey::parse("other").unwrap());
    let err = verify(&token, &keys, &other).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"token is for product "tessera", not "other""#
    );
}

#[test]
fn an_oversized_token_is_refused_before_decoding() {
    let keys = keyset(&[&key("k1")]);
    let junk = "!".repeat(MAX_TOKEN_BYTES + 1);
    assert_eq!(
        verify(&junk, &keys, &VerifyOptions::at(NOW)),
        Err(VerifyError::TooLarge)
    );
    let small = VerifyOptions::at(NOW).max_bytes(10);
    let token = sign(&claims(), &key("k1"));
    assert_eq!(verify(&token, &keys, &small), Err(VerifyError::TooLarge));
}

#[test]
fn an_empty_key_set_refuses_everything() {
    let token = sign(&claims(), &key("k1"));
    let err = verify(&token, &KeySet::default(), &VerifyOptions::at(NOW)).unwrap_err();
    assert_eq!(err, VerifyError::NoKeys);
    assert_eq!(err.code(), "no_keys");
}

#[test]
fn error_messages_name_the_reason() {
    assert_eq!(
        VerifyError::UnsupportedAlg("HS256".to_owned()).to_string(),
        r#"token signed with unsupported alg "HS256"; only EdDSA is accepted"#
    );
    assert_eq!(
        VerifyError::BadBase64 { part: "payload" }.to_string(),
        "token payload is not base64url without padding"
    );
}
