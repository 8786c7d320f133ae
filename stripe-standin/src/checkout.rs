//! Checkout sessions: what the customer is asked to pay, and the page where they pay it.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

use super::objects::checkout::{session, Amounts};
use super::{answer, bad, base_url, idempotent, objects, params, StandIn, World};

/// What a session sells: each line's price (the whole object) and quantity, the coupon,
/// and the metadata of the subscription it makes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Cart {
    pub lines: Vec<(Value, i64)>,
    pub coupon: Option<Value>,
    pub subscription_metadata: Value,
}

impl Cart {
    /// The lines' prices times their quantities.
    pub fn subtotal(&self) -> i64 {
        self.lines
            .iter()
            .map(|(price, quantity)| price["unit_amount"].as_i64().unwrap_or(0) * quantity)
            .sum()
    }

    /// The lines that recur, for a subscription.
    pub fn recurring(&self) -> Vec<(Value, i64)> {
        self.lines
            .iter()
            .filter(|(price, _)| price["recurring"].is_object())
            .cloned()
            .collect()
    }
}

pub(crate) async fn create_session(
    State(state): State<StandIn>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = match params(&body) {
        Ok(p) => p,
        Err((status, body)) => return (status, Json(body)).into_response(),
    };
    let base = base_url(&headers);
    idempotent(&state, &headers, &params.clone(), move |world| {
        match open(world, &params, &base) {
            Ok(session) => (StatusCode::OK, session),
            Err(refused) => refused,
        }
    })
}

pub(crate) async fn retrieve_session(
    State(state): State<StandIn>,
    Path(id): Path<String>,
) -> Response {
    answer(state.world().get("checkout.session", &id).cloned())
}

/// Opens a session from a create's parameters.
fn open(world: &mut World, params: &Value, base: &str) -> Result<Value, (StatusCode, Value)> {
    let mode = match params["mode"].as_str() {
        Some(mode @ ("payment" | "subscription")) => mode,
        Some(other) => return Err(bad(&format!("Invalid mode: {other}"), "mode")),
        None => return Err(bad("Missing required param: mode.", "mode")),
    };
    let lines = lines(world, params)?;
    let recurring: Vec<&Value> = lines
        .iter()
        .filter_map(|(p, _)| {
            p["recurring"]
                .as_object()
                .map(|_| &p["recurring"]["interval"])
        })
        .collect();
    if mode == "payment" && !recurring.is_empty() {
        return Err(bad(
            "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.",
            "line_items",
        ));
    }
    if mode == "subscription" && recurring.is_empty() {
        return Err(bad(
            "You must provide at least one recurring price in `subscription` mode when using prices.",
            "line_items",
        ));
    }
    if recurring.windows(2).any(|w| w[0] != w[1]) {
        return Err(bad(
            "Checkout does not support multiple prices with different billing intervals.",
            "line_items",
        ));
    }
    let currency = lines[0].0["currency"].as_str().unwrap_or("usd").to_string();
    if lines
        .iter()
        .any(|(p, _)| p["currency"] != currency.as_str())
    {
        return Err(bad(
            "All prices on a Checkout Session must use the same currency.",
            "line_items",
        ));
    }
    if let Some(customer) = params["customer"].as_str() {
        world
            .get("customer", customer)
            .map_err(|_| bad(&format!("No such customer: '{customer}'"), "customer"))?;
    }
    let coupon = match params["discounts"][0]["coupon"].as_str() {
        None => None,
        Some(id) => Some(
            world
                .get("coupon", id)
                .cloned()
                .map_err(|_| bad(&format!("No such coupon: '{id}'"), "discounts[0][coupon]"))?,
        ),
    };
    if let Some(coupon_currency) = coupon.as_ref().and_then(|c| c["currency"].as_str()) {
        if coupon_currency != currency {
            return Err(bad(
                "The coupon's currency does not match the session's.",
                "discounts[0][coupon]",
            ));
        }
    }
    let cart = Cart {
        lines,
        coupon,
        subscription_metadata: objects::metadata(&params["subscription_data"]),
    };
    let subtotal = cart.subtotal();
    let amounts = Amounts {
        subtotal,
        discount: cart
            .coupon
            .as_ref()
            .map_or(0, |c| objects::discount(c, subtotal)),
        currency,
    };
    let id = objects::id("cs_test");
    let coupon_id = cart.coupon.as_ref().and_then(|c| c["id"].as_str());
    let session = session(&id, params, &amounts, coupon_id, base);
    world.carts.insert(id, cart);
    Ok(world.put(session))
}

/// The line items of a create: each an active known price and a positive quantity.
fn lines(world: &World, params: &Value) -> Result<Vec<(Value, i64)>, (StatusCode, Value)> {
    let items = params["line_items"].as_array().filter(|i| !i.is_empty());
    let Some(items) = items else {
        return Err(bad("Missing required param: line_items.", "line_items"));
    };
    items
        .iter()
        .enumerate()
        .map(|(n, item)| {
            let param = format!("line_items[{n}][price]");
            let Some(id) = item["price"].as_str() else {
                return Err(bad(&format!("Missing required param: {param}."), &param));
            };
            let Some(price) = world.prices.get(id) else {
                return Err(bad(&format!("No such price: '{id}'"), &param));
            };
            if price["active"] == false {
                return Err(bad(
                    "The price specified is inactive. This field only accepts active prices.",
                    &param,
                ));
            }
            let quantity = objects::integer(item, "quantity").unwrap_or(1);
            if quantity < 1 {
                let param = format!("line_items[{n}][quantity]");
                return Err(bad("Quantity must be at least 1.", &param));
            }
            Ok((price.clone(), quantity))
        })
        .collect()
}
