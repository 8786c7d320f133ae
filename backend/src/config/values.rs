//! Setting values that are read from text: durations and the trusted proxies.

use std::net::IpAddr;

use serde::Deserialize;

/// A duration written `2s`, `15m`, `24h`, `7d` or as plain seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval(pub std::time::Duration);

impl Interval {
    /// Parses `<n>s|m|h|d` or `<n>` (seconds); at least one second.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
            Some(at) => text.split_at(at),
            None => (text, "s"),
        };
        let n: u64 = digits
            .parse()
            .map_err(|_| format!("{text:?} is not a duration like 30s, 15m, 24h or 7d"))?;
        let unit_secs = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3_600,
            "d" => 86_400,
            _ => return Err(format!("{text:?}: the unit must be s, m, h or d")),
        };
        let secs = n
            .checked_mul(unit_secs)
            .filter(|&secs| (1..=366 * 86_400).contains(&secs))
            .ok_or_else(|| format!("{text:?}: must be between 1 s and 366 days"))?;
        Ok(Self(std::time::Duration::from_secs(secs)))
    }
}

impl<'de> Deserialize<'de> for Interval {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Secs(u64),
            Text(String),
        }
        let text = match Form::deserialize(deserializer)? {
            Form::Secs(secs) => secs.to_string(),
            Form::Text(text) => text,
        };
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The reverse proxies in front of the server. A request from one of them is attributed to
/// the client its `X-Forwarded-For` names: the right-most address that is not itself a
/// trusted proxy (entries to its left could be forged by the client).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<ipnet::IpNet>);

impl TrustedProxies {
    /// Parses `10.0.0.0/8, 192.0.2.7`: CIDR blocks or single addresses.
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<ipnet::IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| {
                        format!("trusted_proxies: {entry:?} is not an IP address or CIDR block")
                    })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind `peer`, given the request's `X-Forwarded-For` header values in order.
    /// An entry that is not an address ends the walk: what lies left of it is not trusted.
    pub fn client_ip<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl Iterator<Item = &'a str>,
    ) -> IpAddr {
        let mut client = canonical(peer);
        if !self.trusts(client) {
            return client;
        }
        let hops: Vec<&str> = forwarded_for.flat_map(|value| value.split(',')).collect();
        for hop in hops.iter().rev() {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                break;
            };
            client = canonical(ip);
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) as the IPv4 address they are.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl<'de> Deserialize<'de> for TrustedProxies {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Text(String),
            List(Vec<String>),
        }
        let list = match Form::deserialize(deserializer)? {
            Form::Text(text) => text,
            Form::List(items) => items.join(","),
        };
        Self::parse(&list).map_err(serde::de::Error::custom)
    }
}
