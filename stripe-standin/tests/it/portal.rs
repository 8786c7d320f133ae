//! The customer portal: a session made through async-stripe's typed model, and its page,
//! whose buttons change or cancel the customer's subscription and announce it, signed.

use std::time::Duration;

use serde_json::Value;
use stripe_billing::billing_portal_session::CreateBillingPortalSession;

use crate::common::{start, Setup, SECRET};

const RETURN_URL: &str = "https://app.example/account?tab=billing&from=portal";

/// A subscription to two of the monthly price `chat-pro-monthly`, paid through the hosted
/// page, its three events received: (customer, subscription).
async fn subscribed(setup: &Setup) -> (String, Value) {
    let product = setup.post("/v1/products", &[("name", "Acme Chat")]).await;
    let form = [
        ("product", product["id"].as_str().unwrap()),
        ("currency", "eur"),
        ("unit_amount", "4900"),
        ("recurring[interval]", "month"),
        ("lookup_key", "chat-pro-monthly"),
    ];
    let price = setup.post("/v1/prices", &form).await;
    let price = price["id"].as_str().unwrap();
    let session = setup
        .session("subscription", price, "2", "ada@example.com")
        .await;
    let id = session["id"].as_str().unwrap();
    assert_eq!(setup.press(&format!("/pay/{id}/pay")).await.0, 303);
    assert_eq!(setup.hook.wait_for(3).await.len(), 3);
    let (_, paid) = setup.get(&format!("/v1/checkout/sessions/{id}")).await;
    let sub = paid["subscription"].as_str().unwrap();
    let customer = paid["customer"].as_str().unwrap().to_string();
    (
        customer,
        setup.get(&format!("/v1/subscriptions/{sub}")).await.1,
    )
}

/// The browser's `GET url`: status and text.
async fn open(setup: &Setup, url: &str) -> (u16, String) {
    let answer = setup.http.get(url).send().await.unwrap();
    (answer.status().as_u16(), answer.text().await.unwrap())
}

/// The browser submitting a quantity form: status, `Location` and text.
async fn submit(setup: &Setup, path: &str, quantity: &str) -> (u16, String, String) {
    let answer = setup
        .http
        .post(format!("{}{}", setup.base, path.trim_start_matches('/')))
        .form(&[("quantity", quantity)])
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    let location = answer
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location, answer.text().await.unwrap())
}

#[tokio::test]
async fn a_portal_session_reads_as_async_stripes_model() {
    let setup = start().await;
    let (customer, _) = subscribed(&setup).await;
    let session = CreateBillingPortalSession::new()
        .customer(customer.as_str())
        .return_url(RETURN_URL)
        .send(&setup.client())
        .await
        .unwrap();
    let id = session.id.as_str();
    assert!(id.starts_with("bps_"), "{id}");
    assert_eq!(session.url, format!("{}portal/{id}", setup.base));
    assert_eq!(session.customer, customer);
    assert_eq!(session.return_url.as_deref(), Some(RETURN_URL));
    assert!(!session.livemode);
    assert!(session.flow.is_none());
    let configuration = session.configuration.id().as_str().to_string();
    assert!(configuration.starts_with("bpc_"), "{configuration}");

    let raw = setup.standin.object(id).unwrap();
    let mut fields: Vec<&str> = raw
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "configuration",
            "created",
            "customer",
            "customer_account",
            "flow",
            "id",
            "livemode",
            "locale",
            "object",
            "on_behalf_of",
            "return_url",
            "url",
        ]
    );
    assert_eq!(raw["object"], "billing_portal.session");
    assert!(raw["created"].is_i64());

    // The default configuration is one; an idempotency key makes one session of a repeat.
    let create = || {
        setup
            .http
            .post(format!("{}v1/billing_portal/sessions", setup.base))
            .bearer_auth("sk_test_standin")
            .header("idempotency-key", "portal-1")
            .form(&[("customer", customer.as_str()), ("locale", "auto")])
            .send()
    };
    let first: Value = create().await.unwrap().json().await.unwrap();
    let second: Value = create().await.unwrap().json().await.unwrap();
    assert_eq!(first["id"], second["id"]);
    assert_ne!(first["id"], id);
    assert_eq!(first["configuration"], configuration.as_str());
    assert_eq!(first["locale"], "auto");
    assert!(first["return_url"].is_null());
}

#[tokio::test]
async fn the_portal_changes_then_cancels_the_subscription_and_says_so() {
    let setup = start().await;
    let (customer, subscription) = subscribed(&setup).await;
    let sub = subscription["id"].as_str().unwrap();
    let item = subscription["items"]["data"][0]["id"].as_str().unwrap();
    let session = setup
        .post(
            "/v1/billing_portal/sessions",
            &[("customer", &customer), ("return_url", RETURN_URL)],
        )
        .await;
    let (id, url) = (
        session["id"].as_str().unwrap(),
        session["url"].as_str().unwrap(),
    );
    let (status, page) = open(&setup, url).await;
    assert_eq!(status, 200);
    for shown in [
        "<link rel=\"icon\" href=\"data:,\">",
        "ada@example.com",
        "chat-pro-monthly",
        "<span class=\"status\">active</span>",
        "<label for=\"quantity-",
        ">Quantity of chat-pro-monthly</label>",
        "name=\"quantity\"",
        "value=\"2\"",
        "<button type=\"submit\">Update quantity</button>",
        "<button type=\"submit\">Cancel at period end</button>",
        "<button type=\"submit\">Cancel now</button>",
        "<span class=\"cancels\">no</span>",
        "<a href=\"https://app.example/account?tab=billing&amp;from=portal\">Return to app.example</a>",
        &format!("action=\"/portal/{id}/subscriptions/{sub}/items/{item}\""),
        &format!("action=\"/portal/{id}/subscriptions/{sub}/cancel\""),
        &format!("action=\"/portal/{id}/subscriptions/{sub}/cancel-now\""),
    ] {
        assert!(page.contains(shown), "the page lacks {shown}: {page}");
    }

    let to_items = format!("/portal/{id}/subscriptions/{sub}/items/{item}");
    let (status, location, _) = submit(&setup, &to_items, "5").await;
    assert_eq!((status, location.as_str()), (303, url));
    let (_, held) = setup.get(&format!("/v1/subscriptions/{sub}")).await;
    assert_eq!(held["items"]["data"][0]["quantity"], 5);
    let got = setup.hook.wait_for(4).await;
    assert_eq!(got[3].kind(), "customer.subscription.updated");
    assert!(got[3].signed_with(SECRET));
    let event = got[3].event();
    assert_eq!(event["data"]["object"]["items"]["data"][0]["quantity"], 5);
    let before = &event["data"]["previous_attributes"]["items"]["data"][0];
    assert_eq!(before["quantity"], 2);
    assert!(open(&setup, url).await.1.contains("value=\"5\""));

    let base = format!("/portal/{id}/subscriptions/{sub}");
    let (status, location, _) = setup.press(&format!("{base}/cancel")).await;
    assert_eq!((status, location.as_str()), (303, url));
    let (_, held) = setup.get(&format!("/v1/subscriptions/{sub}")).await;
    assert_eq!(held["cancel_at_period_end"], true);
    assert_eq!(
        held["cancel_at"],
        held["items"]["data"][0]["current_period_end"]
    );
    assert_eq!(held["status"], "active");
    let got = setup.hook.wait_for(5).await;
    assert_eq!(got[4].kind(), "customer.subscription.updated");
    assert!(got[4].signed_with(SECRET));
    let previous = &got[4].event()["data"]["previous_attributes"];
    assert_eq!(previous["cancel_at_period_end"], false);
    let page = open(&setup, url).await.1;
    assert!(
        page.contains("<span class=\"cancels\">yes</span>"),
        "{page}"
    );
    assert!(!page.contains("Cancel at period end</button>"), "{page}");

    let (status, location, _) = setup.press(&format!("{base}/cancel-now")).await;
    assert_eq!((status, location.as_str()), (303, url));
    let (_, held) = setup.get(&format!("/v1/subscriptions/{sub}")).await;
    assert_eq!(held["status"], "canceled");
    assert!(held["canceled_at"].is_i64() && held["ended_at"].is_i64());
    let got = setup.hook.wait_for(6).await;
    assert_eq!(got[5].kind(), "customer.subscription.deleted");
    assert!(got[5].signed_with(SECRET));
    assert_eq!(got[5].event()["data"]["object"]["status"], "canceled");
    let page = open(&setup, url).await.1;
    assert!(page.contains("You have no subscriptions."), "{page}");
    assert!(!page.contains(sub), "a canceled subscription is not listed");
    assert_eq!(setup.press(&format!("{base}/cancel-now")).await.0, 409);
    assert_eq!(setup.standin.events().len(), 6);
}

#[tokio::test]
async fn the_portal_refuses_what_stripe_refuses_and_changes_nothing() {
    let setup = start().await;
    let (customer, subscription) = subscribed(&setup).await;
    let sub = subscription["id"].as_str().unwrap();
    let item = subscription["items"]["data"][0]["id"].as_str().unwrap();

    let (status, body) = setup
        .call("/v1/billing_portal/sessions", &[("customer", "cus_nobody")])
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["message"], "No such customer: 'cus_nobody'");
    assert_eq!(body["error"]["param"], "customer");
    let (status, body) = setup.call("/v1/billing_portal/sessions", &[]).await;
    assert_eq!((status, &body["error"]["param"]), (400, &"customer".into()));
    let bad_url = [
        ("customer", customer.as_str()),
        ("return_url", "javascript:alert(1)"),
    ];
    assert_eq!(
        setup.call("/v1/billing_portal/sessions", &bad_url).await.0,
        400
    );
    let keyless = setup
        .http
        .post(format!("{}v1/billing_portal/sessions", setup.base))
        .form(&[("customer", customer.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(keyless.status(), 401);

    let (status, page) = open(&setup, &format!("{}portal/bps_unknown", setup.base)).await;
    assert_eq!(status, 404);
    assert!(
        page.contains("There is no such customer portal session."),
        "{page}"
    );
    let unknown = format!("/portal/bps_unknown/subscriptions/{sub}/cancel-now");
    assert_eq!(setup.press(&unknown).await.0, 404);

    let session = setup
        .post("/v1/billing_portal/sessions", &[("customer", &customer)])
        .await;
    let id = session["id"].as_str().unwrap();
    let to_items = format!("/portal/{id}/subscriptions/{sub}/items/{item}");
    for refused in ["0", "10001", "-1", "2.5", "many"] {
        let (status, _, page) = submit(&setup, &to_items, refused).await;
        assert_eq!(status, 400, "quantity {refused}");
        assert!(
            page.contains("The quantity must be a whole number from 1 to 10000."),
            "{page}"
        );
        assert!(page.contains("role=\"alert\""));
    }
    let missing_item = format!("/portal/{id}/subscriptions/{sub}/items/si_unknown");
    assert_eq!(submit(&setup, &missing_item, "3").await.0, 400);
    let (_, held) = setup.get(&format!("/v1/subscriptions/{sub}")).await;
    assert_eq!(held, subscription, "nothing changed");

    // Another customer's portal cannot touch this subscription.
    let other = setup
        .post("/v1/customers", &[("email", "eve@example.com")])
        .await;
    let theirs = setup
        .post(
            "/v1/billing_portal/sessions",
            &[("customer", other["id"].as_str().unwrap())],
        )
        .await;
    let (_, page) = open(&setup, theirs["url"].as_str().unwrap()).await;
    assert!(page.contains("You have no subscriptions."), "{page}");
    assert!(!page.contains("Return to"), "no return URL, no link");
    let theirs = theirs["id"].as_str().unwrap();
    let cancel = format!("/portal/{theirs}/subscriptions/{sub}/cancel-now");
    assert_eq!(setup.press(&cancel).await.0, 404);

    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(setup.standin.events().len(), 3, "nothing sent");
    assert_eq!(setup.hook.got().len(), 3);
}
