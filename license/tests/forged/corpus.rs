//! The forged-token corpus: one named case per attack or malformation.

use super::*;

fn header_cases() -> Vec<Case> {
    let p = payload().to_string();
    let pem = k1().public().to_spki_pem();
    let pk = k1().public().to_bytes();
    let hdr = |h: &str| signed(h, &p, &k1());
    vec![
        case("alg_none_without_signature", format!("{}.{}.", b64(r#"{"alg":"none","typ":"JWT"}"#), b64(&p)), "unsupported_alg"),
        case("alg_none_with_signature", hdr(r#"{"alg":"none","kid":"k1"}"#), "unsupported_alg"),
        case("alg_none_two_segments", format!("{}.{}", b64(r#"{"alg":"none"}"#), b64(&p)), "malformed"),
        case("alg_hs256_keyed_with_public_key_bytes", hs256(&pk), "unsupported_alg"),
        case("alg_hs256_keyed_with_spki_pem_text", hs256(pem.as_bytes()), "unsupported_alg"),
        case("alg_hs256_keyed_with_pem_without_newline", hs256(pem.trim_end().as_bytes()), "unsupported_alg"),
        case("alg_lowercase_eddsa", hdr(r#"{"alg":"eddsa","kid":"k1"}"#), "unsupported_alg"),
        case("alg_es256", hdr(r#"{"alg":"ES256","kid":"k1"}"#), "unsupported_alg"),
        case("alg_rs256", hdr(r#"{"alg":"RS256","kid":"k1"}"#), "unsupported_alg"),
        case("alg_fully_specified_ed25519", hdr(r#"{"alg":"Ed25519","kid":"k1"}"#), "unsupported_alg"),
        case("alg_with_trailing_space", hdr(r#"{"alg":"EdDSA ","kid":"k1"}"#), "unsupported_alg"),
        case("alg_missing", hdr(r#"{"kid":"k1","typ":"JWT"}"#), "missing_alg"),
        case("alg_null", hdr(r#"{"alg":null,"kid":"k1"}"#), "missing_alg"),
        case("alg_not_a_string", hdr(r#"{"alg":1,"kid":"k1"}"#), "bad_json"),
        case("header_duplicate_alg_none_first", hdr(r#"{"alg":"none","alg":"EdDSA","kid":"k1"}"#), "bad_json"),
        case("header_duplicate_alg_eddsa_first", hdr(r#"{"alg":"EdDSA","alg":"none","kid":"k1"}"#), "bad_json"),
        case("header_duplicate_kid", hdr(r#"{"alg":"EdDSA","kid":"k2","kid":"k1"}"#), "bad_json"),
        case("header_not_json", hdr("EdDSA please"), "bad_json"),
        case("header_json_array", hdr(r#"["alg","EdDSA"]"#), "bad_json"),
        case("header_json_string", hdr(r#""EdDSA""#), "bad_json"),
        case("header_empty", hdr(""), "bad_json"),
        case("header_invalid_utf8", format!("{}.{}.{}", b64([0x7b, 0xff, 0x7d]), b64(&p), b64([0u8; 64])), "bad_json"),
        case("header_crit", hdr(r#"{"alg":"EdDSA","kid":"k1","crit":["exp"]}"#), "crit_header"),
        case("header_typ_jwe", hdr(r#"{"alg":"EdDSA","kid":"k1","typ":"JWE"}"#), "wrong_type"),
        case("header_typ_at_jwt", hdr(r#"{"alg":"EdDSA","kid":"k1","typ":"at+jwt"}"#), "wrong_type"),
        case("kid_unknown", hdr(r#"{"alg":"EdDSA","kid":"k9"}"#), "unknown_kid"),
        case("kid_path_traversal", hdr(r#"{"alg":"EdDSA","kid":"../../etc/passwd"}"#), "bad_kid"),
        case("kid_empty", hdr(r#"{"alg":"EdDSA","kid":""}"#), "bad_kid"),
        case("kid_too_long", hdr(&format!(r#"{{"alg":"EdDSA","kid":"{}"}}"#, "k".repeat(65))), "bad_kid"),
        case("kid_not_a_string", hdr(r#"{"alg":"EdDSA","kid":7}"#), "bad_json"),
        case("kid_swapped_to_another_pinned_key", hdr(r#"{"alg":"EdDSA","kid":"k2","typ":"JWT"}"#), "bad_signature"),
        case("header_field_added_after_signing", edit(0, |_| b64(r#"{"alg":"EdDSA","kid":"k1","typ":"JWT","x":1}"#)), "bad_signature"),
    ]
}

fn shape_cases() -> Vec<Case> {
    let (h, p, s) = segments(&good());
    let huge_header = format!(r#"{{"alg":"EdDSA","kid":"k1","pad":"{}"}}"#, "x".repeat(17 * 1024));
    vec![
        case("empty_token", String::new(), "malformed"),
        case("one_segment", h.clone(), "malformed"),
        case("two_segments", format!("{h}.{p}"), "malformed"),
        case("trailing_dot", format!("{}.", good()), "malformed"),
        case("four_segments", format!("{h}.{p}.{s}.{s}"), "malformed"),
        case("five_segments_jwe_shape", format!("{h}.{p}.{s}.{p}.{s}"), "malformed"),
        case("only_dots", "..".to_owned(), "bad_json"),
        case("padding_in_header", edit(0, |h| format!("{h}=")), "bad_base64"),
        case("padding_in_payload", edit(1, |p| format!("{p}==")), "bad_base64"),
        case("padding_in_signature", edit(2, |s| format!("{s}==")), "bad_base64"),
        case("plus_in_header", edit(0, |h| format!("+{}", &h[1..])), "bad_base64"),
        case("slash_in_payload", edit(1, |p| format!("/{}", &p[1..])), "bad_base64"),
        case("plus_in_signature", edit(2, |s| format!("+{}", &s[1..])), "bad_base64"),
        case("space_in_payload", edit(1, |p| format!("{} {}", &p[..8], &p[8..])), "bad_base64"),
        case("newline_in_header", edit(0, |h| format!("{}\n{}", &h[..4], &h[4..])), "bad_base64"),
        case("tab_in_signature", edit(2, |s| format!("{}\t{}", &s[..4], &s[5..])), "bad_base64"),
        case("signature_nonzero_trailing_bits", edit(2, |s| format!("{}B", &s[..s.len() - 1])), "bad_base64"),
        case("huge_token_not_decoded", format!("{}!.!.!", "A".repeat(16 * 1024)), "too_large"),
        case("huge_header", signed(&huge_header, &payload().to_string(), &k1()), "too_large"),
    ]
}

fn signature_cases() -> Vec<Case> {
    let sig = good_signature();
    let rogue = SigningKeyPair::from_seed(&[0xAB; 32], Kid::parse("k1").expect("kid"));
    let mut small_order = case("small_order_public_key_and_identity_r", small_order_forgery(), "bad_signature");
    small_order.keys = small_order_keys();
    vec![
        case("signature_truncated_to_63_bytes", edit(2, |_| b64(&sig[..63])), "bad_signature"),
        case("signature_extended_to_65_bytes", edit(2, |_| b64([&sig[..], &[0]].concat())), "bad_signature"),
        case("signature_empty", edit(2, |_| String::new()), "bad_signature"),
        case("signature_all_zeros", edit(2, |_| b64([0u8; 64])), "bad_signature"),
        case("signature_all_ones", edit(2, |_| b64([0xFFu8; 64])), "bad_signature"),
        case("signature_one_bit_flipped", edit(2, |_| { let mut s = sig; s[10] ^= 1; b64(s) }), "bad_signature"),
        case("signature_non_canonical_s", non_canonical_s(), "bad_signature"),
        case("signature_by_unpinned_key_claiming_pinned_kid", signed(STD_HEADER, &payload().to_string(), &rogue), "bad_signature"),
        case("signature_by_unpinned_key_without_kid", signed(r#"{"alg":"EdDSA"}"#, &payload().to_string(), &rogue), "bad_signature"),
        small_order,
    ]
}

fn payload_cases() -> Vec<Case> {
    let tampered = |f: fn(&mut Value)| swap_payload(&with_payload(f));
    let resign = |f: fn(&mut Value)| resigned(&with_payload(f));
    vec![
        case("payload_sub_changed", tampered(|p| p["sub"] = json!("lic_01HZZZZZZZZZZZZZZZZZZZZZZZ")), "bad_signature"),
        case("payload_exp_removed", tampered(|p| { p.as_object_mut().map(|o| o.remove("exp")); }), "bad_signature"),
        case("payload_tier_upgraded", tampered(|p| p["lic"]["tier"] = json!("enterprise")), "bad_signature"),
        case("payload_domain_added", tampered(|p| p["lic"]["domains"] = json!(["example.com", "evil.org"])), "bad_signature"),
        case("payload_not_json", resigned_text("not json"), "bad_json"),
        case("payload_truncated_json", resigned_text(&payload().to_string()[..40]), "bad_json"),
        case("payload_trailing_garbage", resigned_text(&format!("{} x", payload())), "bad_json"),
        case("payload_invalid_utf8", signed_bytes(&[b'{', 0xff, b'}']), "bad_json"),
        case("payload_json_array", resigned_text("[1,2,3]"), "invalid_claims"),
        case("payload_exp_as_string", resign(|p| p["exp"] = json!("2099-01-01")), "invalid_claims"),
        case("payload_iat_as_float", resign(|p| p["iat"] = json!(1.5)), "invalid_claims"),
        case("payload_invalid_email", resign(|p| p["lic"]["customer"]["email"] = json!("not-an-email")), "invalid_claims"),
        case("payload_subdomain_binding", resign(|p| p["lic"]["domains"] = json!(["app.example.com"])), "invalid_claims"),
        case("payload_public_suffix_binding", resign(|p| p["lic"]["domains"] = json!(["co.uk"])), "invalid_claims"),
        case("payload_bad_license_id", resign(|p| p["sub"] = json!("license-42")), "invalid_claims"),
        case("payload_unknown_tier", resign(|p| p["lic"]["tier"] = json!("platinum")), "invalid_claims"),
        case("payload_missing_lic", resign(|p| { p.as_object_mut().map(|o| o.remove("lic")); }), "invalid_claims"),
        case("payload_negative_seats", resign(|p| p["lic"]["seats"]["booking"]["pool"] = json!(-1)), "invalid_claims"),
        case("payload_exp_before_nbf", resign(|p| p["exp"] = json!(p["nbf"].as_i64().unwrap_or(0) - 1)), "invalid_claims"),
        case("payload_empty_jti", resign(|p| p["jti"] = json!("")), "invalid_claims"),
    ]
}

fn resigned_text(text: &str) -> String {
    signed(STD_HEADER, text, &k1())
}

fn signed_bytes(payload: &[u8]) -> String {
    let input = format!("{}.{}", b64(STD_HEADER), b64(payload));
    let signature = ed25519_secret(&k1()).sign(input.as_bytes());
    format!("{input}.{}", b64(signature.to_bytes()))
}

fn policy_cases() -> Vec<Case> {
    let mut expired = case("expired", good(), "expired");
    expired.opts = VerifyOptions::at(NOW + 400 * DAY);
    let mut early = case("not_yet_valid", good(), "not_yet_valid");
    early.opts = VerifyOptions::at(NOW - 30 * DAY);
    let mut audience = case("wrong_audience", good(), "wrong_audience");
    audience.opts = VerifyOptions::at(NOW).audience(ProductKey::parse("other-product").expect("valid"));
    let mut no_keys = case("no_keys_pinned", good(), "no_keys");
    no_keys.keys = KeySet::default();
    let mut small_limit = case("over_a_custom_size_limit", good(), "too_large");
    small_limit.opts = VerifyOptions::at(NOW).max_bytes(100);
    vec![expired, early, audience, no_keys, small_limit]
}

/// Every case in the corpus.
pub(super) fn cases() -> Vec<Case> {
    [header_cases(), shape_cases(), signature_cases(), payload_cases(), policy_cases()]
        .into_iter()
        .flatten()
        .collect()
}
