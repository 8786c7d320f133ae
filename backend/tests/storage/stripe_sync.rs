//! `sync_products` against the Stripe stand-in, on both engines: the catalog becomes Stripe
//! products and prices under their lookup keys; a second run changes nothing; a new price
//! takes the lookup key over and the old one is deactivated; a deactivated plan's price is.

use tessera_backend::catalog::CatalogSpec;
use tessera_backend::testing::TestDb;
use tessera_backend::{Backend, Error};
use tessera_stripe_standin::StandIn;

use tessera_backend::both_engines;

const EXAMPLE: &str = include_str!("../../../docs/catalog.example.yaml");

async fn with_stripe(db: &TestDb) -> (Backend, StandIn) {
    let standin = StandIn::default();
    let url = standin.spawn().await.unwrap();
    let config = tessera_backend::Config {
        stripe_secret_key: Some("sk_test_sync".to_string().into()),
        stripe_api_base: Some(url),
        ..db.config()
    };
    let backend = db.backend_with(config).await;
    backend
        .apply_catalog(CatalogSpec::from_yaml(EXAMPLE).unwrap(), "ops", false)
        .await
        .unwrap();
    (backend, standin)
}

fn price_of<'a>(standin: &'a [serde_json::Value], key: &str) -> &'a serde_json::Value {
    standin
        .iter()
        .find(|p| p["lookup_key"] == key)
        .unwrap_or_else(|| panic!("no price holds {key}"))
}

both_engines! {
    async fn the_catalog_reaches_stripe_once_and_a_second_sync_changes_nothing(db: &TestDb) {
        let (backend, standin) = with_stripe(db).await;
        let mut seen = Vec::new();
        let changes = backend.sync_products(|p| seen.push((p.done, p.total))).await.unwrap();
        assert_eq!(seen, [(0, 2), (1, 2), (2, 2)], "progress before each product and at the end");
        let lines: Vec<String> = changes.iter().map(|c| c.split(" (").next().unwrap().to_string()).collect();
        assert_eq!(lines, [
            "+ product chat", "+ price chat-pro-monthly 49.00 EUR/month", "+ price chat-pro-monthly.extra_seat 9.00 EUR/month",
            "+ price chat-pro-yearly 490.00 EUR/year", "+ price chat-pro-yearly.extra_seat 90.00 EUR/year",
            "+ price chat-enterprise-lifetime 9900.00 EUR", "+ product chat-internal",
        ]);
        let prices = standin.prices();
        assert_eq!(price_of(&prices, "chat-pro-monthly")["unit_amount"], 4900);
        assert_eq!(price_of(&prices, "chat-enterprise-lifetime")["type"], "one_time");
        let catalog = backend.catalog().await.unwrap();
        let chat = catalog.product("chat").unwrap();
        assert!(chat.stripe_product_id.as_deref().unwrap().starts_with("prod_"));
        let monthly = &chat.plans[0];
        assert_eq!(monthly.stripe_price_id.as_deref(), price_of(&prices, "chat-pro-monthly")["id"].as_str());
        assert_eq!(monthly.stripe_extra_seat_price_id.as_deref(), price_of(&prices, "chat-pro-monthly.extra_seat")["id"].as_str());

        let creates = |standin: &StandIn| standin.requests().iter().filter(|r| r.starts_with("POST")).count();
        let before = creates(&standin);
        assert!(backend.sync_products(|_| {}).await.unwrap().is_empty(), "a second sync changes nothing");
        assert_eq!(creates(&standin), before, "and writes nothing to Stripe");
    }

    async fn a_new_price_takes_the_lookup_key_over_and_a_dropped_plan_stops_selling(db: &TestDb) {
        let (backend, standin) = with_stripe(db).await;
        backend.sync_products(|_| {}).await.unwrap();
        let old = price_of(&standin.prices(), "chat-pro-monthly")["id"].as_str().unwrap().to_string();
        let mut spec = CatalogSpec::from_yaml(EXAMPLE).unwrap();
        spec.products[0].plans[0].unit_amount = 5900;
        spec.products[0].plans[2].active = false;
        backend.apply_catalog(spec, "ops", false).await.unwrap();
        assert_eq!(backend.catalog().await.unwrap().product("chat").unwrap().plans[0].stripe_price_id, None, "a changed price forgets its Stripe price");

        let changes = backend.sync_products(|_| {}).await.unwrap().join("\n");
        assert!(changes.contains("+ price chat-pro-monthly 59.00 EUR/month"), "{changes}");
        assert!(changes.contains(&format!("~ price chat-pro-monthly ({old}): deactivated, its lookup key moved")), "{changes}");
        assert!(changes.contains("~ price chat-enterprise-lifetime") && changes.contains("deactivated"), "{changes}");
        let prices = standin.prices();
        let new = price_of(&prices, "chat-pro-monthly");
        assert_eq!((new["unit_amount"].as_i64(), new["active"].as_bool()), (Some(5900), Some(true)));
        let retired = prices.iter().find(|p| p["id"] == old.as_str()).unwrap();
        assert_eq!((retired["active"].as_bool(), retired["lookup_key"].is_null()), (Some(false), true));
        assert_eq!(price_of(&prices, "chat-enterprise-lifetime")["active"], false);
        assert!(backend.sync_products(|_| {}).await.unwrap().is_empty());

        // A deactivated (or renamed) product is deactivated (renamed) in Stripe.
        backend.set_product_active("chat-internal", false, "ops").await.unwrap();
        let changes = backend.sync_products(|_| {}).await.unwrap().join("\n");
        assert!(changes.starts_with("~ product chat-internal"), "{changes}");
        let internal = standin.products().into_iter().find(|p| p["metadata"]["tessera_product"] == "chat-internal").unwrap();
        assert_eq!(internal["active"], false);
    }

    async fn going_live_makes_the_catalog_again_in_the_other_stripe(db: &TestDb) {
        let (backend, _test_mode) = with_stripe(db).await;
        backend.sync_products(|_| {}).await.unwrap();
        let live = StandIn::default();
        let url = live.spawn().await.unwrap();
        let config = tessera_backend::Config {
            stripe_secret_key: Some("sk_live_other".to_string().into()),
            stripe_api_base: Some(url),
            ..db.config()
        };
        let backend = db.backend_with(config).await;
        let changes = backend.sync_products(|_| {}).await.unwrap();
        assert_eq!(changes.iter().filter(|c| c.starts_with("+ product")).count(), 2, "{changes:?}");
        let monthly = price_of(&live.prices(), "chat-pro-monthly")["id"].as_str().unwrap().to_string();
        let catalog = backend.catalog().await.unwrap();
        assert_eq!(catalog.product("chat").unwrap().plans[0].stripe_price_id.as_deref(), Some(monthly.as_str()));
        assert!(backend.sync_products(|_| {}).await.unwrap().is_empty());
    }

    async fn lost_answers_and_an_interrupted_sync_make_nothing_twice(db: &TestDb) {
        let (backend, standin) = with_stripe(db).await;
        // Stripe makes the product but the answer is lost: the retry, under the same
        // idempotency key, gets the same product.
        standin.lose_answers(1);
        backend.sync_products(|_| {}).await.unwrap();
        let posts = standin.requests().iter().filter(|r| *r == "POST /v1/products").count();
        assert_eq!(posts, 3, "two products, one of them sent twice");
        assert_eq!(standin.prices().len(), 5, "five prices, none twice");
        assert_eq!(standin.products().len(), 2);

        // A sync that dies part-way (every answer lost) resumes where it stopped.
        let fresh = TestDb::new(db.engine()).await;
        let (backend, standin) = with_stripe(&fresh).await;
        standin.lose_answers(100);
        assert!(backend.sync_products(|_| {}).await.is_err());
        standin.lose_answers(0);
        backend.sync_products(|_| {}).await.unwrap();
        let prices = standin.prices();
        let mut keys: Vec<&str> = prices.iter().filter_map(|p| p["lookup_key"].as_str()).collect();
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!((before, keys.len()), (5, 5), "every lookup key on exactly one price");
        assert_eq!(standin.products().len(), 2, "the product made before the failure was not made again");
        assert!(backend.sync_products(|_| {}).await.unwrap().is_empty());
    }

    async fn without_a_stripe_key_nothing_is_synced(db: &TestDb) {
        let backend = db.backend().await;
        let refused = backend.sync_products(|_| {}).await.unwrap_err();
        assert!(matches!(&refused, Error::Invalid(m) if m.contains("TESSERA_STRIPE_SECRET_KEY")), "{refused:?}");
    }
}
