//! Checks shared by every use case that takes free text from outside.

use crate::{Error, Result};

/// Refuses control characters (NUL included) in `value`: PostgreSQL cannot store or compare
/// a NUL in text, and no name, version, search or filter needs a control character.
pub fn printable(field: &str, value: &str) -> Result<()> {
    match value.chars().find(|c| c.is_control()) {
        Some(c) => Err(Error::invalid(format!(
            "{field}: control characters are not allowed (found U+{:04X})",
            u32::from(c)
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_by_field_name() {
        assert!(printable("version", "1.2.3-beta+ü").is_ok());
        let err = printable("version", "1.0\0").unwrap_err().to_string();
        assert!(err.contains("version") && err.contains("U+0000"), "{err}");
        assert!(printable("q", "a\u{1b}[31m").is_err());
    }
}
