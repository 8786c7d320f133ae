//! Subscriptions and invoices: reading, updating and cancelling a subscription, and its
//! renewals, paid or failed.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::documents::with_links;
use super::objects::billing::{self as shapes, interval_seconds, Bill, Line};
use super::objects::{self, now, payments};
use super::webhooks::{emit, previous};
use super::{answer, bad, base_url, params, query, StandIn, World};

pub(crate) async fn retrieve_subscription(
    State(state): State<StandIn>,
    Path(id): Path<String>,
) -> Response {
    answer(state.world().get("subscription", &id).cloned())
}

pub(crate) async fn update_subscription(
    State(state): State<StandIn>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    answer(params(&body).and_then(|params| update(&mut state.world(), &id, &params)))
}

pub(crate) async fn cancel_subscription(
    State(state): State<StandIn>,
    Path(id): Path<String>,
) -> Response {
    answer(cancel(&mut state.world(), &id))
}

pub(crate) async fn retrieve_invoice(
    State(state): State<StandIn>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let base = base_url(&headers);
    answer(
        state
            .world()
            .get("invoice", &id)
            .map(|i| with_links(i.clone(), &base)),
    )
}

pub(crate) async fn list_invoices(
    State(state): State<StandIn>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let base = base_url(&headers);
    let query = match query(raw.as_deref()) {
        Ok(q) => q,
        Err(refused) => return answer(Err(refused)),
    };
    let limit = objects::integer(&query, "limit")
        .unwrap_or(10)
        .clamp(1, 100);
    let world = state.world();
    // As at Stripe, filtering by a customer that does not exist is an error.
    if let Some(customer) = query["customer"].as_str() {
        if let Err(missing) = world.get("customer", customer) {
            return answer(Err(missing));
        }
    }
    let matching: Vec<Value> = world
        .all("invoice")
        .filter(|i| {
            query["customer"]
                .as_str()
                .is_none_or(|c| i["customer"] == c)
        })
        .filter(|i| query["status"].as_str().is_none_or(|s| i["status"] == s))
        .filter(|i| {
            query["subscription"].as_str().is_none_or(|s| {
                i["subscription"] == s || i["parent"]["subscription_details"]["subscription"] == s
            })
        })
        .map(|i| with_links(i.clone(), &base))
        .collect();
    let has_more = matching.len() > limit as usize;
    let data = matching.into_iter().take(limit as usize).collect();
    Json(objects::list(data, has_more, "/v1/invoices")).into_response()
}

/// Applies `cancel_at_period_end`, `items[N][id]` + `items[N][quantity]` (or
/// `items[N][price]` for a new item) and `metadata[k]`; sends
/// `customer.subscription.updated` if anything changed. `POST /v1/subscriptions/{id}` and
/// the customer portal's buttons both come here.
pub(crate) fn update(
    world: &mut World,
    id: &str,
    params: &Value,
) -> Result<Value, (StatusCode, Value)> {
    let old = world.get("subscription", id)?.clone();
    let mut new = old.clone();
    if let Some(flag) = params["cancel_at_period_end"].as_str() {
        let cancel = flag == "true";
        new["cancel_at_period_end"] = json!(cancel);
        new["cancel_at"] = if cancel {
            json!(period(&new).1)
        } else {
            Value::Null
        };
        new["cancellation_details"]["reason"] = if cancel {
            json!("cancellation_requested")
        } else {
            Value::Null
        };
    }
    for (n, change) in params["items"].as_array().into_iter().flatten().enumerate() {
        change_item(world, &mut new, n, change)?;
    }
    objects::merge_metadata(&mut new["metadata"], params);
    if new != old {
        let new = world.put(new);
        emit(
            world,
            "customer.subscription.updated",
            &new,
            Some(&previous(&old, &new)),
        );
    }
    Ok(world.get("subscription", id)?.clone())
}

/// Changes the quantity of the item `items[n][id]`, or adds `items[n][price]`.
fn change_item(
    world: &World,
    subscription: &mut Value,
    n: usize,
    change: &Value,
) -> Result<(), (StatusCode, Value)> {
    let quantity = objects::integer(change, "quantity");
    if let Some(item) = change["id"].as_str() {
        let items = subscription["items"]["data"].as_array_mut();
        let held = items.and_then(|items| items.iter_mut().find(|i| i["id"] == item));
        let Some(held) = held else {
            let message = format!("No such subscription item: '{item}'");
            return Err(bad(&message, &format!("items[{n}][id]")));
        };
        if let Some(quantity) = quantity {
            held["quantity"] = json!(quantity);
        }
        return Ok(());
    }
    let Some(price) = change["price"].as_str() else {
        return Err(bad(
            "Each item needs an id or a price.",
            &format!("items[{n}]"),
        ));
    };
    let Some(price) = world.prices.get(price) else {
        return Err(bad(
            &format!("No such price: '{price}'"),
            &format!("items[{n}][price]"),
        ));
    };
    let sub = subscription["id"].as_str().unwrap_or_default().to_string();
    let (start, end) = period(subscription);
    let item = shapes::item(&sub, price, quantity.unwrap_or(1), start, end);
    if let Some(items) = subscription["items"]["data"].as_array_mut() {
        items.push(item);
    }
    Ok(())
}

/// Cancels at once: `canceled`, with `canceled_at` and `ended_at`; sends
/// `customer.subscription.deleted`. A canceled subscription is answered as it is.
/// `DELETE /v1/subscriptions/{id}` and the customer portal's "Cancel now" both come here.
pub(crate) fn cancel(world: &mut World, id: &str) -> Result<Value, (StatusCode, Value)> {
    let mut subscription = world.get("subscription", id)?.clone();
    if subscription["status"] == "canceled" {
        return Ok(subscription);
    }
    let at = now();
    subscription["status"] = json!("canceled");
    subscription["canceled_at"] = json!(at);
    subscription["ended_at"] = json!(at);
    subscription["cancellation_details"]["reason"] = json!("cancellation_requested");
    let subscription = world.put(subscription);
    emit(world, "customer.subscription.deleted", &subscription, None);
    Ok(subscription)
}

/// The current period of a subscription: its first item's, else its own (legacy) fields.
pub(crate) fn period(subscription: &Value) -> (i64, i64) {
    let item = &subscription["items"]["data"][0];
    let start = item["current_period_start"]
        .as_i64()
        .or_else(|| subscription["current_period_start"].as_i64())
        .unwrap_or_else(now);
    let end = item["current_period_end"]
        .as_i64()
        .or_else(|| subscription["current_period_end"].as_i64())
        .unwrap_or(start);
    (start, end)
}

/// The billing interval of a subscription's first item.
fn interval(subscription: &Value) -> &str {
    let item = &subscription["items"]["data"][0];
    item["price"]["recurring"]["interval"]
        .as_str()
        .or_else(|| item["plan"]["interval"].as_str())
        .unwrap_or("month")
}

/// Moves a subscription (its items and its legacy fields) to the next period; answers it.
fn next_period(subscription: &mut Value) -> (i64, i64) {
    let start = period(subscription).1;
    let end = start + interval_seconds(interval(subscription));
    if let Some(items) = subscription["items"]["data"].as_array_mut() {
        for item in items {
            item["current_period_start"] = json!(start);
            item["current_period_end"] = json!(end);
        }
    }
    subscription["current_period_start"] = json!(start);
    subscription["current_period_end"] = json!(end);
    (start, end)
}

/// A coupon that still applies to a renewal: its discount id and what it takes off.
fn lasting_discount(world: &World, subscription: &Value, subtotal: i64) -> Option<(String, i64)> {
    let discounts = subscription["discounts"].as_array()?;
    discounts.iter().filter_map(Value::as_str).find_map(|id| {
        let discount = world.get("discount", id).ok()?;
        let coupon = world
            .get("coupon", discount["source"]["coupon"].as_str()?)
            .ok()?;
        (coupon["duration"] != "once")
            .then(|| (id.to_string(), objects::discount(coupon, subtotal)))
    })
}

/// Renews the subscription `id` for one more period. Paid: a new charge and a paid
/// `subscription_cycle` invoice, `active`, then `invoice.payment_succeeded`. Not paid: an
/// open invoice, `past_due`, then `invoice.payment_failed`. Both then send
/// `customer.subscription.updated`. Answers the subscription.
pub(crate) fn renew(world: &mut World, id: &str, paid: bool) -> Result<Value, (StatusCode, Value)> {
    let old = world.get("subscription", id)?.clone();
    if old["status"] == "canceled" {
        return Err(bad(
            "This subscription is canceled: it cannot renew.",
            "subscription",
        ));
    }
    let mut new = old.clone();
    let before = period(&old);
    let now_paid = next_period(&mut new);
    let lines: Vec<Line> = new["items"]["data"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| Line {
            price: item["price"].clone(),
            quantity: item["quantity"].as_i64().unwrap_or(1),
            period: now_paid,
            item: item["id"].as_str().map(str::to_string),
        })
        .collect();
    let subtotal: i64 = lines
        .iter()
        .map(|l| l.price["unit_amount"].as_i64().unwrap_or(0) * l.quantity)
        .sum();
    let discount = lasting_discount(world, &new, subtotal);
    let customer_id = new["customer"].as_str().unwrap_or_default();
    let customer = world
        .get("customer", customer_id)
        .cloned()
        .unwrap_or_else(|_| json!({ "id": customer_id }));
    let paid_by = paid.then(|| {
        let amount = subtotal - discount.as_ref().map_or(0, |(_, off)| *off);
        let currency = new["currency"].as_str().unwrap_or("usd");
        let intent = objects::id("pi");
        let charge = world.put(payments::charge(amount, currency, &customer, &intent));
        (
            charge["id"].as_str().unwrap_or_default().to_string(),
            intent,
        )
    });
    let bill = Bill {
        customer,
        subscription: new.clone(),
        lines,
        reason: "subscription_cycle",
        discount,
        period: before,
        paid_by,
    };
    let invoice = world.put(shapes::invoice(&bill));
    new["latest_invoice"] = invoice["id"].clone();
    new["status"] = json!(if paid { "active" } else { "past_due" });
    let new = world.put(new);
    let kind = if paid {
        "invoice.payment_succeeded"
    } else {
        "invoice.payment_failed"
    };
    emit(world, kind, &invoice, None);
    emit(
        world,
        "customer.subscription.updated",
        &new,
        Some(&previous(&old, &new)),
    );
    Ok(new)
}
