//! `Domain`: the registrable domain (eTLD+1) a license is bound to, or `localhost`.
//!
//! Binding to the registrable domain, not a hostname, means `app.example.com` and
//! `www.example.com` share one binding, and nobody can bind a whole public suffix.

use std::net::IpAddr;

use psl::{List, Psl as _};

use super::{string_newtype, IdError};

const KIND: &str = "domain";
const LOCALHOST: &str = "localhost";

/// A registrable domain per the Public Suffix List (`example.com`, `example.co.uk`), or exactly
/// `localhost`. Stored trimmed, lowercased, without a trailing dot.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Domain(String);

string_newtype!(Domain);

impl Domain {
    /// Parses a registrable domain. Subdomains are refused with the registrable domain named,
    /// so the operator knows what to type instead.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        Self::from_string(s.trim().to_owned())
    }

    fn from_string(s: String) -> Result<Self, IdError> {
        let name = normalise(s);
        if name.is_empty() {
            return Err(IdError::new(KIND, "must not be empty"));
        }
        if name == LOCALHOST {
            return Ok(Self(name));
        }
        check_hostname(&name)?;
        let registrable = registrable_part(&name)?;
        if registrable != name {
            return Err(IdError::new(
                KIND,
                format!("{name} is a subdomain; bind the registrable domain {registrable}"),
            ));
        }
        Ok(Self(name))
    }

    /// Whether this is the `localhost` binding.
    pub fn is_localhost(&self) -> bool {
        self.0 == LOCALHOST
    }
}

/// Maps a request host (optionally with a port) to the registrable domain it belongs to:
/// `app.example.com:8443` → `example.com`, `foo.localhost` → `localhost`. IP addresses,
/// unknown suffixes and bare public suffixes map to `None`.
pub fn registrable_of_host(host: &str) -> Option<Domain> {
    let host = host.trim();
    if host.starts_with('[') {
        return None;
    }
    let host = match host.rsplit_once(':') {
        Some((name, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let name = normalise(host.to_owned());
    if name == LOCALHOST || name.ends_with(".localhost") {
        return Some(Domain(LOCALHOST.to_owned()));
    }
    check_hostname(&name).ok()?;
    registrable_part(&name).ok().map(|d| Domain(d.to_owned()))
}

/// Trims, lowercases and strips one trailing dot, reusing the buffer when it can.
fn normalise(mut s: String) -> String {
    if s.trim().len() != s.len() {
        s = s.trim().to_owned();
    }
    if s.ends_with('.') {
        s.pop();
    }
    s.make_ascii_lowercase();
    s
}

/// Refuses IPs, URLs, ports, paths, wildcards and malformed labels.
fn check_hostname(name: &str) -> Result<(), IdError> {
    // Only names starting with a digit or bracket, or holding a colon, can be IP literals.
    let maybe_ip = name.starts_with(|c: char| c.is_ascii_digit() || c == '[') || name.contains(':');
    let unbracketed = name.trim_start_matches('[').trim_end_matches(']');
    if maybe_ip && unbracketed.parse::<IpAddr>().is_ok() {
        return Err(IdError::new(
            KIND,
            format!("{name} is an IP address; bind a domain name"),
        ));
    }
    if name.contains("://") {
        return Err(IdError::new(
            KIND,
            format!("{name} looks like a URL; give only the domain, e.g. example.com"),
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| matches!(c, ':' | '/' | '?' | '#' | '@'))
    {
        return Err(IdError::new(
            KIND,
            format!("{name} contains {c:?}; give only the domain, without port or path"),
        ));
    }
    if name.contains('*') {
        return Err(IdError::new(
            KIND,
            format!("{name} is a wildcard; bind the registrable domain, which covers subdomains"),
        ));
    }
    if !name.is_ascii() {
        return Err(IdError::new(
            KIND,
            format!("{name} is not ASCII; use its punycode (xn--) form"),
        ));
    }
    if name.len() > 253 {
        return Err(IdError::new(KIND, "is longer than 253 characters"));
    }
    check_labels(name)
}

fn check_labels(name: &str) -> Result<(), IdError> {
    for label in name.split('.') {
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
                format!("{name} has an invalid label {label:?}"),
            ));
        }
    }
    Ok(())
}

/// The eTLD+1 of a normalised, checked hostname.
fn registrable_part(name: &str) -> Result<&str, IdError> {
    let unknown = || {
        IdError::new(
            KIND,
            format!("{name} does not end in a known public suffix (like .com or .co.uk)"),
        )
    };
    let Some(domain) = List.domain(name.as_bytes()) else {
        return match List.suffix(name.as_bytes()) {
            Some(suffix) if suffix.is_known() => Err(IdError::new(
                KIND,
                format!("{name} is a public suffix; bind a domain registered under it, e.g. example.{name}"),
            )),
            _ => Err(unknown()),
        };
    };
    if !domain.suffix().is_known() {
        return Err(unknown());
    }
    // The registrable part is a suffix of an ASCII string, so this never fails.
    std::str::from_utf8(domain.as_bytes()).map_err(|_| unknown())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registrable_domain_is_normalised() {
        assert_eq!(
            Domain::parse(" Example.COM. ").unwrap().as_str(),
            "example.com"
        );
        assert_eq!(
            Domain::parse("example.co.uk").unwrap().as_str(),
            "example.co.uk"
        );
        assert_eq!(
            Domain::parse("xn--bcher-kva.de").unwrap().as_str(),
            "xn--bcher-kva.de"
        );
        assert!(Domain::parse("LOCALHOST").unwrap().is_localhost());
    }

    #[test]
    fn a_subdomain_is_refused_with_the_registrable_domain_named() {
        let err = Domain::parse("app.example.com").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid domain: app.example.com is a subdomain; bind the registrable domain example.com"
        );
        let err = Domain::parse("a.b.example.co.uk").unwrap_err();
        assert!(err
            .reason()
            .ends_with("bind the registrable domain example.co.uk"));
    }

    #[test]
    fn a_bare_public_suffix_is_refused() {
        for suffix in ["com", "co.uk", "github.io"] {
            let err = Domain::parse(suffix).unwrap_err();
            assert!(
                err.reason().contains("is a public suffix"),
                "{suffix}: {err}"
            );
        }
    }

    #[test]
    fn ips_urls_ports_paths_and_wildcards_are_refused() {
        let cases = [
            ("", "empty"),
            ("127.0.0.1", "IP address"),
            ("::1", "IP address"),
            ("[2001:db8::1]", "IP address"),
            ("https://example.com", "URL"),
            ("example.com:443", "without port"),
            ("example.com/path", "without port or path"),
            ("*.example.com", "wildcard"),
            ("bücher.de", "punycode"),
            ("exa_mple.com", "invalid label"),
            ("example..com", "invalid label"),
            ("-example.com", "invalid label"),
            ("example.notarealtld", "known public suffix"),
            ("intranet", "known public suffix"),
        ];
        for (input, needle) in cases {
            let err = Domain::parse(input).unwrap_err().to_string();
            assert!(err.contains(needle), "{input:?}: {err}");
        }
    }

    #[test]
    fn a_request_host_maps_to_its_registrable_domain() {
        let reg = |h: &str| registrable_of_host(h).map(Domain::into_string);
        assert_eq!(reg("app.example.com:8443").as_deref(), Some("example.com"));
        assert_eq!(reg("WWW.Example.co.uk.").as_deref(), Some("example.co.uk"));
        assert_eq!(reg("example.com").as_deref(), Some("example.com"));
        assert_eq!(reg("localhost:3000").as_deref(), Some("localhost"));
        assert_eq!(reg("tenant.localhost").as_deref(), Some("localhost"));
        assert_eq!(reg("10.0.0.1:80"), None);
        assert_eq!(reg("[::1]:3000"), None);
        assert_eq!(reg("co.uk"), None);
        assert_eq!(reg("host.internal-only"), None);
    }
}
