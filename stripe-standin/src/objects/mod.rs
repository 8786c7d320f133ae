//! Stripe objects as Stripe writes them: every field of Stripe's own example objects, with
//! this stand-in's values. Products, prices and coupons here; the rest by area.

pub mod billing;
pub mod checkout;
pub mod payments;
pub mod portal;

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

/// `params["metadata"]` as a metadata map (strings only).
pub fn metadata(params: &Value) -> Value {
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

/// Merges an update's `metadata[k]` into `held`, as Stripe does: an empty value removes a key.
pub fn merge_metadata(held: &mut Value, params: &Value) {
    let Some(update) = params["metadata"].as_object() else {
        return;
    };
    if !held.is_object() {
        *held = json!({});
    }
    if let Some(map) = held.as_object_mut() {
        for (key, value) in update {
            match value.as_str() {
                Some("") => {
                    map.remove(key);
                }
                Some(v) => {
                    map.insert(key.clone(), json!(v));
                }
                None => {}
            }
        }
    }
}

/// `params[name]` as an integer, if given and readable.
pub fn integer(params: &Value, name: &str) -> Option<i64> {
    params[name].as_str().and_then(|v| v.parse().ok())
}

pub fn flag(params: &Value, name: &str, default: bool) -> bool {
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

/// A coupon from a create's parameters: `percent_off`, or `amount_off` with `currency`.
pub fn coupon(params: &Value) -> Result<Value, String> {
    let percent: Option<f64> = params["percent_off"].as_str().and_then(|p| p.parse().ok());
    let amount = integer(params, "amount_off");
    let currency = params["currency"].as_str().map(str::to_ascii_lowercase);
    match (percent, amount) {
        (Some(p), None) if p > 0.0 && p <= 100.0 => {}
        (None, Some(a)) if a > 0 && currency.is_some() => {}
        (None, Some(_)) => return Err("You must pass currency when passing amount_off.".into()),
        _ => return Err("You must pass exactly one of percent_off or amount_off.".into()),
    }
    let duration = params["duration"].as_str().unwrap_or("once");
    if !matches!(duration, "once" | "repeating" | "forever") {
        return Err(format!("Invalid duration: {duration}"));
    }
    Ok(json!({
        "id": params["id"].as_str().map_or_else(|| hex::encode(rand::random::<[u8; 4]>()).to_uppercase(), str::to_string),
        "object": "coupon",
        "amount_off": amount,
        "created": now(),
        "currency": if amount.is_some() { currency } else { None },
        "duration": duration,
        "duration_in_months": integer(params, "duration_in_months").filter(|_| duration == "repeating"),
        "livemode": false,
        "max_redemptions": integer(params, "max_redemptions"),
        "metadata": metadata(params),
        "name": params["name"].as_str(),
        "percent_off": percent,
        "redeem_by": integer(params, "redeem_by"),
        "times_redeemed": 0,
        "valid": true,
    }))
}

/// What `coupon` takes off `subtotal`: a percentage rounded half up, or an amount capped at
/// the subtotal.
pub fn discount(coupon: &Value, subtotal: i64) -> i64 {
    if let Some(amount) = coupon["amount_off"].as_i64() {
        return amount.min(subtotal);
    }
    let percent = coupon["percent_off"].as_f64().unwrap_or(0.0);
    // Whole cents times a percentage with at most two decimals: exact enough in f64.
    let off = (subtotal as f64 * percent / 100.0).round() as i64;
    off.clamp(0, subtotal)
}

/// A list answer, as Stripe writes one.
pub fn list(data: Vec<Value>, has_more: bool, url: &str) -> Value {
    let mut list = json!({ "object": "list", "has_more": has_more, "url": url });
    list["data"] = Value::Array(data);
    list
}

/// An address with nothing known.
pub fn no_address() -> Value {
    json!({
        "city": null, "country": null, "line1": null, "line2": null,
        "postal_code": null, "state": null,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discounts_round_half_up_and_cap_at_the_subtotal() {
        assert_eq!(discount(&json!({ "percent_off": 12.5 }), 4900), 613);
        assert_eq!(discount(&json!({ "percent_off": 25.5 }), 1000), 255);
        assert_eq!(discount(&json!({ "amount_off": 500 }), 4900), 500);
        assert_eq!(discount(&json!({ "amount_off": 9000 }), 4900), 4900);
    }
}
