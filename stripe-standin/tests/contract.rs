//! The stand-in against async-stripe: every answer it gives to Tessera's calls is read by
//! async-stripe's typed models (a field missing or mistyped fails here), and it behaves as
//! Stripe does where Tessera relies on it: idempotency keys, lookup keys moved by
//! `transfer_lookup_key`, errors for a bad key or an unknown id.

use std::collections::HashMap;

use tessera_stripe::{Error, PriceTerms, Stripe};
use tessera_stripe_standin::StandIn;

async fn started() -> (StandIn, Stripe) {
    let standin = StandIn::default();
    let url = standin.spawn().await.unwrap();
    let stripe = Stripe::new("sk_test_contract", Some(&url)).unwrap();
    (standin, stripe)
}

fn terms(product: &str, amount: i64, interval: Option<&str>) -> PriceTerms {
    PriceTerms {
        product: product.into(),
        currency: "eur".into(),
        unit_amount: amount,
        interval: interval.map(str::to_string),
        lookup_key: "chat-pro-monthly".into(),
        nickname: "Chat pro monthly".into(),
    }
}

#[tokio::test]
async fn products_and_prices_read_as_async_stripe_models() {
    let (standin, stripe) = started().await;
    let meta = HashMap::from([("tessera_product".to_string(), "chat".to_string())]);
    let product = stripe
        .create_product("prd-1", "Acme Chat", true, meta.clone())
        .await
        .unwrap();
    assert_eq!((product.name.as_str(), product.active), ("Acme Chat", true));
    let again = stripe
        .create_product("prd-1", "Acme Chat", true, meta.clone())
        .await
        .unwrap();
    assert_eq!(
        again.id, product.id,
        "a repeated create with its key answers the first object"
    );
    let refused = stripe
        .create_product("prd-1", "Other", true, meta)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, Error::Refused { status: 400, .. }),
        "{refused:?}"
    );
    assert_eq!(stripe.product(&product.id).await.unwrap(), product);
    let renamed = stripe
        .update_product(&product.id, "Acme Chat 2", false)
        .await
        .unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.active),
        ("Acme Chat 2", false)
    );

    let monthly = stripe
        .create_price("pr-1", &terms(&product.id, 4900, Some("month")))
        .await
        .unwrap();
    assert_eq!(
        (
            monthly.unit_amount,
            monthly.interval.as_deref(),
            monthly.lookup_key.as_deref()
        ),
        (Some(4900), Some("month"), Some("chat-pro-monthly"))
    );
    assert!(terms(&product.id, 4900, Some("month")).matches(&monthly));
    assert_eq!(
        stripe
            .price_by_lookup_key("chat-pro-monthly")
            .await
            .unwrap(),
        Some(monthly.clone())
    );

    // A new price takes the lookup key from the old one.
    let repriced = stripe
        .create_price("pr-2", &terms(&product.id, 5900, Some("month")))
        .await
        .unwrap();
    assert_eq!(
        stripe
            .price_by_lookup_key("chat-pro-monthly")
            .await
            .unwrap()
            .unwrap()
            .id,
        repriced.id
    );
    let old = stripe.set_price_active(&monthly.id, false).await.unwrap();
    assert_eq!((old.active, old.lookup_key), (false, None));
    let once = stripe
        .create_price(
            "pr-3",
            &PriceTerms {
                lookup_key: "chat-lifetime".into(),
                ..terms(&product.id, 99000, None)
            },
        )
        .await
        .unwrap();
    assert_eq!(once.interval, None);

    assert_eq!(stripe.price_by_lookup_key("nobody").await.unwrap(), None);
    assert!(matches!(
        stripe.product("prod_missing").await,
        Err(Error::Refused { status: 404, .. })
    ));
    assert_eq!(standin.prices().len(), 3);
    assert!(standin.requests().contains(&"POST /v1/prices".to_string()));
}

#[tokio::test]
async fn a_bad_key_or_an_unreachable_stripe_is_an_error_not_a_panic() {
    let (_standin, stripe) = started().await;
    let url = stripe.base().to_string();
    let wrong = Stripe::new("pk_live_publishable", Some(&url)).unwrap();
    assert!(matches!(
        wrong.product("prod_x").await,
        Err(Error::Refused { status: 401, .. })
    ));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/", listener.local_addr().unwrap());
    drop(listener);
    let gone = Stripe::new("sk_test_x", Some(&dead)).unwrap();
    assert!(matches!(
        gone.product("prod_x").await,
        Err(Error::Unreachable(_))
    ));
}
