//! Names and values, as a query string or a submitted form carries them.

use serde::{Deserialize, Serialize};

/// One `name=value` pair. Order is kept and a name may repeat, as in a query string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Param {
    pub name: String,
    pub value: String,
}

impl Param {
    /// A pair from its parts.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// The first value given for `name`, trimmed, if it is not blank.
pub fn value_of(params: &[Param], name: &str) -> Option<String> {
    params
        .iter()
        .find(|p| p.name == name && !p.value.trim().is_empty())
        .map(|p| p.value.trim().to_string())
}

/// The first value given for `name` as one word of a vocabulary; a blank or unknown word
/// reads as no filter.
pub fn word_of<T: std::str::FromStr>(params: &[Param], name: &str) -> Option<T> {
    value_of(params, name).and_then(|v| v.parse().ok())
}
