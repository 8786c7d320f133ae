//! Validated identifiers: newtypes that can only be built valid.
//!
//! Every id here has a private `String`, a `parse` constructor that is the only way in, and
//! serde impls that route deserialisation through `parse`, so a token or a database row can
//! never smuggle in an id the rest of the system would have refused.

mod domain;
mod email;
mod kid;
mod license_id;

pub use domain::{registrable_of_host, Domain};
pub use email::Email;
pub use kid::Kid;
pub use license_id::LicenseId;

/// Why a string was refused as an identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The string does not have the shape of this kind of id; `reason` says exactly why.
    #[error("invalid {kind}: {reason}")]
    Invalid {
        /// The kind of id, e.g. `"domain"` or `"license id"`.
        kind: &'static str,
        /// A precise human explanation, naming the fix where there is one.
        reason: String,
    },
}

impl IdError {
    pub(crate) fn new(kind: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            kind,
            reason: reason.into(),
        }
    }

    /// The kind of id that was refused.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Invalid { kind, .. } => kind,
        }
    }

    /// The precise reason, without the `invalid <kind>:` prefix.
    pub fn reason(&self) -> &str {
        match self {
            Self::Invalid { reason, .. } => reason,
        }
    }
}

/// Implements the shared surface of a validated string newtype: `as_str`, `AsRef<str>`,
/// `Display`, `FromStr`, `TryFrom<String>`, `From<Self> for String` and serde via those.
macro_rules! string_newtype {
    ($name:ident) => {
        impl $name {
            /// The id as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id as an owned `String`.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::ids::IdError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::ids::IdError;

            /// Validates an owned string, reusing its buffer (the serde path).
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::from_string(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = $crate::ids::IdError;

            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::parse(s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}
pub(crate) use string_newtype;

/// Checks `s` is `min..=max` bytes long and every byte passes `allowed`.
pub(crate) fn check_charset(
    kind: &'static str,
    s: &str,
    max: usize,
    allowed: impl Fn(u8) -> bool,
    charset: &str,
) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::new(kind, "must not be empty"));
    }
    if s.len() > max {
        return Err(IdError::new(
            kind,
            format!("is {} characters long; at most {max} are allowed", s.len()),
        ));
    }
    if let Some(c) = s.chars().find(|c| !c.is_ascii() || !allowed(*c as u8)) {
        return Err(IdError::new(
            kind,
            format!("{c:?} is not allowed; use only {charset}"),
        ));
    }
    Ok(())
}

/// A product's key, the token `aud`: `[a-z0-9][a-z0-9_-]{0,63}`.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct ProductKey(String);

string_newtype!(ProductKey);

impl ProductKey {
    /// Parses a product key: a lowercase letter or digit, then up to 63 of `a-z 0-9 _ -`.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        Self::check(s)?;
        Ok(Self(s.to_owned()))
    }

    fn from_string(s: String) -> Result<Self, IdError> {
        Self::check(&s)?;
        Ok(Self(s))
    }

    fn check(s: &str) -> Result<(), IdError> {
        const KIND: &str = "product key";
        check_charset(
            KIND,
            s,
            64,
            |b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-',
            "a-z 0-9 _ -",
        )?;
        let first = s.as_bytes()[0];
        if !(first.is_ascii_lowercase() || first.is_ascii_digit()) {
            return Err(IdError::new(
                KIND,
                format!("{s:?} must start with a lowercase letter or a digit"),
            ));
        }
        Ok(())
    }
}

/// An install's id as reported in heartbeats: 1..=128 of `A-Z a-z 0-9 . _ : -`.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct InstallId(String);

string_newtype!(InstallId);

impl InstallId {
    /// Parses an install id.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        Self::check(s)?;
        Ok(Self(s.to_owned()))
    }

    fn from_string(s: String) -> Result<Self, IdError> {
        Self::check(&s)?;
        Ok(Self(s))
    }

    fn check(s: &str) -> Result<(), IdError> {
        check_charset(
            "install id",
            s,
            128,
            |b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'),
            "A-Z a-z 0-9 . _ : -",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_product_key_is_lowercase_and_starts_with_an_alphanumeric() {
        assert!(ProductKey::parse("tessera").is_ok());
        assert!(ProductKey::parse("0day_tool-2").is_ok());
        assert!(ProductKey::parse(&"a".repeat(64)).is_ok());
        for bad in ["", "-x", "_x", "Tessera", "te ssera", "é", &"a".repeat(65)] {
            assert!(ProductKey::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn an_install_id_allows_colons_and_dots() {
        assert!(InstallId::parse("host-1.eu:abc_DEF").is_ok());
        assert!(InstallId::parse(&"x".repeat(128)).is_ok());
        for bad in ["", "a b", "a/b", &"x".repeat(129)] {
            assert!(InstallId::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn errors_name_the_kind_and_the_offending_character() {
        let err = ProductKey::parse("a$b").unwrap_err();
        assert_eq!(err.kind(), "product key");
        assert_eq!(
            err.to_string(),
            "invalid product key: '$' is not allowed; use only a-z 0-9 _ -"
        );
    }

    #[test]
    fn deserialising_validates() {
        let ok: ProductKey = serde_json::from_str("\"pro\"").unwrap();
        assert_eq!(ok.as_str(), "pro");
        assert!(serde_json::from_str::<ProductKey>("\"Pro\"").is_err());
        assert_eq!(serde_json::to_string(&ok).unwrap(), "\"pro\"");
    }
}
