//! Query strings for pages whose filters live in the URL (so they work with JavaScript off).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::serverfns::params::Param;

/// The current query parameters, reactively.
pub fn query_params() -> impl Fn() -> Vec<Param> + Copy + Send + Sync + 'static {
    let query = use_query_map();
    move || {
        query
            .get()
            .into_iter()
            .map(|(name, value)| Param::new(name, value))
            .collect()
    }
}

/// `path?…` with `params`, `key` replaced by `value`, every value percent-encoded.
pub fn href_with(path: &str, params: &[Param], key: &str, value: &str) -> String {
    let mut pairs: Vec<Param> = params.iter().filter(|p| p.name != key).cloned().collect();
    pairs.push(Param::new(key, value));
    href(path, &pairs)
}

/// `path` with `params` as its query string (the bare path when there are none).
pub fn href(path: &str, params: &[Param]) -> String {
    if params.is_empty() {
        return path.to_string();
    }
    let pairs = params
        .iter()
        .map(|p| format!("{}={}", encode(&p.name), encode(&p.value)))
        .collect::<Vec<_>>();
    format!("{path}?{}", pairs.join("&"))
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_link_keeps_the_filters_encoded_and_replaces_the_cursor() {
        let params = vec![Param::new("actor", "a&b c"), Param::new("before", "9")];
        assert_eq!(
            href_with("/audit", &params, "before", "5"),
            "/audit?actor=a%26b%20c&before=5"
        );
    }
}
