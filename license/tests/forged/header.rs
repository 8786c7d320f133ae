//! Forged headers: algorithm confusion, duplicates, crit, typ and kid tricks.

use super::*;

/// A header signed by k1 over the standard payload.
fn hdr(header: &str) -> String {
    signed(header, &payload().to_string(), &k1())
}

fn alg_cases() -> Vec<Case> {
    let p = payload().to_string();
    let pem = k1().public().to_spki_pem();
    let pk = k1().public().to_bytes();
    let none = b64(r#"{"alg":"none","typ":"JWT"}"#);
    cases! {
        "alg_none_without_signature" => format!("{none}.{}.", b64(&p)), "unsupported_alg";
        "alg_none_with_signature" => hdr(r#"{"alg":"none","kid":"k1"}"#), "unsupported_alg";
        "alg_none_two_segments" => format!("{none}.{}", b64(&p)), "malformed";
        "alg_hs256_keyed_with_public_key_bytes" => hs256(&pk), "unsupported_alg";
        "alg_hs256_keyed_with_spki_pem_text" => hs256(pem.as_bytes()), "unsupported_alg";
        "alg_hs256_keyed_with_trimmed_pem" => hs256(pem.trim_end().as_bytes()), "unsupported_alg";
        "alg_lowercase_eddsa" => hdr(r#"{"alg":"eddsa","kid":"k1"}"#), "unsupported_alg";
        "alg_es256" => hdr(r#"{"alg":"ES256","kid":"k1"}"#), "unsupported_alg";
        "alg_rs256" => hdr(r#"{"alg":"RS256","kid":"k1"}"#), "unsupported_alg";
        "alg_fully_specified_ed25519" => hdr(r#"{"alg":"Ed25519","kid":"k1"}"#), "unsupported_alg";
        "alg_with_trailing_space" => hdr(r#"{"alg":"EdDSA ","kid":"k1"}"#), "unsupported_alg";
        "alg_missing" => hdr(r#"{"kid":"k1","typ":"JWT"}"#), "missing_alg";
        "alg_null" => hdr(r#"{"alg":null,"kid":"k1"}"#), "missing_alg";
        "alg_not_a_string" => hdr(r#"{"alg":1,"kid":"k1"}"#), "bad_json";
    }
}

fn member_cases() -> Vec<Case> {
    let p = payload().to_string();
    let bad_utf8 = format!("{}.{}.{}", b64([0x7b, 0xff, 0x7d]), b64(&p), b64([0u8; 64]));
    let extra = b64(r#"{"alg":"EdDSA","kid":"k1","typ":"JWT","x":1}"#);
    cases! {
        "header_duplicate_alg_none_first" => hdr(r#"{"alg":"none","alg":"EdDSA"}"#), "bad_json";
        "header_duplicate_alg_eddsa_first" => hdr(r#"{"alg":"EdDSA","alg":"none"}"#), "bad_json";
        "header_duplicate_kid" => hdr(r#"{"alg":"EdDSA","kid":"k2","kid":"k1"}"#), "bad_json";
        "header_not_json" => hdr("EdDSA please"), "bad_json";
        "header_json_array" => hdr(r#"["alg","EdDSA"]"#), "bad_json";
        "header_json_string" => hdr(r#""EdDSA""#), "bad_json";
        "header_empty" => hdr(""), "bad_json";
        "header_invalid_utf8" => bad_utf8, "bad_json";
        "header_crit" => hdr(r#"{"alg":"EdDSA","kid":"k1","crit":["exp"]}"#), "crit_header";
        "header_typ_jwe" => hdr(r#"{"alg":"EdDSA","kid":"k1","typ":"JWE"}"#), "wrong_type";
        "header_typ_at_jwt" => hdr(r#"{"alg":"EdDSA","kid":"k1","typ":"at+jwt"}"#), "wrong_type";
        "header_field_added_after_signing" => edit(0, |_| extra.clone()), "bad_signature";
    }
}

fn kid_cases() -> Vec<Case> {
    let long = format!(r#"{{"alg":"EdDSA","kid":"{}"}}"#, "k".repeat(65));
    cases! {
        "kid_unknown" => hdr(r#"{"alg":"EdDSA","kid":"k9"}"#), "unknown_kid";
        "kid_path_traversal" => hdr(r#"{"alg":"EdDSA","kid":"../../etc/passwd"}"#), "bad_kid";
        "kid_empty" => hdr(r#"{"alg":"EdDSA","kid":""}"#), "bad_kid";
        "kid_too_long" => hdr(&long), "bad_kid";
        "kid_not_a_string" => hdr(r#"{"alg":"EdDSA","kid":7}"#), "bad_json";
        "kid_swapped_to_another_pinned_key" => hdr(r#"{"alg":"EdDSA","kid":"k2"}"#), "bad_signature";
    }
}

/// Every header case.
pub(super) fn cases() -> Vec<Case> {
    [alg_cases(), member_cases(), kid_cases()]
        .into_iter()
        .flatten()
        .collect()
}
