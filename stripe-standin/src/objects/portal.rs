//! Customer portal sessions.

use serde_json::{json, Value};

use super::{id, now};

/// A portal session of `customer` under the portal configuration `configuration`, from a
/// create's parameters (`return_url`, `locale`, `on_behalf_of`); its page is under `base`.
/// `flow_data` is not followed: the session has no flow.
pub fn session(customer: &str, configuration: &str, params: &Value, base: &str) -> Value {
    let id = id("bps");
    json!({
        "id": id,
        "object": "billing_portal.session",
        "configuration": configuration,
        "created": now(),
        "customer": customer,
        "customer_account": null,
        "flow": null,
        "livemode": false,
        "locale": params["locale"].as_str(),
        "on_behalf_of": params["on_behalf_of"].as_str(),
        "return_url": params["return_url"].as_str(),
        "url": format!("{base}portal/{id}"),
    })
}
