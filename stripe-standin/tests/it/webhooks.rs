//! Delivering events: held and released in any order, sent again, retried, delayed; and
//! webhook endpoints, whose secret only the create answer shows.

use std::time::Duration;

use serde_json::json;
use tessera_stripe_standin::Release;

use crate::common::{start, Receiver, SECRET};

fn customer(n: u32) -> serde_json::Value {
    json!({ "id": format!("cus_{n}"), "object": "customer", "created": 1, "livemode": false })
}

#[tokio::test]
async fn held_events_are_released_in_reverse() {
    let setup = start().await;
    let (status, _, _) = setup.press("/_standin/hold").await;
    assert_eq!(status, 204);
    for n in 1..=3 {
        setup.standin.send("customer.updated", &customer(n));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(setup.hook.got().is_empty(), "held events are not sent");
    let (status, _, text) = setup.press("/_standin/release?order=reverse").await;
    assert_eq!((status, text.as_str()), (200, r#"{"released":3}"#));
    let got = setup.hook.wait_for(3).await;
    let ids: Vec<String> = got
        .iter()
        .map(|d| {
            d.event()["data"]["object"]["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids, ["cus_3", "cus_2", "cus_1"]);

    // Released: events go out again as they are made.
    setup.standin.send("customer.updated", &customer(4));
    assert_eq!(setup.hook.wait_for(4).await.len(), 4);
    assert_eq!(setup.press("/_standin/release?order=sideways").await.0, 400);

    setup.standin.hold();
    for n in 5..=6 {
        setup.standin.send("customer.updated", &customer(n));
    }
    assert_eq!(setup.standin.release(Release::AsMade), 2);
    let got = setup.hook.wait_for(6).await;
    assert_eq!(got[4].event()["data"]["object"]["id"], "cus_5");
}

#[tokio::test]
async fn redelivery_sends_the_same_event_again_freshly_signed() {
    let setup = start().await;
    let event = setup.standin.send("customer.created", &customer(1));
    let id = event["id"].as_str().unwrap();
    setup.hook.wait_for(1).await;
    let (status, _, text) = setup
        .press(&format!("/_standin/events/{id}/redeliver"))
        .await;
    assert_eq!(status, 200, "{text}");
    let got = setup.hook.wait_for(2).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].body, got[1].body, "the same event, byte for byte");
    assert!(got.iter().all(|d| d.signed_with(SECRET)));

    let (status, _, _) = setup
        .press(&format!("/_standin/events/{id}/duplicate"))
        .await;
    assert_eq!(status, 200);
    let got = setup.hook.wait_for(4).await;
    assert!(got.iter().all(|d| d.event()["id"] == id));
    assert_eq!(
        setup.press("/_standin/events/evt_nope/redeliver").await.0,
        404
    );

    let log: serde_json::Value = setup
        .http
        .get(format!("{}_standin/events", setup.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log[0]["id"], id);
    assert_eq!(log[0]["type"], "customer.created");
    assert_eq!(log[0]["deliveries"].as_array().unwrap().len(), 4);
    assert_eq!(
        log[0]["deliveries"][0],
        json!({ "url": setup.hook.url, "status": 200 })
    );
}

#[tokio::test]
async fn a_failing_target_is_tried_four_times_then_given_up() {
    let setup = start().await;
    setup.hook.answer(500);
    setup.standin.send("customer.created", &customer(1));
    // 200 + 400 + 800 ms of waits between four attempts.
    let got = setup.hook.wait_for(4).await;
    assert_eq!(got.len(), 4);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(setup.hook.got().len(), 4, "given up after the third retry");
    let log = setup.standin.event_log();
    let statuses: Vec<_> = log[0]["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["status"].clone())
        .collect();
    assert_eq!(statuses, [500, 500, 500, 500]);

    // A target that comes back takes the next event at once.
    setup.hook.answer(200);
    setup.standin.send("customer.created", &customer(2));
    assert_eq!(setup.hook.wait_for(5).await.len(), 5);
}

#[tokio::test]
async fn a_delay_holds_each_delivery_back() {
    let setup = start().await;
    let (status, _, _) = setup.press("/_standin/delay?ms=800").await;
    assert_eq!(status, 204);
    setup.standin.send("customer.created", &customer(1));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(setup.hook.got().is_empty());
    assert_eq!(setup.hook.wait_for(1).await.len(), 1);
}

#[tokio::test]
async fn an_endpoint_gets_the_events_it_listens_to_signed_with_its_own_secret() {
    let setup = start().await;
    let other = Receiver::start().await;
    let created = setup
        .post(
            "/v1/webhook_endpoints",
            &[
                ("url", other.url.as_str()),
                ("enabled_events[]", "charge.refunded"),
                ("enabled_events[]", "invoice.paid"),
                ("description", "Tessera"),
                ("metadata[app]", "tessera"),
            ],
        )
        .await;
    let id = created["id"].as_str().unwrap();
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"), "{created}");
    assert_eq!(
        created["enabled_events"],
        json!(["charge.refunded", "invoice.paid"])
    );
    assert_eq!(created["status"], "enabled");

    let (_, fetched) = setup.get(&format!("/v1/webhook_endpoints/{id}")).await;
    assert!(fetched.get("secret").is_none(), "{fetched}");
    let (_, listed) = setup.get("/v1/webhook_endpoints").await;
    assert_eq!(listed["data"][0]["id"], id);
    assert!(listed["data"][0].get("secret").is_none());

    setup.standin.send("customer.created", &customer(1));
    setup.standin.send(
        "charge.refunded",
        &json!({ "id": "ch_1", "object": "charge" }),
    );
    assert_eq!(
        setup.hook.wait_for(2).await.len(),
        2,
        "the builder's URL gets all"
    );
    let got = other.wait_for(1).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].kind(), "charge.refunded");
    assert!(got[0].signed_with(&secret));
    assert!(!got[0].signed_with(SECRET));

    // Disabled: nothing more; a `*` endpoint gets everything.
    let updated = setup
        .post(
            &format!("/v1/webhook_endpoints/{id}"),
            &[("disabled", "true")],
        )
        .await;
    assert_eq!(updated["status"], "disabled");
    setup
        .post(
            &format!("/v1/webhook_endpoints/{id}"),
            &[("disabled", "false"), ("enabled_events[0]", "*")],
        )
        .await;
    setup.standin.send("customer.created", &customer(2));
    let got = other.wait_for(2).await;
    assert_eq!(got[1].kind(), "customer.created");

    let (_, deleted) = setup
        .http
        .delete(format!("{}v1/webhook_endpoints/{id}", setup.base))
        .bearer_auth("sk_test_standin")
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .unwrap();
    let deleted: serde_json::Value = deleted.json().await.unwrap();
    assert_eq!(deleted["deleted"], true);
    assert_eq!(
        setup.get(&format!("/v1/webhook_endpoints/{id}")).await.0,
        404
    );
    let (status, _) = setup
        .call("/v1/webhook_endpoints", &[("url", "https://x.example")])
        .await;
    assert_eq!(status, 400, "enabled_events is required");
}
