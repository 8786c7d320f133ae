//! Paying a checkout session: what Stripe makes when the customer pays, and the events it
//! sends about it.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::objects::billing::{self, interval_seconds, Bill, Line};
use super::objects::{self, checkout, now, payments};
use super::webhooks::emit;
use super::{checkout::Cart, World};

/// Pays the open session `id`: makes the customer (unless the session names one), a
/// payment intent and its charge, and in subscription mode the subscription and its first,
/// paid invoice; completes the session; then sends `checkout.session.completed` and either
/// `customer.subscription.created` and `invoice.payment_succeeded` (subscription mode) or
/// `charge.succeeded` (payment mode). Answers the completed session, or why it cannot be
/// paid (404: no such session; 409: not open).
pub(crate) fn pay(world: &mut World, id: &str) -> Result<Value, (StatusCode, String)> {
    let session = world
        .get("checkout.session", id)
        .map_err(|_| {
            (
                StatusCode::NOT_FOUND,
                format!("No such checkout session: {id}"),
            )
        })?
        .clone();
    if session["status"] != "open" {
        let status = session["status"].as_str().unwrap_or("closed");
        let message = format!("This checkout session is {status}: it cannot be paid again.");
        return Err((StatusCode::CONFLICT, message));
    }
    let cart = world.carts.get(id).cloned().unwrap_or_default();
    let customer = customer_of(world, &session);
    let total = session["amount_total"].as_i64().unwrap_or(0);
    let currency = session["currency"].as_str().unwrap_or("usd").to_string();
    let intent = objects::id("pi");
    let charge = world.put(payments::charge(total, &currency, &customer, &intent));

    let mut completed = session.clone();
    completed["status"] = json!("complete");
    completed["payment_status"] = json!("paid");
    completed["customer"] = customer["id"].clone();
    completed["customer_details"] =
        checkout::customer_details(customer["email"].as_str(), customer["name"].as_str());
    if session["mode"] == "subscription" {
        let (subscription, invoice) = subscribe(world, &session, &cart, &customer, &charge);
        completed["subscription"] = subscription["id"].clone();
        completed["invoice"] = invoice["id"].clone();
        let completed = world.put(completed);
        emit(world, "checkout.session.completed", &completed, None);
        emit(world, "customer.subscription.created", &subscription, None);
        emit(world, "invoice.payment_succeeded", &invoice, None);
        Ok(completed)
    } else {
        completed["payment_intent"] = json!(intent);
        let completed = world.put(completed);
        emit(world, "checkout.session.completed", &completed, None);
        emit(world, "charge.succeeded", &charge, None);
        Ok(completed)
    }
}

/// The session's customer, or a new one with the session's e-mail.
fn customer_of(world: &mut World, session: &Value) -> Value {
    if let Some(held) = session["customer"]
        .as_str()
        .and_then(|id| world.get("customer", id).ok())
    {
        return held.clone();
    }
    let params = json!({ "email": session["customer_email"] });
    world.put(checkout::customer(&params))
}

/// Makes the subscription of a paid session and its first invoice, paid by `charge`.
fn subscribe(
    world: &mut World,
    session: &Value,
    cart: &Cart,
    customer: &Value,
    charge: &Value,
) -> (Value, Value) {
    let recurring = cart.recurring();
    let interval = recurring
        .first()
        .and_then(|(price, _)| price["recurring"]["interval"].as_str())
        .unwrap_or("month");
    let start = now();
    let end = start + interval_seconds(interval);
    let customer_id = customer["id"].as_str().unwrap_or_default();
    let discount = cart.coupon.as_ref().map(|coupon| {
        let coupon = coupon["id"].as_str().unwrap_or_default();
        let session = session["id"].as_str().unwrap_or_default();
        payments::discount(coupon, customer_id, session, None)
    });
    let discount_id = discount.as_ref().and_then(|d| d["id"].as_str());
    let mut subscription = billing::subscription(
        customer_id,
        &recurring,
        &cart.subscription_metadata,
        (start, end),
        discount_id,
    );
    if let Some(mut discount) = discount.clone() {
        discount["subscription"] = subscription["id"].clone();
        world.put(discount);
    }
    let items = subscription["items"]["data"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let lines = cart
        .lines
        .iter()
        .map(|(price, quantity)| {
            let item = items.iter().find(|i| i["price"]["id"] == price["id"]);
            Line {
                price: price.clone(),
                quantity: *quantity,
                period: if item.is_some() {
                    (start, end)
                } else {
                    (start, start)
                },
                item: item.and_then(|i| i["id"].as_str()).map(str::to_string),
            }
        })
        .collect();
    let off = session["total_details"]["amount_discount"]
        .as_i64()
        .unwrap_or(0);
    let bill = Bill {
        customer: customer.clone(),
        subscription: subscription.clone(),
        lines,
        reason: "subscription_create",
        discount: discount_id.map(|d| (d.to_string(), off)),
        period: (start, start),
        paid_by: Some((
            charge["id"].as_str().unwrap_or_default().to_string(),
            charge["payment_intent"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )),
    };
    let invoice = world.put(billing::invoice(&bill));
    subscription["latest_invoice"] = invoice["id"].clone();
    (world.put(subscription), invoice)
}
