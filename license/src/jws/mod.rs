//! Compact JWS (RFC 7515) with EdDSA/Ed25519 (RFC 8037): signing and strict verification.
//!
//! Verification follows a fixed order so every refusal has one precise reason, and nothing
//! in the payload is interpreted before the signature has been checked.

mod error;
mod header;
mod options;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _};
use serde_json::error::Category;

use crate::claims::Claims;
use crate::ids::Kid;
use crate::keys::{KeySet, PublicKey, SigningKeyPair};

pub use error::VerifyError;
use header::Header;
pub use options::{Verified, VerifyOptions};

/// Tokens longer than this are refused before any decoding.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Base64url length of a 64-byte signature.
const SIGNATURE_B64_LEN: usize = 86;
/// Headers up to this decoded size are parsed from a stack buffer.
const STACK_HEADER: usize = 256;

/// Signs `claims` as a compact JWS with header `{"alg":"EdDSA","kid":"<kid>","typ":"JWT"}`.
pub fn sign(claims: &Claims, key: &SigningKeyPair) -> String {
    let header = format!(r#"{{"alg":"EdDSA","kid":"{}","typ":"JWT"}}"#, key.kid());
    let payload = serde_json::to_vec(claims)
        .expect("claims always serialise: map keys are strings and there are no floats");
    let mut token =
        String::with_capacity((header.len() + payload.len()) * 4 / 3 + SIGNATURE_B64_LEN + 8);
    URL_SAFE_NO_PAD.encode_string(header.as_bytes(), &mut token);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(&payload, &mut token);
    let signature = key.signing_key().sign(token.as_bytes());
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(signature.to_bytes(), &mut token);
    token
}

/// Verifies a compact JWS against the pinned keys and returns its claims.
///
/// The checks run in this order: size, segment count, base64url of each segment, header
/// JSON, `alg`, `crit`, `typ`, `kid`, the key set, signature length and value (strict
/// Ed25519), then the payload's claims, `nbf`, `exp` and `aud`.
pub fn verify(token: &str, keys: &KeySet, opts: &VerifyOptions) -> Result<Verified, VerifyError> {
    if token.len() > opts.max_bytes {
        return Err(VerifyError::TooLarge);
    }
    let (header_b64, payload_b64, signature_b64) = split(token)?;
    let mut header_buf = [0u8; STACK_HEADER];
    let header_heap;
    let header_json: &[u8] = if header_b64.len() <= STACK_HEADER / 3 * 4 {
        let n = URL_SAFE_NO_PAD
            .decode_slice(header_b64, &mut header_buf)
            .map_err(|_| VerifyError::BadBase64 { part: "header" })?;
        &header_buf[..n]
    } else {
        header_heap = decode(header_b64, "header")?;
        &header_heap
    };
    let payload = decode(payload_b64, "payload")?;
    let signature = decode_signature(signature_b64)?;
    let header: Header<'_> =
        serde_json::from_slice(header_json).map_err(|_| VerifyError::BadJson { part: "header" })?;
    let candidates = select_keys(&header, keys)?;
    let signature = signature.ok_or(VerifyError::BadSignature)?;
    let signing_input = &token.as_bytes()[..header_b64.len() + 1 + payload_b64.len()];
    let key = check_signature(candidates, signing_input, &signature)?;
    let claims = parse_claims(&payload)?;
    check_claims(&claims, opts)?;
    Ok(Verified {
        kid: Some(key.kid().clone()),
        claims,
    })
}

/// Splits into exactly three segments.
fn split(token: &str) -> Result<(&str, &str, &str), VerifyError> {
    let mut parts = token.splitn(4, '.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(p), Some(s), None) => Ok((h, p, s)),
        _ => Err(VerifyError::Malformed),
    }
}

/// Strict base64url without padding (the engine refuses `=`, `+`, `/`, whitespace and
/// non-canonical trailing bits).
fn decode(segment: &str, part: &'static str) -> Result<Vec<u8>, VerifyError> {
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| VerifyError::BadBase64 { part })
}

/// Decodes the signature segment: `Ok(None)` when it is valid base64url of the wrong length.
fn decode_signature(segment: &str) -> Result<Option<[u8; 64]>, VerifyError> {
    if segment.len() == SIGNATURE_B64_LEN {
        let mut bytes = [0u8; 64];
        return match URL_SAFE_NO_PAD.decode_slice(segment, &mut bytes) {
            Ok(64) => Ok(Some(bytes)),
            _ => Err(VerifyError::BadBase64 { part: "signature" }),
        };
    }
    decode(segment, "signature")?;
    Ok(None)
}

/// Applies the header rules and returns the keys that may have signed the token.
fn select_keys<'k>(header: &Header<'_>, keys: &'k KeySet) -> Result<Candidates<'k>, VerifyError> {
    match header.alg.as_deref() {
        None => return Err(VerifyError::MissingAlg),
        Some("EdDSA") => {}
        Some(other) => return Err(VerifyError::UnsupportedAlg(other.to_owned())),
    }
    if header.crit {
        return Err(VerifyError::CritHeader);
    }
    if let Some(typ) = header.typ.as_deref() {
        if !typ.eq_ignore_ascii_case("JWT") {
            return Err(VerifyError::WrongType);
        }
    }
    let kid = header.kid.as_deref();
    if let Some(kid) = kid {
        Kid::check(kid).map_err(|_| VerifyError::BadKid)?;
    }
    if keys.is_empty() {
        return Err(VerifyError::NoKeys);
    }
    let Some(kid) = kid else {
        return Ok(Candidates::All(keys));
    };
    match keys.get_str(kid) {
        Some(key) => Ok(Candidates::One(key)),
        None => Err(VerifyError::UnknownKid(
            Kid::parse(kid).map_err(|_| VerifyError::BadKid)?,
        )),
    }
}

/// The key named by `kid`, or every pinned key when the header has none.
#[derive(Clone, Copy)]
enum Candidates<'k> {
    One(&'k PublicKey),
    All(&'k KeySet),
}

/// Strict Ed25519 verification (canonical `S`, no small-order `R` or `A`).
fn check_signature<'k>(
    candidates: Candidates<'k>,
    message: &[u8],
    signature: &[u8; 64],
) -> Result<&'k PublicKey, VerifyError> {
    let signature = Signature::from_bytes(signature);
    let accepts = |key: &PublicKey| {
        key.verifying_key()
            .verify_strict(message, &signature)
            .is_ok()
    };
    match candidates {
        Candidates::One(key) if accepts(key) => Ok(key),
        Candidates::One(_) => Err(VerifyError::BadSignature),
        Candidates::All(keys) => keys
            .iter()
            .find(|k| accepts(k))
            .ok_or(VerifyError::BadSignature),
    }
}

/// Parses the (already authenticated) payload.
fn parse_claims(payload: &[u8]) -> Result<Claims, VerifyError> {
    // One UTF-8 check up front lets the parser skip per-string validation.
    let json =
        std::str::from_utf8(payload).map_err(|_| VerifyError::BadJson { part: "payload" })?;
    let claims: Claims = serde_json::from_str(json).map_err(|e| match e.classify() {
        Category::Data => VerifyError::InvalidClaims(e.to_string()),
        Category::Io | Category::Syntax | Category::Eof => VerifyError::BadJson { part: "payload" },
    })?;
    claims
        .validate()
        .map_err(|e| VerifyError::InvalidClaims(e.to_string()))?;
    Ok(claims)
}

/// Time and audience rules.
fn check_claims(claims: &Claims, opts: &VerifyOptions) -> Result<(), VerifyError> {
    if claims.nbf > opts.now.saturating_add(opts.leeway_secs) {
        return Err(VerifyError::NotYetValid { nbf: claims.nbf });
    }
    if let (Some(exp), true) = (claims.exp, opts.check_expiry) {
        if exp.saturating_add(opts.leeway_secs) <= opts.now {
            return Err(VerifyError::Expired { exp });
        }
    }
    if let Some(expected) = &opts.audience {
        if *expected != claims.aud {
            return Err(VerifyError::WrongAudience {
                expected: expected.clone(),
                found: claims.aud.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
