//! Checkout sessions and the hosted page: paying redirects to the success URL and sends the
//! events in Stripe's order, signed; declining changes and sends nothing.

use std::time::Duration;

use serde_json::Value;
use tessera_stripe_standin::API_VERSION;

use crate::common::{start, SECRET};

#[tokio::test]
async fn the_hosted_page_pays_and_redirects_to_the_success_url() {
    let setup = start().await;
    let price = setup.price("Acme Chat", "4900", Some("month")).await;
    let session = setup
        .session("subscription", &price, "1", "ada@example.com")
        .await;
    let id = session["id"].as_str().unwrap();
    assert_eq!(
        (&session["status"], &session["payment_status"]),
        (&"open".into(), &"unpaid".into())
    );
    assert_eq!(session["amount_total"], 4900);
    assert_eq!(session["currency"], "eur");
    assert_eq!(session["url"], format!("{}pay/{id}", setup.base));

    let page = setup
        .http
        .get(session["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    for shown in [
        "Acme Chat",
        "49.00 EUR / month",
        "ada@example.com",
        "<button type=\"submit\">Pay</button>",
        "<button type=\"submit\">Decline</button>",
        &format!("action=\"/pay/{id}/pay\""),
    ] {
        assert!(page.contains(shown), "the page lacks {shown}: {page}");
    }

    let (status, location, _) = setup.press(&format!("/pay/{id}/pay")).await;
    assert_eq!(status, 303);
    assert_eq!(location, format!("https://app.example/thanks?session={id}"));

    let got = setup.hook.wait_for(3).await;
    let kinds: Vec<String> = got.iter().map(|d| d.kind()).collect();
    assert_eq!(
        kinds,
        [
            "checkout.session.completed",
            "customer.subscription.created",
            "invoice.payment_succeeded"
        ]
    );
    for delivery in &got {
        assert!(delivery.signed_with(SECRET), "bad signature: {delivery:?}");
        assert!(!delivery.signed_with("whsec_other"));
        assert_eq!(delivery.content_type, "application/json; charset=utf-8");
        let event = delivery.event();
        assert_eq!(event["object"], "event");
        assert_eq!(event["api_version"], API_VERSION);
        assert!(event["id"].as_str().unwrap().starts_with("evt_"));
    }
    let completed = &got[0].event()["data"]["object"];
    let subscription = &got[1].event()["data"]["object"];
    let invoice = &got[2].event()["data"]["object"];
    assert_eq!(completed["status"], "complete");
    assert_eq!(completed["payment_status"], "paid");
    assert_eq!(completed["subscription"], subscription["id"]);
    assert_eq!(completed["invoice"], invoice["id"]);
    assert_eq!(completed["client_reference_id"], "order-7");
    assert_eq!(completed["metadata"]["order"], "7");
    assert_eq!(subscription["status"], "active");
    assert_eq!(subscription["metadata"]["license"], "lic-7");
    assert_eq!(subscription["latest_invoice"], invoice["id"]);
    assert_eq!(subscription["customer"], completed["customer"]);
    assert_eq!(invoice["status"], "paid");
    assert_eq!(invoice["amount_paid"], 4900);
    assert_eq!(invoice["billing_reason"], "subscription_create");
    assert_eq!(invoice["subscription"], subscription["id"]);
    assert_eq!(
        invoice["parent"]["subscription_details"]["subscription"],
        subscription["id"]
    );
    assert_eq!(
        invoice["parent"]["subscription_details"]["metadata"]["license"],
        "lic-7"
    );
    let item = &subscription["items"]["data"][0];
    let line = &invoice["lines"]["data"][0];
    assert_eq!(item["price"]["id"], price.as_str());
    assert_eq!(line["period"]["end"], item["current_period_end"]);
    assert_eq!(
        item["current_period_end"].as_i64().unwrap()
            - item["current_period_start"].as_i64().unwrap(),
        30 * 24 * 3600
    );
    let customer = setup
        .get(&format!(
            "/v1/customers/{}",
            completed["customer"].as_str().unwrap()
        ))
        .await
        .1;
    assert_eq!(customer["email"], "ada@example.com");
    let charge = setup
        .get(&format!(
            "/v1/charges/{}",
            invoice["charge"].as_str().unwrap()
        ))
        .await
        .1;
    assert_eq!(charge["payment_intent"], invoice["payment_intent"]);
    assert_eq!(
        (&charge["amount"], &charge["refunded"]),
        (&4900.into(), &false.into())
    );

    // Paid once: the button now answers 409 and nothing more is sent.
    let (status, _, text) = setup.press(&format!("/pay/{id}/pay")).await;
    assert_eq!(status, 409, "{text}");
    assert_eq!(setup.standin.events().len(), 3);
}

#[tokio::test]
async fn a_payment_session_makes_a_charge_and_says_so() {
    let setup = start().await;
    let price = setup.price("Acme Chat lifetime", "99000", None).await;
    let session = setup
        .session("payment", &price, "2", "bob@example.com")
        .await;
    assert_eq!(session["amount_total"], 198_000);
    let id = session["id"].as_str().unwrap();
    let (status, location, _) = setup.press(&format!("/pay/{id}/pay")).await;
    assert_eq!((status, location.ends_with(id)), (303, true));
    let got = setup.hook.wait_for(2).await;
    assert_eq!(
        setup.hook.kinds(),
        ["checkout.session.completed", "charge.succeeded"]
    );
    let completed = &got[0].event()["data"]["object"];
    let charge = &got[1].event()["data"]["object"];
    assert_eq!(completed["payment_intent"], charge["payment_intent"]);
    assert!(completed["subscription"].is_null());
    assert_eq!(charge["amount"], 198_000);
    assert_eq!(charge["amount_refunded"], 0);
}

#[tokio::test]
async fn declining_delivers_nothing_and_leaves_the_session_open() {
    let setup = start().await;
    let price = setup.price("Acme Chat", "4900", Some("month")).await;
    let session = setup
        .session("subscription", &price, "1", "ada@example.com")
        .await;
    let id = session["id"].as_str().unwrap();
    let (status, _, page) = setup.press(&format!("/pay/{id}/decline")).await;
    assert_eq!(status, 402);
    assert!(page.contains("Your card was declined."), "{page}");
    assert!(page.contains("<button type=\"submit\">Pay</button>"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(setup.standin.events().is_empty());
    assert!(setup.hook.got().is_empty());
    let (_, again) = setup.get(&format!("/v1/checkout/sessions/{id}")).await;
    assert_eq!(again["status"], "open");
    assert_eq!(again["payment_status"], "unpaid");
}

#[tokio::test]
async fn creating_sessions_checks_what_stripe_checks() {
    let setup = start().await;
    let monthly = setup.price("Acme Chat", "4900", Some("month")).await;
    let once = setup.price("Acme Chat lifetime", "99000", None).await;
    let refused = |mode: &'static str, price: String| {
        let setup = &setup;
        async move {
            let form = [("mode", mode), ("line_items[0][price]", price.as_str())];
            setup.call("/v1/checkout/sessions", &form).await
        }
    };
    let (status, body) = refused("subscription", "price_missing".into()).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["param"], "line_items[0][price]");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("No such price"));
    assert_eq!(refused("payment", monthly.clone()).await.0, 400);
    assert_eq!(refused("subscription", once).await.0, 400);
    assert_eq!(refused("rental", monthly.clone()).await.0, 400);
    let (status, _) = setup
        .call("/v1/checkout/sessions", &[("mode", "payment")])
        .await;
    assert_eq!(status, 400);

    // An idempotency key makes one session of a repeated create.
    let create = || {
        setup
            .http
            .post(format!("{}v1/checkout/sessions", setup.base))
            .bearer_auth("sk_test_standin")
            .header("idempotency-key", "checkout-1")
            .form(&[
                ("mode", "subscription"),
                ("line_items[0][price]", monthly.as_str()),
            ])
            .send()
    };
    let first: Value = create().await.unwrap().json().await.unwrap();
    let second: Value = create().await.unwrap().json().await.unwrap();
    assert_eq!(first["id"], second["id"]);
}

#[tokio::test]
async fn a_coupon_lowers_the_total() {
    let setup = start().await;
    let price = setup.price("Acme Chat", "4900", Some("month")).await;
    let percent = setup
        .post(
            "/v1/coupons",
            &[
                ("id", "LAUNCH"),
                ("percent_off", "12.5"),
                ("duration", "forever"),
            ],
        )
        .await;
    assert_eq!(
        (&percent["id"], &percent["percent_off"]),
        (&"LAUNCH".into(), &12.5.into())
    );
    assert_eq!(setup.get("/v1/coupons/LAUNCH").await.1, percent);
    let fixed = setup
        .post(
            "/v1/coupons",
            &[
                ("amount_off", "9000"),
                ("currency", "eur"),
                ("duration", "once"),
            ],
        )
        .await;
    let with = |coupon: String| {
        let (setup, price) = (&setup, price.clone());
        async move {
            let form = [
                ("mode", "subscription"),
                ("line_items[0][price]", price.as_str()),
                ("discounts[0][coupon]", coupon.as_str()),
            ];
            setup.call("/v1/checkout/sessions", &form).await
        }
    };
    let (_, session) = with("LAUNCH".into()).await;
    // 12.5 % of 49.00 is 6.125: rounded half up to 6.13.
    assert_eq!(session["amount_subtotal"], 4900);
    assert_eq!(session["total_details"]["amount_discount"], 613);
    assert_eq!(session["amount_total"], 4287);
    assert_eq!(session["discounts"][0]["coupon"], "LAUNCH");
    let (_, session) = with(fixed["id"].as_str().unwrap().into()).await;
    assert_eq!(
        session["amount_total"], 0,
        "an amount off is capped at the total"
    );
    assert_eq!(with("NOPE".into()).await.0, 400);

    // The discount carries over to the first invoice.
    let (_, session) = with("LAUNCH".into()).await;
    let id = session["id"].as_str().unwrap();
    assert_eq!(setup.press(&format!("/pay/{id}/pay")).await.0, 200);
    let invoice = &setup.hook.wait_for(3).await[2].event()["data"]["object"];
    assert_eq!(
        (&invoice["subtotal"], &invoice["total"]),
        (&4900.into(), &4287.into())
    );
    assert_eq!(invoice["total_discount_amounts"][0]["amount"], 613);
}
