//! Subscriptions and invoices.

use serde_json::{json, Value};

use super::{id, now};

/// Seconds in a price's billing interval: a month is 30 days, a year 365.
pub fn interval_seconds(interval: &str) -> i64 {
    const DAY: i64 = 24 * 3600;
    match interval {
        "day" => DAY,
        "week" => 7 * DAY,
        "year" => 365 * DAY,
        _ => 30 * DAY,
    }
}

/// The legacy plan Stripe still puts beside each subscription item's price.
pub fn plan(price: &Value) -> Value {
    let recurring = &price["recurring"];
    json!({
        "id": price["id"],
        "object": "plan",
        "active": price["active"],
        "amount": price["unit_amount"],
        "amount_decimal": price["unit_amount_decimal"],
        "billing_scheme": "per_unit",
        "created": price["created"],
        "currency": price["currency"],
        "interval": recurring["interval"].as_str().unwrap_or("month"),
        "interval_count": recurring["interval_count"].as_u64().unwrap_or(1),
        "livemode": false,
        "metadata": price["metadata"],
        "meter": null,
        "nickname": price["nickname"],
        "product": price["product"],
        "tiers_mode": null,
        "transform_usage": null,
        "trial_period_days": null,
        "usage_type": "licensed",
    })
}

/// One line of a subscription: `quantity` of `price`, for the period `start`..`end`.
pub fn item(subscription: &str, price: &Value, quantity: i64, start: i64, end: i64) -> Value {
    json!({
        "id": id("si"),
        "object": "subscription_item",
        "billing_thresholds": null,
        "created": now(),
        "current_period_end": end,
        "current_period_start": start,
        "discounts": [],
        "metadata": {},
        "plan": plan(price),
        "price": price,
        "quantity": quantity,
        "subscription": subscription,
        "tax_rates": [],
    })
}

/// An active subscription of `customer` to `lines` (price, quantity), for the period
/// `start`..`end`; `discount` is a discount id, if a coupon applies.
pub fn subscription(
    customer: &str,
    lines: &[(Value, i64)],
    metadata: &Value,
    (start, end): (i64, i64),
    discount: Option<&str>,
) -> Value {
    let id = id("sub");
    let items: Vec<Value> = lines
        .iter()
        .map(|(price, quantity)| item(&id, price, *quantity, start, end))
        .collect();
    let currency = lines.first().map(|(p, _)| p["currency"].clone());
    json!({
        "id": id,
        "object": "subscription",
        "application": null,
        "application_fee_percent": null,
        "automatic_tax": { "disabled_reason": null, "enabled": false, "liability": null },
        "billing_cycle_anchor": start,
        "billing_cycle_anchor_config": null,
        "billing_mode": { "flexible": null, "type": "classic", "updated_at": null },
        "billing_schedules": [],
        "billing_thresholds": null,
        "cancel_at": null,
        "cancel_at_period_end": false,
        "canceled_at": null,
        "cancellation_details": { "comment": null, "feedback": null, "reason": null },
        "collection_method": "charge_automatically",
        "created": now(),
        "currency": currency,
        "current_period_end": end,
        "current_period_start": start,
        "customer": customer,
        "customer_account": null,
        "days_until_due": null,
        "default_payment_method": null,
        "default_source": null,
        "default_tax_rates": [],
        "description": null,
        "discounts": discount.into_iter().collect::<Vec<_>>(),
        "ended_at": null,
        "invoice_settings": {
            "account_tax_ids": null,
            "custom_fields": null,
            "description": null,
            "footer": null,
            "issuer": { "type": "self" },
        },
        "items": super::list(items, false, &format!("/v1/subscription_items?subscription={id}")),
        "latest_invoice": null,
        "livemode": false,
        "managed_payments": null,
        "metadata": metadata,
        "next_pending_invoice_item_invoice": null,
        "on_behalf_of": null,
        "pause_collection": null,
        "payment_settings": {
            "payment_method_options": null,
            "payment_method_types": null,
            "save_default_payment_method": "off",
        },
        "pending_invoice_item_interval": null,
        "pending_setup_intent": null,
        "pending_update": null,
        "schedule": null,
        "start_date": start,
        "status": "active",
        "test_clock": null,
        "transfer_data": null,
        "trial_end": null,
        "trial_settings": { "end_behavior": { "missing_payment_method": "create_invoice" } },
        "trial_start": null,
    })
}

/// One line of an invoice: `quantity` of `price` for `period`, from a subscription item.
#[derive(Debug, Clone)]
pub struct Line {
    pub price: Value,
    pub quantity: i64,
    pub period: (i64, i64),
    pub item: Option<String>,
}

/// What an invoice bills: the subscription's lines, less a discount, paid (by a charge
/// and payment intent) or not.
#[derive(Debug, Clone)]
pub struct Bill {
    pub customer: Value,
    pub subscription: Value,
    pub lines: Vec<Line>,
    pub reason: &'static str,
    /// The discount's id and the amount it takes off.
    pub discount: Option<(String, i64)>,
    /// The invoice's own `period_start`, `period_end` (Stripe's: the period before).
    pub period: (i64, i64),
    /// The charge and payment intent that paid it; `None`: payment failed, still open.
    pub paid_by: Option<(String, String)>,
}

fn line(invoice: &str, subscription: &str, line: &Line) -> Value {
    let amount = line.price["unit_amount"].as_i64().unwrap_or(0) * line.quantity;
    let product = line.price["product"].as_str().unwrap_or_default();
    json!({
        "id": id("il"),
        "object": "line_item",
        "amount": amount,
        "currency": line.price["currency"],
        "description": format!("{} × {}", line.quantity, line.price["nickname"].as_str().unwrap_or(product)),
        "discount_amounts": [],
        "discountable": true,
        "discounts": [],
        "invoice": invoice,
        "livemode": false,
        "metadata": {},
        "parent": {
            "invoice_item_details": null,
            "subscription_item_details": {
                "invoice_item": null,
                "proration": false,
                "proration_details": { "credited_items": null },
                "subscription": subscription,
                "subscription_item": line.item,
            },
            "type": "subscription_item_details",
        },
        "period": { "end": line.period.1, "start": line.period.0 },
        "pretax_credit_amounts": [],
        "pricing": {
            "price_details": { "price": line.price["id"], "product": product },
            "type": "price_details",
            "unit_amount_decimal": line.price["unit_amount_decimal"],
        },
        "quantity": line.quantity,
        "quantity_decimal": line.quantity.to_string(),
        "subscription": subscription,
        "subtotal": amount,
        "taxes": [],
    })
}

/// The invoice for `bill`.
pub fn invoice(bill: &Bill) -> Value {
    let id = id("in");
    let at = now();
    let sub = bill.subscription["id"].as_str().unwrap_or_default();
    let lines: Vec<Value> = bill.lines.iter().map(|l| line(&id, sub, l)).collect();
    let subtotal: i64 = lines.iter().filter_map(|l| l["amount"].as_i64()).sum();
    let off = bill.discount.as_ref().map_or(0, |(_, amount)| *amount);
    let total = subtotal - off;
    let paid = bill.paid_by.is_some();
    let (charge, intent) = bill.paid_by.clone().unzip();
    let prefix = bill.customer["invoice_prefix"]
        .as_str()
        .unwrap_or("STANDIN");
    json!({
        "id": id,
        "object": "invoice",
        "account_country": null,
        "account_name": null,
        "account_tax_ids": null,
        "amount_due": total,
        "amount_overpaid": 0,
        "amount_paid": if paid { total } else { 0 },
        "amount_remaining": if paid { 0 } else { total },
        "amount_shipping": 0,
        "application": null,
        "attempt_count": 1,
        "attempted": true,
        "auto_advance": !paid,
        "automatic_tax": {
            "disabled_reason": null, "enabled": false, "liability": null,
            "provider": null, "status": null,
        },
        "automatically_finalizes_at": null,
        "billing_reason": bill.reason,
        "charge": charge,
        "collection_method": "charge_automatically",
        "created": at,
        "currency": bill.subscription["currency"],
        "custom_fields": null,
        "customer": bill.customer["id"],
        "customer_account": null,
        "customer_address": null,
        "customer_email": bill.customer["email"],
        "customer_name": bill.customer["name"],
        "customer_phone": null,
        "customer_shipping": null,
        "customer_tax_exempt": "none",
        "customer_tax_ids": [],
        "default_payment_method": null,
        "default_source": null,
        "default_tax_rates": [],
        "description": null,
        "discounts": bill.discount.iter().map(|(d, _)| d.clone()).collect::<Vec<_>>(),
        "due_date": null,
        "effective_at": at,
        "ending_balance": 0,
        "footer": null,
        "from_invoice": null,
        "hosted_invoice_url": null,
        "invoice_pdf": null,
        "issuer": { "type": "self" },
        "last_finalization_error": null,
        "latest_revision": null,
        "lines": super::list(lines, false, &format!("/v1/invoices/{id}/lines")),
        "livemode": false,
        "metadata": {},
        "next_payment_attempt": if paid { None } else { Some(at + 3 * 24 * 3600) },
        "number": format!("{prefix}-{:04}", rand::random::<u16>() % 10_000),
        "on_behalf_of": null,
        "paid": paid,
        "parent": {
            "quote_details": null,
            "subscription_details": {
                "metadata": bill.subscription["metadata"],
                "subscription": sub,
            },
            "type": "subscription_details",
        },
        "payment_intent": intent,
        "payment_settings": {
            "default_mandate": null,
            "payment_method_options": null,
            "payment_method_types": null,
        },
        "period_end": bill.period.1,
        "period_start": bill.period.0,
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "receipt_number": null,
        "rendering": null,
        "shipping_cost": null,
        "shipping_details": null,
        "starting_balance": 0,
        "statement_descriptor": null,
        "status": if paid { "paid" } else { "open" },
        "status_transitions": {
            "finalized_at": at,
            "marked_uncollectible_at": null,
            "paid_at": if paid { Some(at) } else { None },
            "voided_at": null,
        },
        "subscription": sub,
        "subtotal": subtotal,
        "subtotal_excluding_tax": subtotal,
        "test_clock": null,
        "total": total,
        "total_discount_amounts": bill.discount.iter()
            .map(|(d, amount)| json!({ "amount": amount, "discount": d }))
            .collect::<Vec<_>>(),
        "total_excluding_tax": total,
        "total_pretax_credit_amounts": [],
        "total_taxes": [],
        "webhooks_delivered_at": at,
    })
}
