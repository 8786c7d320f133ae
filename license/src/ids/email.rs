//! `Email`: a customer's address, validated for shape (not deliverability).

use super::{string_newtype, IdError};

const KIND: &str = "email";
const MAX_LEN: usize = 254;

/// An email address: trimmed, at most 254 characters, one `@`, a local part without spaces or
/// control characters, and a dotted domain of valid labels. The domain part is lowercased.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

string_newtype!(Email);

impl Email {
    /// Parses and normalises an email address.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        Self::from_string(s.trim().to_owned())
    }

    fn from_string(mut s: String) -> Result<Self, IdError> {
        if s.trim().len() != s.len() {
            s = s.trim().to_owned();
        }
        let at = check(&s)?;
        s[at + 1..].make_ascii_lowercase();
        Ok(Self(s))
    }

    /// The part before the `@`.
    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(local, _)| local)
    }

    /// The (lowercased) part after the `@`.
    pub fn domain_part(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, domain)| domain)
    }
}

/// Checks a trimmed address and returns the position of its `@`.
fn check(s: &str) -> Result<usize, IdError> {
    if s.is_empty() {
        return Err(IdError::new(KIND, "must not be empty"));
    }
    if s.len() > MAX_LEN {
        return Err(IdError::new(
            KIND,
            format!(
                "is {} characters long; at most {MAX_LEN} are allowed",
                s.len()
            ),
        ));
    }
    let mut parts = s.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(IdError::new(
            KIND,
            format!("{s:?} must contain exactly one '@'"),
        ));
    };
    if local.is_empty() {
        return Err(IdError::new(KIND, format!("{s:?} has an empty local part")));
    }
    if local.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(IdError::new(
            KIND,
            format!("{s:?} has a space or control character before the '@'"),
        ));
    }
    check_mail_domain(s, domain)?;
    Ok(local.len())
}

/// Checks the domain of an address: at least one dot, labels of 1..=63 ASCII letters, digits
/// or inner hyphens.
fn check_mail_domain(address: &str, domain: &str) -> Result<(), IdError> {
    if !domain.contains('.') {
        return Err(IdError::new(
            KIND,
            format!("{address:?} needs a domain with at least one dot after the '@'"),
        ));
    }
    for label in domain.split('.') {
        let valid = !label.is_empty()
            && label.len() <= 63
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !valid {
            return Err(IdError::new(
                KIND,
                format!("{address:?} has an invalid domain label {label:?}"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_is_trimmed_and_its_domain_lowercased() {
        let email = Email::parse("  Ada.Lovelace+lic@Example.CO.uk ").unwrap();
        assert_eq!(email.as_str(), "Ada.Lovelace+lic@example.co.uk");
        assert_eq!(email.local_part(), "Ada.Lovelace+lic");
        assert_eq!(email.domain_part(), "example.co.uk");
    }

    #[test]
    fn malformed_emails_are_refused_with_a_reason() {
        let cases = [
            ("", "empty"),
            ("ada", "exactly one '@'"),
            ("a@b@example.com", "exactly one '@'"),
            ("@example.com", "empty local part"),
            ("a da@example.com", "space"),
            ("a\u{7}@example.com", "control"),
            ("ada@localhost", "at least one dot"),
            ("ada@example..com", "invalid domain label"),
            ("ada@-example.com", "invalid domain label"),
            ("ada@exa mple.com", "invalid domain label"),
        ];
        for (input, needle) in cases {
            let err = Email::parse(input).unwrap_err().to_string();
            assert!(err.contains(needle), "{input:?}: {err}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&long)
            .unwrap_err()
            .to_string()
            .contains("at most 254"));
    }
}
