//! Stripe's form encoding (`a[b]=1&list[0]=x&list[]=y`) read into a JSON tree, every leaf a
//! string, as Stripe reads requests.

use serde_json::{Map, Value};

/// The pairs of a form body or query string as one JSON object.
pub fn decode(text: &str) -> Result<Value, String> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(text).map_err(|e| format!("unreadable form: {e}"))?;
    let mut root = Value::Object(Map::new());
    for (key, value) in pairs {
        let mut path = Vec::new();
        let (head, mut rest) = key
            .split_once('[')
            .map_or((key.as_str(), ""), |(h, r)| (h, r));
        path.push(head.to_string());
        while !rest.is_empty() {
            let (part, after) = rest
                .split_once(']')
                .ok_or_else(|| format!("unbalanced brackets in {key:?}"))?;
            path.push(part.to_string());
            rest = after.strip_prefix('[').unwrap_or(after);
        }
        insert(&mut root, &path, value)?;
    }
    Ok(root)
}

fn insert(node: &mut Value, path: &[String], value: String) -> Result<(), String> {
    let Some((first, rest)) = path.split_first() else {
        *node = Value::String(value);
        return Ok(());
    };
    let is_index = first.is_empty() || first.bytes().all(|b| b.is_ascii_digit());
    if node.is_null() {
        *node = if is_index {
            Value::Array(Vec::new())
        } else {
            Value::Object(Map::new())
        };
    }
    match node {
        Value::Object(map) => insert(map.entry(first.clone()).or_insert(Value::Null), rest, value),
        Value::Array(items) => {
            let at = if first.is_empty() {
                items.len()
            } else {
                first.parse().unwrap_or(items.len())
            };
            if at > 1000 {
                return Err("array index too large".into());
            }
            while items.len() <= at {
                items.push(Value::Null);
            }
            insert(&mut items[at], rest, value)
        }
        _ => Err(format!("{first} is both a value and a map")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_keys_and_lists_read_as_stripe_reads_them() {
        let v = decode("name=A%20B&metadata[slug]=chat&recurring[interval]=month&lookup_keys[0]=x&lookup_keys[1]=y&expand[]=z").unwrap();
        assert_eq!(v["name"], "A B");
        assert_eq!(v["metadata"]["slug"], "chat");
        assert_eq!(v["recurring"]["interval"], "month");
        assert_eq!(v["lookup_keys"], serde_json::json!(["x", "y"]));
        assert_eq!(v["expand"], serde_json::json!(["z"]));
        assert!(decode("a[b=1").is_err());
    }
}
