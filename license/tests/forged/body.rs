//! Forged signatures, tampered or invalid payloads, and policy refusals (time, audience,
//! keys).

use super::*;

/// Every signature case.
pub(super) fn signature_cases() -> Vec<Case> {
    let sig = good_signature();
    let mut flipped = sig;
    flipped[10] ^= 1;
    let rogue = SigningKeyPair::from_seed(&[0xAB; 32], Kid::parse("k1").expect("kid"));
    let p = payload().to_string();
    let mut all = cases! {
        "signature_truncated_to_63_bytes" => edit(2, |_| b64(&sig[..63])), "bad_signature";
        "signature_extended_to_65_bytes" => edit(2, |_| b64([&sig[..], &[0]].concat())), "bad_signature";
        "signature_empty" => edit(2, |_| String::new()), "bad_signature";
        "signature_all_zeros" => edit(2, |_| b64([0u8; 64])), "bad_signature";
        "signature_all_ones" => edit(2, |_| b64([0xFFu8; 64])), "bad_signature";
        "signature_one_bit_flipped" => edit(2, |_| b64(flipped)), "bad_signature";
        "signature_non_canonical_s" => non_canonical_s(), "bad_signature";
        "signature_by_unpinned_key_claiming_pinned_kid" => signed(STD_HEADER, &p, &rogue), "bad_signature";
        "signature_by_unpinned_key_without_kid" => signed(r#"{"alg":"EdDSA"}"#, &p, &rogue), "bad_signature";
        "small_order_public_key_and_identity_r" => small_order_forgery(), "bad_signature";
    };
    if let Some(last) = all.last_mut() {
        last.keys = small_order_keys();
    }
    all
}

/// Payloads changed after signing: the signature no longer matches.
pub(super) fn tampered_cases() -> Vec<Case> {
    let tampered = |f: fn(&mut Value)| swap_payload(&with_payload(f));
    let drop_exp = |p: &mut Value| {
        p.as_object_mut().map(|o| o.remove("exp"));
    };
    let add_domain = |p: &mut Value| {
        if let Some(domains) = p["lic"]["domains"].as_array_mut() {
            domains.push(json!("evil.org"));
        }
    };
    cases! {
        "payload_sub_changed" => tampered(|p| p["sub"] = json!("lic_01HZZZZZZZZZZZZZZZZZZZZZZZ")), "bad_signature";
        "payload_exp_removed" => tampered(drop_exp), "bad_signature";
        "payload_tier_upgraded" => tampered(|p| p["lic"]["tier"] = json!("enterprise")), "bad_signature";
        "payload_domain_added" => tampered(add_domain), "bad_signature";
    }
}

/// Payloads signed by the real key but not valid claims.
pub(super) fn payload_cases() -> Vec<Case> {
    let resign = |f: fn(&mut Value)| resigned(&with_payload(f));
    let text = payload().to_string();
    let drop_lic = |p: &mut Value| {
        p.as_object_mut().map(|o| o.remove("lic"));
    };
    let before_nbf = |p: &mut Value| p["exp"] = json!(p["nbf"].as_i64().unwrap_or(0) - 1);
    cases! {
        "payload_not_json" => resigned_text("not json"), "bad_json";
        "payload_truncated_json" => resigned_text(&text[..40]), "bad_json";
        "payload_trailing_garbage" => resigned_text(&format!("{text} x")), "bad_json";
        "payload_invalid_utf8" => signed_bytes(&[b'{', 0xff, b'}']), "bad_json";
        "payload_json_array" => resigned_text("[1,2,3]"), "invalid_claims";
        "payload_exp_as_string" => resign(|p| p["exp"] = json!("2099-01-01")), "invalid_claims";
        "payload_iat_as_float" => resign(|p| p["iat"] = json!(1.5)), "invalid_claims";
        "payload_invalid_email" => resign(|p| p["lic"]["customer"]["email"] = json!("nope")), "invalid_claims";
        "payload_subdomain_binding" => resign(|p| p["lic"]["domains"][0] = json!("app.example.com")), "invalid_claims";
        "payload_public_suffix_binding" => resign(|p| p["lic"]["domains"][0] = json!("co.uk")), "invalid_claims";
        "payload_bad_license_id" => resign(|p| p["sub"] = json!("license-42")), "invalid_claims";
        "payload_unknown_tier" => resign(|p| p["lic"]["tier"] = json!("platinum")), "invalid_claims";
        "payload_missing_lic" => resign(drop_lic), "invalid_claims";
        "payload_negative_seats" => resign(|p| p["lic"]["seats"]["booking"]["pool"] = json!(-1)), "invalid_claims";
        "payload_exp_before_nbf" => resign(before_nbf), "invalid_claims";
        "payload_empty_jti" => resign(|p| p["jti"] = json!("")), "invalid_claims";
    }
}

fn resigned_text(text: &str) -> String {
    signed(STD_HEADER, text, &k1())
}

fn signed_bytes(payload: &[u8]) -> String {
    let input = format!("{}.{}", b64(STD_HEADER), b64(payload));
    let signature = ed25519_secret(&k1()).sign(input.as_bytes());
    format!("{input}.{}", b64(signature.to_bytes()))
}

/// Valid tokens refused by the verifier's policy: time, audience, keys, size.
pub(super) fn policy_cases() -> Vec<Case> {
    let mut expired = case("expired", good(), "expired");
    expired.opts = VerifyOptions::at(NOW + 400 * DAY);
    let mut early = case("not_yet_valid", good(), "not_yet_valid");
    early.opts = VerifyOptions::at(NOW - 30 * DAY);
    let mut audience = case("wrong_audience", good(), "wrong_audience");
    let other = ProductKey::parse("other-product").expect("valid");
    audience.opts = VerifyOptions::at(NOW).audience(other);
    let mut no_keys = case("no_keys_pinned", good(), "no_keys");
    no_keys.keys = KeySet::default();
    let mut small_limit = case("over_a_custom_size_limit", good(), "too_large");
    small_limit.opts = VerifyOptions::at(NOW).max_bytes(100);
    vec![expired, early, audience, no_keys, small_limit]
}
