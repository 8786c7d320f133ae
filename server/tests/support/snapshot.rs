//! JSON snapshots: an answer's shape and spelling pinned in `server/tests/snapshots/`, with
//! the values that change from run to run (ids, times, hashes, tokens) replaced by their kind.
//! `UPDATE_SNAPSHOTS=1` rewrites the files; review the diff before committing it.

use std::path::PathBuf;

use serde_json::Value;

/// Keys whose values differ on every run.
const VOLATILE: &[&str] = &[
    "id",
    "sub",
    "jti",
    "kid",
    "token",
    "token_sha256",
    "iat",
    "nbf",
    "exp",
    "iss",
    "created_at",
    "issued_at",
    "expires_at",
    "support_until",
    "revoked_at",
    "last_heartbeat_at",
    "multi_install_until",
    "replaced_by",
    "transferred_from",
    "at",
    "seq",
    "hash",
    "prev_hash",
    "subject",
    "first_seen",
    "last_seen",
    "detected_at",
    "license_id",
    "actor",
    "token_sha256",
    "email_hash",
];

fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if VOLATILE.contains(&key.as_str()) {
                    *v = match v {
                        Value::Null => Value::Null,
                        Value::Number(_) => Value::String("<number>".into()),
                        Value::String(_) => Value::String("<string>".into()),
                        other => {
                            redact(other);
                            continue;
                        }
                    };
                } else {
                    redact(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// Compares `json` (the raw text an answer carried) with `snapshots/{name}.json`.
pub fn assert_snapshot(name: &str, json: &str) {
    let mut value: Value =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {json}"));
    redact(&mut value);
    let got = serde_json::to_string_pretty(&value).unwrap() + "\n";
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.json"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no snapshot {}; run with UPDATE_SNAPSHOTS=1 and review it",
            path.display()
        )
    });
    assert_eq!(got, want, "{name} changed shape; if that is intended, run with UPDATE_SNAPSHOTS=1 and review the diff");
}

/// Every object key of `json` appears once per object (serde_json would keep only the last).
pub fn assert_no_duplicate_keys(json: &str) {
    struct Checked;
    impl<'de> serde::Deserialize<'de> for Checked {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(Visitor).map(|()| Checked)
        }
    }
    struct Visitor;
    impl<'de> serde::de::Visitor<'de> for Visitor {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                if !seen.insert(key.clone()) {
                    return Err(serde::de::Error::custom(format!("duplicate key {key:?}")));
                }
                map.next_value::<Checked>()?;
            }
            Ok(())
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element::<Checked>()?.is_some() {}
            Ok(())
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
    }
    serde_json::from_str::<Checked>(json).unwrap_or_else(|e| panic!("{e}: {json}"));
}
