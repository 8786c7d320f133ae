//! Charges, refunds, disputes, discounts, webhook endpoints and events.

use serde_json::{json, Value};

use super::{id, metadata, no_address, now};

/// A succeeded card charge of `amount` `currency`, made by the payment intent `intent`.
pub fn charge(amount: i64, currency: &str, customer: &Value, intent: &str) -> Value {
    let id = id("ch");
    json!({
        "id": id,
        "object": "charge",
        "amount": amount,
        "amount_captured": amount,
        "amount_refunded": 0,
        "application": null,
        "application_fee": null,
        "application_fee_amount": null,
        "balance_transaction": super::id("txn"),
        "billing_details": {
            "address": no_address(),
            "email": customer["email"],
            "name": customer["name"],
            "phone": null,
            "tax_id": null,
        },
        "calculated_statement_descriptor": "TESSERA",
        "captured": true,
        "created": now(),
        "currency": currency,
        "customer": customer["id"],
        "description": null,
        "disputed": false,
        "failure_balance_transaction": null,
        "failure_code": null,
        "failure_message": null,
        "fraud_details": {},
        "livemode": false,
        "metadata": {},
        "on_behalf_of": null,
        "outcome": {
            "advice_code": null,
            "network_advice_code": null,
            "network_decline_code": null,
            "network_status": "approved_by_network",
            "reason": null,
            "seller_message": "Payment complete.",
            "type": "authorized",
        },
        "paid": true,
        "payment_intent": intent,
        "payment_method": super::id("pm"),
        "payment_method_details": { "card": card(amount), "type": "card" },
        "receipt_email": customer["email"],
        "receipt_number": null,
        "receipt_url": null,
        "refunded": false,
        "refunds": super::list(Vec::new(), false, &format!("/v1/charges/{id}/refunds")),
        "review": null,
        "shipping": null,
        "source": null,
        "source_transfer": null,
        "statement_descriptor": null,
        "statement_descriptor_suffix": null,
        "status": "succeeded",
        "transfer_data": null,
        "transfer_group": null,
    })
}

/// Stripe's test card, 4242.
fn card(amount: i64) -> Value {
    json!({
        "amount_authorized": amount,
        "authorization_code": null,
        "brand": "visa",
        "checks": {
            "address_line1_check": null,
            "address_postal_code_check": null,
            "cvc_check": "pass",
        },
        "country": "US",
        "exp_month": 12,
        "exp_year": 2034,
        "extended_authorization": { "status": "disabled" },
        "fingerprint": "StandInCard4242",
        "funding": "credit",
        "incremental_authorization": { "status": "unavailable" },
        "installments": null,
        "last4": "4242",
        "mandate": null,
        "multicapture": { "status": "unavailable" },
        "network": "visa",
        "network_token": { "used": false },
        "network_transaction_id": null,
        "overcapture": { "maximum_amount_capturable": amount, "status": "unavailable" },
        "regulated_status": "unregulated",
        "three_d_secure": null,
        "transaction_link_id": null,
        "wallet": null,
    })
}

/// A succeeded refund of `amount` of `charge`, from a create's parameters.
pub fn refund(charge: &Value, amount: i64, params: &Value) -> Value {
    json!({
        "id": id("re"),
        "object": "refund",
        "amount": amount,
        "balance_transaction": super::id("txn"),
        "charge": charge["id"],
        "created": now(),
        "currency": charge["currency"],
        "customer": charge["customer"],
        "customer_account": null,
        "destination_details": { "card": { "type": "refund" }, "type": "card" },
        "metadata": metadata(params),
        "payment_intent": charge["payment_intent"],
        "payment_method": charge["payment_method"],
        "reason": params["reason"].as_str(),
        "receipt_number": null,
        "source_transfer_reversal": null,
        "status": "succeeded",
        "transfer_reversal": null,
    })
}

/// A fraud dispute of the whole of `charge`, waiting for the merchant's answer.
pub fn dispute(charge: &Value) -> Value {
    let evidence = [
        "access_activity_log",
        "billing_address",
        "cancellation_policy",
        "cancellation_policy_disclosure",
        "cancellation_rebuttal",
        "customer_communication",
        "customer_email_address",
        "customer_name",
        "customer_purchase_ip",
        "customer_signature",
        "duplicate_charge_documentation",
        "duplicate_charge_explanation",
        "duplicate_charge_id",
        "product_description",
        "receipt",
        "refund_policy",
        "refund_policy_disclosure",
        "refund_refusal_explanation",
        "service_date",
        "service_documentation",
        "shipping_address",
        "shipping_carrier",
        "shipping_date",
        "shipping_documentation",
        "shipping_tracking_number",
        "uncategorized_file",
        "uncategorized_text",
    ];
    let mut evidence: serde_json::Map<String, Value> = evidence
        .iter()
        .map(|k| (k.to_string(), Value::Null))
        .collect();
    evidence.insert("enhanced_evidence".into(), json!({}));
    json!({
        "id": id("dp"),
        "object": "dispute",
        "amount": charge["amount"],
        "balance_transactions": [],
        "charge": charge["id"],
        "created": now(),
        "currency": charge["currency"],
        "enhanced_eligibility_types": [],
        "evidence": evidence,
        "evidence_details": {
            "due_by": now() + 7 * 24 * 3600,
            "enhanced_eligibility": {},
            "has_evidence": false,
            "past_due": false,
            "submission_count": 0,
        },
        "is_charge_refundable": false,
        "livemode": false,
        "metadata": {},
        "payment_intent": charge["payment_intent"],
        "payment_method_details": {
            "card": {
                "brand": "visa",
                "case_type": "chargeback",
                "network": "visa",
                "network_reason_code": "10.4",
            },
            "type": "card",
        },
        "reason": "fraudulent",
        "status": "needs_response",
    })
}

/// The discount a coupon gives a checkout session and the subscription it makes.
pub fn discount(coupon: &str, customer: &str, session: &str, subscription: Option<&str>) -> Value {
    json!({
        "id": id("di"),
        "object": "discount",
        "checkout_session": session,
        "customer": customer,
        "customer_account": null,
        "end": null,
        "invoice": null,
        "invoice_item": null,
        "promotion_code": null,
        "source": { "coupon": coupon, "type": "coupon" },
        "start": now(),
        "subscription": subscription,
        "subscription_item": null,
    })
}

/// A webhook endpoint from a create's parameters (without its secret).
pub fn webhook_endpoint(params: &Value) -> Value {
    json!({
        "id": id("we"),
        "object": "webhook_endpoint",
        "api_version": params["api_version"].as_str(),
        "application": null,
        "created": now(),
        "description": params["description"].as_str(),
        "enabled_events": events_of(params).unwrap_or_default(),
        "livemode": false,
        "metadata": metadata(params),
        "status": "enabled",
        "url": params["url"].as_str(),
    })
}

/// `enabled_events[]` of a create or update, if given.
pub fn events_of(params: &Value) -> Option<Vec<String>> {
    params["enabled_events"].as_array().map(|events| {
        events
            .iter()
            .filter_map(|e| e.as_str().map(str::to_string))
            .collect()
    })
}

/// An event of `kind` about `object`; `previous` holds what an update changed.
pub fn event(kind: &str, object: &Value, previous: Option<&Value>) -> Value {
    let mut data = json!({ "object": object });
    if let Some(previous) = previous {
        data["previous_attributes"] = previous.clone();
    }
    json!({
        "id": id("evt"),
        "object": "event",
        "api_version": crate::API_VERSION,
        "created": now(),
        "data": data,
        "livemode": false,
        "pending_webhooks": 1,
        "request": { "id": null, "idempotency_key": null },
        "type": kind,
    })
}
