//! The JOSE header, parsed into borrowed fields with every member name checked for repeats.
//!
//! `serde_json` keeps the last of two equal keys and derived structs only catch repeats of
//! known fields, so the header has a hand-written visitor: a repeated member of any name is a
//! parse error, since two readers could otherwise disagree on, say, which `alg` was meant.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};

/// More members than any honest header carries; bounds the repeat check's work.
const MAX_MEMBERS: usize = 32;

/// The header members the verifier acts on.
#[derive(Debug, Default)]
pub(super) struct Header<'a> {
    pub alg: Option<Cow<'a, str>>,
    pub kid: Option<Cow<'a, str>>,
    pub typ: Option<Cow<'a, str>>,
    pub crit: bool,
}

/// A string that borrows from the input when it has no escapes.
struct CowStr<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for CowStr<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor;

        impl<'de> Visitor<'de> for StrVisitor {
            type Value = CowStr<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v.to_owned())))
            }
        }

        deserializer.deserialize_str(StrVisitor)
    }
}

/// Deserialises a string member (`null` reads as absent).
fn take_str<'de, A: MapAccess<'de>>(
    map: &mut A,
    slot: &mut Option<Cow<'de, str>>,
) -> Result<(), A::Error> {
    let value: Option<CowStr<'de>> = map.next_value()?;
    *slot = value.map(|v| v.0);
    Ok(())
}

struct HeaderVisitor;

impl<'de> Visitor<'de> for HeaderVisitor {
    type Value = Header<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JOSE header object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut header = Header::default();
        // Known members are tracked by flag; others only allocate when a header has them.
        let (mut alg, mut kid, mut typ) = (false, false, false);
        let mut others: Vec<Cow<'de, str>> = Vec::new();
        let mut count = 0;
        while let Some(CowStr(key)) = map.next_key::<CowStr<'de>>()? {
            count += 1;
            if count > MAX_MEMBERS {
                return Err(de::Error::custom("too many header members"));
            }
            let repeated = match key.as_ref() {
                "alg" => std::mem::replace(&mut alg, true),
                "kid" => std::mem::replace(&mut kid, true),
                "typ" => std::mem::replace(&mut typ, true),
                _ if others.contains(&key) => true,
                _ => {
                    others.push(key.clone());
                    false
                }
            };
            if repeated {
                return Err(de::Error::custom(format_args!(
                    "repeated header member {key:?}"
                )));
            }
            match key.as_ref() {
                "alg" => take_str(&mut map, &mut header.alg)?,
                "kid" => take_str(&mut map, &mut header.kid)?,
                "typ" => take_str(&mut map, &mut header.typ)?,
                "crit" => {
                    map.next_value::<IgnoredAny>()?;
                    header.crit = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(header)
    }
}

impl<'de> Deserialize<'de> for Header<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(HeaderVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Header<'_>, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn the_header_borrows_its_strings() {
        let h = parse(r#"{"alg":"EdDSA","kid":"k1","typ":"JWT","x5u":["ignored"]}"#).unwrap();
        assert!(matches!(h.alg, Some(Cow::Borrowed("EdDSA"))));
        assert_eq!(h.kid.as_deref(), Some("k1"));
        assert_eq!(h.typ.as_deref(), Some("JWT"));
        assert!(!h.crit);
    }

    #[test]
    fn a_repeated_member_of_any_name_is_refused() {
        assert!(parse(r#"{"alg":"none","alg":"EdDSA"}"#).is_err());
        assert!(parse(r#"{"alg":"EdDSA","x":1,"x":2}"#).is_err());
        assert!(parse(r#"{"alg":"EdDSA","\u0061lg":"none"}"#).is_err());
    }

    #[test]
    fn crit_is_noticed_whatever_its_value() {
        assert!(parse(r#"{"alg":"EdDSA","crit":null}"#).unwrap().crit);
        assert!(parse(r#"{"alg":"EdDSA","crit":["exp"]}"#).unwrap().crit);
    }

    #[test]
    fn only_an_object_is_a_header() {
        assert!(parse(r#"["alg","EdDSA"]"#).is_err());
        assert!(parse(r#""EdDSA""#).is_err());
        assert!(parse(r#"{"alg":5}"#).is_err());
        let many: String = (0..40).map(|i| format!(r#""m{i}":0,"#)).collect();
        assert!(parse(&format!(r#"{{{many}"alg":"EdDSA"}}"#)).is_err());
    }
}
