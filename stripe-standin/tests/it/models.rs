//! The contract: every answer of the checkout, billing, refund, coupon and webhook-endpoint
//! calls is read by async-stripe's typed models through its own client (`send`), and every
//! event, with the object it carries, by the same models through miniserde, as async-stripe
//! reads them. A field missing or mistyped fails here.

use std::collections::HashMap;

use serde_json::Value;
use stripe_billing::invoice::{ListInvoice, RetrieveInvoice};
use stripe_billing::subscription::{
    CancelSubscription, RetrieveSubscription, UpdateSubscription, UpdateSubscriptionItems,
};
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionDiscounts, CreateCheckoutSessionLineItems,
    CreateCheckoutSessionSubscriptionData, RetrieveCheckoutSession,
};
use stripe_core::charge::RetrieveCharge;
use stripe_core::customer::{CreateCustomer, RetrieveCustomer, RetrieveCustomerReturned};
use stripe_core::refund::CreateRefund;
use stripe_misc::webhook_endpoint::{
    CreateWebhookEndpoint, CreateWebhookEndpointEnabledEvents, DeleteWebhookEndpoint,
    ListWebhookEndpoint, RetrieveWebhookEndpoint, UpdateWebhookEndpoint,
};
use stripe_product::coupon::{CreateCoupon, RetrieveCoupon};
use stripe_shared::{CheckoutSessionMode, CouponDuration};
use tessera_stripe_standin::API_VERSION;

use crate::common::start;

/// `value` read by async-stripe's model `T`, as its client reads an answer.
fn typed<T: miniserde::Deserialize>(what: &str, value: &Value) -> T {
    miniserde::json::from_str(&value.to_string())
        .unwrap_or_else(|_| panic!("async-stripe cannot read this {what}: {value:#}"))
}

/// Reads an event's object with the model of its kind.
fn read_object(object: &Value) {
    let kind = object["object"].as_str().unwrap_or_default();
    match kind {
        "checkout.session" => drop(typed::<stripe_shared::CheckoutSession>(kind, object)),
        "subscription" => drop(typed::<stripe_shared::Subscription>(kind, object)),
        "invoice" => drop(typed::<stripe_shared::Invoice>(kind, object)),
        "charge" => drop(typed::<stripe_shared::Charge>(kind, object)),
        "refund" => drop(typed::<stripe_shared::Refund>(kind, object)),
        "dispute" => drop(typed::<stripe_shared::Dispute>(kind, object)),
        "customer" => drop(typed::<stripe_shared::Customer>(kind, object)),
        other => panic!("an event about an unexpected {other}"),
    }
}

fn checkout(price: &str, coupon: Option<&str>) -> CreateCheckoutSession {
    let mut item = CreateCheckoutSessionLineItems::new();
    item.price = Some(price.to_string());
    item.quantity = Some(2);
    let meta = HashMap::from([("license".to_string(), "lic-1".to_string())]);
    let mut data = CreateCheckoutSessionSubscriptionData::new();
    data.metadata = Some(meta.clone());
    let mut request = CreateCheckoutSession::new()
        .mode(CheckoutSessionMode::Subscription)
        .line_items(vec![item])
        .customer_email("ada@example.com")
        .client_reference_id("order-1")
        .metadata(meta)
        .subscription_data(data)
        .success_url("https://app.example/ok?s={CHECKOUT_SESSION_ID}")
        .cancel_url("https://app.example/cancel");
    if let Some(coupon) = coupon {
        let mut discount = CreateCheckoutSessionDiscounts::new();
        discount.coupon = Some(coupon.to_string());
        request = request.discounts(vec![discount]);
    }
    request
}

#[tokio::test]
async fn every_answer_and_event_reads_as_async_stripe_models() {
    assert_eq!(API_VERSION, stripe_shared::version::VERSION.as_str());
    let setup = start().await;
    let client = setup.client();
    let price = setup.price("Acme Chat", "4900", Some("month")).await;

    let coupon = CreateCoupon::new()
        .id("HALF")
        .percent_off(50.0)
        .duration(CouponDuration::Forever)
        .send(&client)
        .await
        .unwrap();
    assert_eq!(coupon.percent_off, Some(50.0));
    assert_eq!(
        RetrieveCoupon::new("HALF").send(&client).await.unwrap().id,
        coupon.id
    );

    let customer = CreateCustomer::new()
        .email("grace@example.com")
        .name("Grace")
        .send(&client)
        .await
        .unwrap();
    assert_eq!(customer.email.as_deref(), Some("grace@example.com"));
    let fetched = RetrieveCustomer::new(customer.id.clone())
        .send(&client)
        .await
        .unwrap();
    assert!(matches!(fetched, RetrieveCustomerReturned::Customer(c) if c.id == customer.id));

    let session = checkout(&price, Some("HALF")).send(&client).await.unwrap();
    assert_eq!(session.amount_total, Some(4900));
    assert_eq!(session.payment_status.as_str(), "unpaid");
    assert!(session.url.as_deref().unwrap().starts_with(&setup.base));
    setup.standin.pay(session.id.as_str()).unwrap();
    let paid = RetrieveCheckoutSession::new(session.id.clone())
        .send(&client)
        .await
        .unwrap();
    assert_eq!(
        paid.status.map(|s| s.as_str().to_string()).as_deref(),
        Some("complete")
    );
    let sub_id = paid.subscription.unwrap().id().to_string();
    let invoice_id = paid.invoice.unwrap().id().clone().unwrap().to_string();

    let subscription = RetrieveSubscription::new(sub_id.as_str())
        .send(&client)
        .await
        .unwrap();
    assert_eq!(subscription.status.as_str(), "active");
    assert_eq!(subscription.metadata["license"], "lic-1");
    let item = &subscription.items.data[0];
    assert_eq!(item.quantity, Some(2));
    assert_eq!(
        item.current_period_end - item.current_period_start,
        30 * 24 * 3600
    );

    let invoice = RetrieveInvoice::new(invoice_id.as_str())
        .send(&client)
        .await
        .unwrap();
    assert_eq!((invoice.amount_paid, invoice.total), (4900, 4900));
    let listed = ListInvoice::new()
        .customer(subscription.customer.id().to_string())
        .subscription(sub_id.clone())
        .send(&client)
        .await
        .unwrap();
    assert_eq!(listed.data.len(), 1);

    let raw = setup.standin.object(&invoice_id).unwrap();
    let charge_id = raw["charge"].as_str().unwrap();
    let refund = CreateRefund::new()
        .charge(charge_id)
        .amount(900)
        .send(&client)
        .await
        .unwrap();
    assert_eq!(refund.amount, 900);
    let charge = RetrieveCharge::new(charge_id).send(&client).await.unwrap();
    assert_eq!((charge.amount_refunded, charge.refunded), (900, false));
    setup.standin.dispute(charge_id).unwrap();

    let item_change = UpdateSubscriptionItems {
        id: Some(item.id.to_string()),
        quantity: Some(3),
        ..UpdateSubscriptionItems::new()
    };
    let updated = UpdateSubscription::new(sub_id.as_str())
        .cancel_at_period_end(true)
        .items(vec![item_change])
        .send(&client)
        .await
        .unwrap();
    assert!(updated.cancel_at_period_end);
    setup.standin.renew(&sub_id).unwrap();
    setup.standin.fail_payment(&sub_id).unwrap();
    let renewed = RetrieveSubscription::new(sub_id.as_str())
        .send(&client)
        .await
        .unwrap();
    assert_eq!(renewed.status.as_str(), "past_due");
    let cancelled = CancelSubscription::new(sub_id.as_str())
        .send(&client)
        .await
        .unwrap();
    assert_eq!(cancelled.status.as_str(), "canceled");

    // A one-off payment: the session names its payment intent, the charge is announced.
    let once = setup.price("Acme Chat lifetime", "99000", None).await;
    let mut item = CreateCheckoutSessionLineItems::new();
    item.price = Some(once);
    let single = CreateCheckoutSession::new()
        .mode(CheckoutSessionMode::Payment)
        .line_items(vec![item])
        .customer(customer.id.to_string())
        .send(&client)
        .await
        .unwrap();
    setup.standin.pay(single.id.as_str()).unwrap();
    let single = RetrieveCheckoutSession::new(single.id.clone())
        .send(&client)
        .await
        .unwrap();
    assert_eq!(
        single.customer.map(|c| c.id().to_string()),
        Some(customer.id.to_string())
    );
    assert!(single.payment_intent.is_some());

    let endpoint = CreateWebhookEndpoint::new(
        vec![CreateWebhookEndpointEnabledEvents::ChargeRefunded],
        "https://app.example/hook",
    )
    .send(&client)
    .await
    .unwrap();
    assert!(endpoint.secret.as_deref().unwrap().starts_with("whsec_"));
    let read = RetrieveWebhookEndpoint::new(endpoint.id.clone())
        .send(&client)
        .await
        .unwrap();
    assert_eq!(read.secret, None);
    let all = ListWebhookEndpoint::new().send(&client).await.unwrap();
    assert_eq!(all.data.len(), 1);
    let off = UpdateWebhookEndpoint::new(endpoint.id.clone())
        .disabled(true)
        .send(&client)
        .await
        .unwrap();
    assert_eq!(off.status, "disabled");
    let gone = DeleteWebhookEndpoint::new(endpoint.id.clone())
        .send(&client)
        .await
        .unwrap();
    assert_eq!(gone.id, endpoint.id);

    let events = setup.standin.events();
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "checkout.session.completed",
            "customer.subscription.created",
            "invoice.payment_succeeded",
            "charge.refunded",
            "charge.dispute.created",
            "customer.subscription.updated",
            "invoice.payment_succeeded",
            "customer.subscription.updated",
            "invoice.payment_failed",
            "customer.subscription.updated",
            "customer.subscription.deleted",
            "checkout.session.completed",
            "charge.succeeded",
        ]
    );
    for event in &events {
        let read: stripe_shared::Event = typed("event", event);
        assert_eq!(read.api_version.as_deref(), Some(API_VERSION));
        read_object(&event["data"]["object"]);
    }
}
