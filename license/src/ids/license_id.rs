//! `LicenseId`: `lic_` + a ULID-shaped 26-character Crockford base32 string.

use rand::RngCore;

use super::{string_newtype, IdError};

/// Crockford's base32 alphabet (no I, L, O, U).
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const PREFIX: &str = "lic_";
const BODY_LEN: usize = 26;
const KIND: &str = "license id";
/// Byte → Crockford digit value, `INVALID` for bytes outside the uppercase alphabet.
const DECODE: [u8; 256] = decode_table();
const INVALID: u8 = 0xFF;

const fn decode_table() -> [u8; 256] {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < CROCKFORD.len() {
        table[CROCKFORD[i] as usize] = i as u8;
        i += 1;
    }
    table
}

/// A license id: `lic_` followed by 26 uppercase Crockford base32 characters encoding a
/// 48-bit millisecond timestamp and 80 random bits (ULID layout), so ids sort by issue time.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct LicenseId(String);

string_newtype!(LicenseId);

impl LicenseId {
    /// Generates a fresh id for `now_ms` (unix milliseconds) with 80 bits from the OS RNG.
    pub fn generate(now_ms: u64) -> Self {
        let mut random = [0u8; 10];
        rand::rngs::OsRng.fill_bytes(&mut random);
        Self::from_parts(now_ms, random)
    }

    /// Builds an id from its timestamp and random parts; the timestamp keeps its low 48 bits.
    pub fn from_parts(now_ms: u64, random: [u8; 10]) -> Self {
        let mut value = u128::from(now_ms & 0xFFFF_FFFF_FFFF) << 80;
        for (i, byte) in random.iter().enumerate() {
            value |= u128::from(*byte) << (8 * (9 - i));
        }
        let mut out = String::with_capacity(PREFIX.len() + BODY_LEN);
        out.push_str(PREFIX);
        for i in (0..BODY_LEN).rev() {
            let digit = ((value >> (5 * i)) & 0x1F) as usize;
            out.push(char::from(CROCKFORD[digit]));
        }
        Self(out)
    }

    /// Parses `lic_` + 26 uppercase Crockford base32 characters; the first body character is
    /// at most `7`, since a ULID holds only 128 bits.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        Self::check(s)?;
        Ok(Self(s.to_owned()))
    }

    fn from_string(s: String) -> Result<Self, IdError> {
        Self::check(&s)?;
        Ok(Self(s))
    }

    fn check(s: &str) -> Result<(), IdError> {
        let Some(body) = s.strip_prefix(PREFIX) else {
            return Err(IdError::new(
                KIND,
                format!("{s:?} must start with \"lic_\""),
            ));
        };
        if body.len() != BODY_LEN {
            return Err(IdError::new(
                KIND,
                format!(
                    "expected {BODY_LEN} characters after \"lic_\", found {}",
                    body.chars().count()
                ),
            ));
        }
        if let Some(c) = body
            .chars()
            .find(|c| !c.is_ascii() || DECODE[*c as usize] == INVALID)
        {
            return Err(IdError::new(
                KIND,
                format!("{c:?} is not uppercase Crockford base32 (0-9 A-Z without I L O U)"),
            ));
        }
        if body.as_bytes()[0] > b'7' {
            return Err(IdError::new(
                KIND,
                "the first character must be 0-7 (a ULID holds 128 bits)",
            ));
        }
        Ok(())
    }

    /// The millisecond timestamp encoded in the id.
    pub fn timestamp_ms(&self) -> u64 {
        let mut value: u128 = 0;
        for b in &self.0.as_bytes()[PREFIX.len()..] {
            value = (value << 5) | u128::from(DECODE[usize::from(*b)] & 0x1F);
        }
        (value >> 80) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_id_parses_and_keeps_its_timestamp() {
        let now = 1_735_689_600_123;
        let id = LicenseId::generate(now);
        assert_eq!(id.as_str().len(), 30);
        assert_eq!(LicenseId::parse(id.as_str()).unwrap(), id);
        assert_eq!(id.timestamp_ms(), now);
    }

    #[test]
    fn ids_sort_by_issue_time() {
        let a = LicenseId::from_parts(1_000, [0xFF; 10]);
        let b = LicenseId::from_parts(1_001, [0; 10]);
        assert!(a < b);
    }

    #[test]
    fn the_known_ulid_encoding_is_reproduced() {
        let id = LicenseId::from_parts(0, [0; 10]);
        assert_eq!(id.as_str(), "lic_00000000000000000000000000");
        let max = LicenseId::from_parts(u64::MAX, [0xFF; 10]);
        assert_eq!(max.as_str(), "lic_7ZZZZZZZZZZZZZZZZZZZZZZZZZ");
    }

    #[test]
    fn malformed_license_ids_are_refused_with_a_reason() {
        let cases = [
            ("", "must start with"),
            ("LIC_01J0000000000000000000000", "must start with"),
            ("lic_01J", "expected 26"),
            ("lic_01j00000000000000000000000", "Crockford"),
            ("lic_01I00000000000000000000000", "Crockford"),
            ("lic_81J00000000000000000000000", "first character"),
        ];
        for (input, needle) in cases {
            let err = LicenseId::parse(input).unwrap_err().to_string();
            assert!(err.contains(needle), "{input:?}: {err}");
        }
    }
}
