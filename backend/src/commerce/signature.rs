//! Stripe's webhook signature: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]`, each
//! `v1` an HMAC-SHA256 of `"<t>.<body>"` under the endpoint's signing secret. Any one
//! matching `v1` within the tolerance accepts (Stripe sends several while a secret rolls).

use hmac::{Hmac, Mac as _};
use sha2::Sha256;

/// How far the signature's time may be from now, either way.
pub const TOLERANCE_SECS: i64 = 300;
/// The longest header read; a longer one is refused unread.
const MAX_HEADER: usize = 4096;
/// Most `v1` values tried.
const MAX_SIGNATURES: usize = 8;

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no Stripe-Signature header")]
    Missing,
    #[error("the Stripe-Signature header is malformed")]
    Malformed,
    #[error("the signature's time is more than {TOLERANCE_SECS} s from now")]
    Stale,
    #[error("no v1 signature matches the payload")]
    Mismatch,
}

/// Checks `header` against `payload` under `secret` at `now` (unix seconds).
pub fn verify(secret: &str, header: &str, payload: &[u8], now: i64) -> Result<(), SignatureError> {
    if header.trim().is_empty() {
        return Err(SignatureError::Missing);
    }
    if header.len() > MAX_HEADER {
        return Err(SignatureError::Malformed);
    }
    let mut t = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let (key, value) = part
            .trim()
            .split_once('=')
            .ok_or(SignatureError::Malformed)?;
        match key {
            "t" => {
                t = Some(
                    value
                        .parse::<i64>()
                        .map_err(|_| SignatureError::Malformed)?,
                );
            }
            "v1" if signatures.len() < MAX_SIGNATURES => {
                // A value that is not hex cannot match; it is skipped, not fatal.
                if let Ok(bytes) = hex::decode(value) {
                    signatures.push(bytes);
                }
            }
            _ => {}
        }
    }
    let t = t.ok_or(SignatureError::Malformed)?;
    if (now - t).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    let mac = signed(secret, t, payload);
    if signatures
        .iter()
        .any(|s| mac.clone().verify_slice(s).is_ok())
    {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

fn signed(secret: &str, t: i64, payload: &[u8]) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac
}

/// A header as Stripe would write it for `payload` at `t` (for tests and benchmarks).
pub fn header(secret: &str, t: i64, payload: &[u8]) -> String {
    let mac = signed(secret, t, payload).finalize().into_bytes();
    format!("t={t},v1={}", hex::encode(mac))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";

    #[test]
    fn a_signature_stripe_would_send_is_accepted_among_others() {
        let body = br#"{"id":"evt_1"}"#;
        let good = header(SECRET, 1_000, body);
        assert_eq!(verify(SECRET, &good, body, 1_100), Ok(()));
        let v1 = good.split("v1=").nth(1).unwrap();
        let rolled = format!("t=1000,v1={},v0=abc,v1={v1}", "00".repeat(32));
        assert_eq!(verify(SECRET, &rolled, body, 1_000), Ok(()));
    }

    #[test]
    fn a_changed_body_a_stale_time_or_another_secret_is_refused() {
        let body = br#"{"id":"evt_1"}"#;
        let good = header(SECRET, 1_000, body);
        assert_eq!(
            verify(SECRET, &good, br#"{"id":"evt_2"}"#, 1_000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(SECRET, &good, body, 1_000 + TOLERANCE_SECS + 1),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(SECRET, &good, body, 1_000 - TOLERANCE_SECS - 1),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify("whsec_other", &good, body, 1_000),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn malformed_headers_are_refused_not_panicked_on() {
        let body = b"{}";
        for bad in ["t=abc,v1=00", "v1=00", "garbage", "t=1,v1=zz", "t=1"] {
            assert!(verify(SECRET, bad, body, 1).is_err(), "{bad}");
        }
        assert_eq!(verify(SECRET, "", body, 1), Err(SignatureError::Missing));
        let huge = format!("t=1,{}", "v1=00,".repeat(2000));
        assert_eq!(
            verify(SECRET, &huge, body, 1),
            Err(SignatureError::Malformed)
        );
    }
}
