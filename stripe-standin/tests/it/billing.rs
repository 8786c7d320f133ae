//! Subscriptions after checkout: renewals paid and failed, updates, cancellation; refunds,
//! disputes, invoice lists, and objects seeded as given.

use serde_json::json;

use crate::common::start;

const MONTH: i64 = 30 * 24 * 3600;

#[tokio::test]
async fn renewing_moves_the_period_a_month_on_and_bills_it() {
    let setup = start().await;
    let session = setup.subscribed().await;
    let id = session["subscription"].as_str().unwrap();
    let (_, before) = setup.get(&format!("/v1/subscriptions/{id}")).await;
    let old_end = before["items"]["data"][0]["current_period_end"]
        .as_i64()
        .unwrap();

    let (status, _, text) = setup
        .press(&format!("/_standin/subscriptions/{id}/renew"))
        .await;
    assert_eq!(status, 200, "{text}");
    let renewed: serde_json::Value = serde_json::from_str(&text).unwrap();
    let item = &renewed["items"]["data"][0];
    assert_eq!(item["current_period_start"], old_end);
    assert_eq!(item["current_period_end"], old_end + MONTH);
    assert_eq!(renewed["current_period_end"], old_end + MONTH);
    assert_eq!(
        setup.get(&format!("/v1/subscriptions/{id}")).await.1,
        renewed
    );

    let got = setup.hook.wait_for(5).await;
    let kinds: Vec<String> = got[3..].iter().map(|d| d.kind()).collect();
    assert_eq!(
        kinds,
        ["invoice.payment_succeeded", "customer.subscription.updated"]
    );
    let invoice = &got[3].event()["data"]["object"];
    assert_eq!(invoice["billing_reason"], "subscription_cycle");
    assert_eq!(
        (&invoice["status"], &invoice["amount_paid"]),
        (&"paid".into(), &4900.into())
    );
    assert_eq!(
        invoice["lines"]["data"][0]["period"]["end"],
        old_end + MONTH
    );
    assert_eq!(renewed["latest_invoice"], invoice["id"]);
    let first = setup
        .standin
        .object(before["latest_invoice"].as_str().unwrap())
        .unwrap();
    assert_ne!(invoice["charge"], first["charge"], "a new charge");
    let (_, charge) = setup
        .get(&format!(
            "/v1/charges/{}",
            invoice["charge"].as_str().unwrap()
        ))
        .await;
    assert_eq!(charge["payment_intent"], invoice["payment_intent"]);
    let updated = got[4].event();
    assert_eq!(
        updated["data"]["previous_attributes"]["current_period_end"],
        old_end
    );

    let (_, list) = setup
        .get(&format!(
            "/v1/invoices?customer={}&subscription={id}",
            session["customer"].as_str().unwrap()
        ))
        .await;
    let reasons: Vec<_> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["billing_reason"].clone())
        .collect();
    assert_eq!(reasons, ["subscription_cycle", "subscription_create"]);
    // Each invoice links its hosted page and PDF, which the stand-in serves.
    let pdf = list["data"][0]["invoice_pdf"].as_str().unwrap();
    assert!(
        pdf.starts_with(&setup.base) && pdf.ends_with("/pdf"),
        "{pdf}"
    );
    let document = reqwest::get(pdf).await.unwrap();
    assert_eq!(document.headers()["content-type"], "application/pdf");
    assert!(document.bytes().await.unwrap().starts_with(b"%PDF-1.4"));
    // As at Stripe, an unknown customer is an error, not an empty list.
    let (status, none) = setup.get("/v1/invoices?customer=cus_nobody").await;
    assert_eq!(status, 404);
    assert_eq!(none["error"]["type"], "invalid_request_error");
}

#[tokio::test]
async fn a_failed_payment_leaves_an_open_invoice_and_a_past_due_subscription() {
    let setup = start().await;
    let session = setup.subscribed().await;
    let id = session["subscription"].as_str().unwrap();
    let failed = setup.standin.fail_payment(id).unwrap();
    assert_eq!(failed["status"], "past_due");
    let got = setup.hook.wait_for(5).await;
    let kinds: Vec<String> = got[3..].iter().map(|d| d.kind()).collect();
    assert_eq!(
        kinds,
        ["invoice.payment_failed", "customer.subscription.updated"]
    );
    let invoice = &got[3].event()["data"]["object"];
    assert_eq!(invoice["status"], "open");
    assert_eq!(invoice["attempted"], true);
    assert_eq!(
        (&invoice["amount_paid"], &invoice["amount_due"]),
        (&0.into(), &4900.into())
    );
    assert_eq!(
        got[4].event()["data"]["previous_attributes"]["status"],
        "active"
    );
    assert!(setup.standin.fail_payment("sub_nope").is_err());
}

#[tokio::test]
async fn updating_and_cancelling_a_subscription_say_what_changed() {
    let setup = start().await;
    let session = setup.subscribed().await;
    let id = session["subscription"].as_str().unwrap();
    let (_, held) = setup.get(&format!("/v1/subscriptions/{id}")).await;
    let item = held["items"]["data"][0]["id"].as_str().unwrap();
    let updated = setup
        .post(
            &format!("/v1/subscriptions/{id}"),
            &[
                ("cancel_at_period_end", "true"),
                ("items[0][id]", item),
                ("items[0][quantity]", "3"),
                ("metadata[seats]", "3"),
            ],
        )
        .await;
    assert_eq!(updated["cancel_at_period_end"], true);
    assert_eq!(
        updated["cancel_at"],
        held["items"]["data"][0]["current_period_end"]
    );
    assert_eq!(updated["items"]["data"][0]["quantity"], 3);
    assert_eq!(
        updated["metadata"],
        json!({ "license": "lic-7", "seats": "3" })
    );
    let got = setup.hook.wait_for(4).await;
    let event = got[3].event();
    assert_eq!(event["type"], "customer.subscription.updated");
    assert_eq!(
        event["data"]["previous_attributes"]["cancel_at_period_end"],
        false
    );
    assert_eq!(
        event["data"]["previous_attributes"]["metadata"],
        json!({ "license": "lic-7" })
    );

    let cancelled = setup
        .http
        .delete(format!("{}v1/subscriptions/{id}", setup.base))
        .bearer_auth("sk_test_standin")
        .send()
        .await
        .unwrap();
    let cancelled: serde_json::Value = cancelled.json().await.unwrap();
    assert_eq!(cancelled["status"], "canceled");
    assert!(cancelled["canceled_at"].is_i64() && cancelled["ended_at"].is_i64());
    let got = setup.hook.wait_for(5).await;
    assert_eq!(got[4].kind(), "customer.subscription.deleted");
    assert!(
        setup.standin.renew(id).is_err(),
        "a canceled subscription does not renew"
    );
}

#[tokio::test]
async fn a_refund_marks_the_charge_refunded_and_says_so() {
    let setup = start().await;
    let session = setup.subscribed().await;
    let invoice = setup
        .standin
        .object(session["invoice"].as_str().unwrap())
        .unwrap();
    let charge = invoice["charge"].as_str().unwrap();

    let part = setup
        .post(
            "/v1/refunds",
            &[
                ("charge", charge),
                ("amount", "900"),
                ("reason", "requested_by_customer"),
            ],
        )
        .await;
    assert_eq!(
        (&part["status"], &part["amount"]),
        (&"succeeded".into(), &900.into())
    );
    assert!(part["id"].as_str().unwrap().starts_with("re_"));
    let (_, held) = setup.get(&format!("/v1/charges/{charge}")).await;
    assert_eq!(
        (&held["amount_refunded"], &held["refunded"]),
        (&900.into(), &false.into())
    );

    let (status, _) = setup
        .call("/v1/refunds", &[("charge", charge), ("amount", "9000")])
        .await;
    assert_eq!(status, 400, "more than is left");
    let intent = held["payment_intent"].as_str().unwrap();
    let rest = setup
        .post("/v1/refunds", &[("payment_intent", intent)])
        .await;
    assert_eq!(rest["amount"], 4000);
    let (_, held) = setup.get(&format!("/v1/charges/{charge}")).await;
    assert_eq!(
        (&held["amount_refunded"], &held["refunded"]),
        (&4900.into(), &true.into())
    );
    assert_eq!(held["refunds"]["data"][0]["id"], rest["id"]);
    assert_eq!(
        setup.call("/v1/refunds", &[("charge", charge)]).await.0,
        400
    );

    let got = setup.hook.wait_for(5).await;
    let kinds: Vec<String> = got[3..].iter().map(|d| d.kind()).collect();
    assert_eq!(kinds, ["charge.refunded", "charge.refunded"]);
    let last = &got[4].event()["data"]["object"];
    assert_eq!(
        (&last["refunded"], &last["amount_refunded"]),
        (&true.into(), &4900.into())
    );
}

#[tokio::test]
async fn a_dispute_is_made_and_announced() {
    let setup = start().await;
    let session = setup.subscribed().await;
    let invoice = setup
        .standin
        .object(session["invoice"].as_str().unwrap())
        .unwrap();
    let charge = invoice["charge"].as_str().unwrap();
    let (status, _, text) = setup
        .press(&format!("/_standin/charges/{charge}/dispute"))
        .await;
    assert_eq!(status, 200, "{text}");
    let dispute: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(dispute["id"].as_str().unwrap().starts_with("dp_"));
    assert_eq!(dispute["charge"], charge);
    assert_eq!(dispute["payment_intent"], invoice["payment_intent"]);
    assert_eq!(dispute["amount"], 4900);
    assert_eq!(
        (&dispute["status"], &dispute["reason"]),
        (&"needs_response".into(), &"fraudulent".into())
    );
    let got = setup.hook.wait_for(4).await;
    assert_eq!(got[3].kind(), "charge.dispute.created");
    assert_eq!(
        setup.press("/_standin/charges/ch_nope/dispute").await.0,
        404
    );
}

#[tokio::test]
async fn seeded_objects_are_answered_verbatim_and_events_can_name_them() {
    let setup = start().await;
    let old = json!({
        "id": "sub_seeded",
        "object": "subscription",
        "status": "active",
        "customer": "cus_seeded",
        "current_period_start": 1_600_000_000,
        "current_period_end": 1_602_592_000,
        "items": { "object": "list", "data": [{
            "id": "si_seeded", "object": "subscription_item", "quantity": 1,
            "plan": { "id": "plan_x", "interval": "month", "amount": 1000, "currency": "usd" },
        }]},
        "metadata": {},
    });
    let answer = setup
        .http
        .post(format!("{}_standin/objects", setup.base))
        .json(&old)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(setup.get("/v1/subscriptions/sub_seeded").await.1, old);

    let sent: serde_json::Value = setup
        .http
        .post(format!("{}_standin/send", setup.base))
        .json(&json!({ "type": "customer.subscription.updated", "object": old }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let got = setup.hook.wait_for(1).await;
    assert_eq!(got[0].event()["id"], sent["id"]);
    assert_eq!(got[0].event()["data"]["object"], old);

    // Even an old-shaped subscription renews: by its plan's interval, from its own period.
    let renewed = setup.standin.renew("sub_seeded").unwrap();
    assert_eq!(renewed["current_period_end"], 1_602_592_000 + MONTH);
    let bad = setup
        .http
        .post(format!("{}_standin/objects", setup.base))
        .json(&json!({ "id": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}
