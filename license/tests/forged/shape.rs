//! Malformed shapes: segment counts, base64 strictness and size bounds.

use super::*;

fn segment_cases() -> Vec<Case> {
    let (h, p, s) = segments(&good());
    cases! {
        "empty_token" => String::new(), "malformed";
        "one_segment" => h.clone(), "malformed";
        "two_segments" => format!("{h}.{p}"), "malformed";
        "trailing_dot" => format!("{}.", good()), "malformed";
        "four_segments" => format!("{h}.{p}.{s}.{s}"), "malformed";
        "five_segments_jwe_shape" => format!("{h}.{p}.{s}.{p}.{s}"), "malformed";
        "only_dots" => "..".to_owned(), "bad_json";
    }
}

fn base64_cases() -> Vec<Case> {
    cases! {
        "padding_in_header" => edit(0, |h| format!("{h}=")), "bad_base64";
        "padding_in_payload" => edit(1, |p| format!("{p}==")), "bad_base64";
        "padding_in_signature" => edit(2, |s| format!("{s}==")), "bad_base64";
        "plus_in_header" => edit(0, |h| format!("+{}", &h[1..])), "bad_base64";
        "slash_in_payload" => edit(1, |p| format!("/{}", &p[1..])), "bad_base64";
        "plus_in_signature" => edit(2, |s| format!("+{}", &s[1..])), "bad_base64";
        "space_in_payload" => edit(1, |p| format!("{} {}", &p[..8], &p[8..])), "bad_base64";
        "newline_in_header" => edit(0, |h| format!("{}\n{}", &h[..4], &h[4..])), "bad_base64";
        "tab_in_signature" => edit(2, |s| format!("{}\t{}", &s[..4], &s[5..])), "bad_base64";
        "signature_nonzero_trailing_bits" => edit(2, |s| format!("{}B", &s[..s.len() - 1])), "bad_base64";
    }
}

fn size_cases() -> Vec<Case> {
    let huge_header = format!(
        r#"{{"alg":"EdDSA","kid":"k1","pad":"{}"}}"#,
        "x".repeat(17 * 1024)
    );
    // Invalid base64 and too few segments: had anything been decoded, the code would differ.
    let huge_junk = format!("{}!.!", "A".repeat(16 * 1024));
    cases! {
        "huge_token_not_decoded" => huge_junk, "too_large";
        "huge_header" => signed(&huge_header, &payload().to_string(), &k1()), "too_large";
    }
}

/// Every shape case.
pub(super) fn cases() -> Vec<Case> {
    [segment_cases(), base64_cases(), size_cases()]
        .into_iter()
        .flatten()
        .collect()
}
