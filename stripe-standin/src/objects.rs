//! Stripe objects as Stripe writes them: every field of Stripe's own example objects, with
//! this stand-in's values.

use serde_json::{json, Map, Value};

/// A Stripe-looking id: `prefix_` and 24 random characters.
pub fn id(prefix: &str) -> String {
    format!("{prefix}_{}", hex::encode(rand::random::<[u8; 12]>()))
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

/// `params[name]` as a metadata map (strings only).
fn metadata(params: &Value) -> Value {
    let map: Map<String, Value> = params["metadata"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, v)| v.is_string())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    Value::Object(map)
}

fn flag(params: &Value, name: &str, default: bool) -> bool {
    params[name].as_str().map_or(default, |v| v == "true")
}

/// A product named `name`.
pub fn product(name: &str, params: &Value) -> Value {
    let at = now();
    json!({
        "id": params["id"].as_str().map_or_else(|| id("prod"), str::to_string),
        "object": "product",
        "active": flag(params, "active", true),
        "created": at,
        "default_price": null,
        "description": params["description"].as_str(),
        "images": [],
        "livemode": false,
        "marketing_features": [],
        "metadata": metadata(params),
        "name": name,
        "package_dimensions": null,
        "shippable": null,
        "statement_descriptor": null,
        "tax_code": null,
        "type": "service",
        "unit_label": null,
        "updated": at,
        "url": null,
    })
}

/// Applies an update's parameters to `product`.
pub fn update_product(product: &mut Value, params: &Value) {
    if let Some(name) = params["name"].as_str() {
        product["name"] = json!(name);
    }
    if params["active"].is_string() {
        product["active"] = json!(flag(params, "active", true));
    }
    if params["metadata"].is_object() {
        product["metadata"] = metadata(params);
    }
    product["updated"] = json!(now());
}

/// A price from a create's parameters.
pub fn price(params: &Value) -> Result<Value, String> {
    let currency = params["currency"]
        .as_str()
        .filter(|c| c.len() == 3)
        .ok_or("Missing required param: currency.")?;
    let amount: i64 = params["unit_amount"]
        .as_str()
        .and_then(|a| a.parse().ok())
        .filter(|a| *a >= 0)
        .ok_or("unit_amount: a non-negative integer is required")?;
    let recurring = match params["recurring"]["interval"].as_str() {
        None => Value::Null,
        Some(interval @ ("day" | "week" | "month" | "year")) => json!({
            "interval": interval,
            "interval_count": 1,
            "meter": null,
            "trial_period_days": null,
            "usage_type": "licensed",
        }),
        Some(other) => return Err(format!("Invalid recurring[interval]: {other}")),
    };
    let kind = if recurring.is_null() {
        "one_time"
    } else {
        "recurring"
    };
    Ok(json!({
        "id": id("price"),
        "object": "price",
        "active": flag(params, "active", true),
        "billing_scheme": "per_unit",
        "created": now(),
        "currency": currency.to_ascii_lowercase(),
        "custom_unit_amount": null,
        "livemode": false,
        "lookup_key": params["lookup_key"].as_str(),
        "metadata": metadata(params),
        "nickname": params["nickname"].as_str(),
        "product": params["product"].as_str(),
        "recurring": recurring,
        "tax_behavior": "unspecified",
        "tiers_mode": null,
        "transform_quantity": null,
        "type": kind,
        "unit_amount": amount,
        "unit_amount_decimal": amount.to_string(),
    }))
}
