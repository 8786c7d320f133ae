//! Customers and checkout sessions.

use serde_json::{json, Value};

use super::{id, metadata, no_address, now};

/// A customer from a create's parameters (`email`, `name`, `description`, `phone`,
/// `metadata[k]`).
pub fn customer(params: &Value) -> Value {
    json!({
        "id": id("cus"),
        "object": "customer",
        "address": null,
        "balance": 0,
        "created": now(),
        "currency": null,
        "default_source": null,
        "delinquent": false,
        "description": params["description"].as_str(),
        "discount": null,
        "email": params["email"].as_str(),
        "invoice_prefix": hex::encode(rand::random::<[u8; 4]>()).to_uppercase(),
        "invoice_settings": {
            "custom_fields": null,
            "default_payment_method": null,
            "footer": null,
            "rendering_options": null,
        },
        "livemode": false,
        "metadata": metadata(params),
        "name": params["name"].as_str(),
        "next_invoice_sequence": 1,
        "phone": params["phone"].as_str(),
        "preferred_locales": [],
        "shipping": null,
        "tax_exempt": "none",
        "test_clock": null,
    })
}

/// The money of a session: before and after its discount, in `currency`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amounts {
    pub subtotal: i64,
    pub discount: i64,
    pub currency: String,
}

/// The open checkout session `id` from a create's parameters; its page is under `base`.
pub fn session(
    id: &str,
    params: &Value,
    amounts: &Amounts,
    coupon: Option<&str>,
    base: &str,
) -> Value {
    let at = now();
    let mode = params["mode"].as_str().unwrap_or("payment");
    let invoice_creation = (mode == "payment").then(|| {
        json!({
            "enabled": false,
            "invoice_data": {
                "account_tax_ids": null,
                "custom_fields": null,
                "description": null,
                "footer": null,
                "issuer": null,
                "metadata": {},
                "rendering_options": null,
            },
        })
    });
    let discounts: Vec<Value> = coupon
        .map(|c| json!({ "coupon": c, "promotion_code": null }))
        .into_iter()
        .collect();
    json!({
        "id": id,
        "object": "checkout.session",
        "adaptive_pricing": { "enabled": false },
        "after_expiration": null,
        "allow_promotion_codes": null,
        "amount_subtotal": amounts.subtotal,
        "amount_total": amounts.subtotal - amounts.discount,
        "automatic_tax": { "enabled": false, "liability": null, "provider": null, "status": null },
        "billing_address_collection": null,
        "cancel_url": params["cancel_url"].as_str(),
        "client_reference_id": params["client_reference_id"].as_str(),
        "client_secret": null,
        "collected_information": null,
        "consent": null,
        "consent_collection": null,
        "created": at,
        "currency": amounts.currency,
        "currency_conversion": null,
        "custom_fields": [],
        "custom_text": {
            "after_submit": null,
            "shipping_address": null,
            "submit": null,
            "terms_of_service_acceptance": null,
        },
        "customer": params["customer"].as_str(),
        "customer_account": null,
        "customer_creation": if params["customer"].is_string() { None } else { Some("always") },
        "customer_details": null,
        "customer_email": params["customer_email"].as_str(),
        "discounts": discounts,
        "expires_at": at + 24 * 3600,
        "integration_identifier": null,
        "invoice": null,
        "invoice_creation": invoice_creation,
        "livemode": false,
        "locale": null,
        "managed_payments": { "enabled": false },
        "metadata": metadata(params),
        "mode": mode,
        "origin_context": null,
        "payment_intent": null,
        "payment_link": null,
        "payment_method_collection": (mode == "subscription").then_some("always"),
        "payment_method_configuration_details": null,
        "payment_method_options": {},
        "payment_method_types": ["card"],
        "payment_status": "unpaid",
        "permissions": null,
        "phone_number_collection": { "enabled": false },
        "recovered_from": null,
        "saved_payment_method_options": null,
        "setup_intent": null,
        "shipping_address_collection": null,
        "shipping_cost": null,
        "shipping_options": [],
        "status": "open",
        "submit_type": null,
        "subscription": null,
        "success_url": params["success_url"].as_str(),
        "total_details": {
            "amount_discount": amounts.discount,
            "amount_shipping": 0,
            "amount_tax": 0,
        },
        "ui_mode": "hosted",
        "url": format!("{base}pay/{id}"),
        "wallet_options": null,
    })
}

/// What checkout learnt of the customer who paid.
pub fn customer_details(email: Option<&str>, name: Option<&str>) -> Value {
    json!({
        "address": no_address(),
        "business_name": null,
        "email": email,
        "individual_name": null,
        "name": name,
        "phone": null,
        "tax_exempt": "none",
        "tax_ids": [],
    })
}
