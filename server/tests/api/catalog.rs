//! The catalog over HTTP: the public product API (no sign-in, ETag and 304, nothing internal,
//! hostile slugs), the `/products` page's forms (a product, a plan priced as typed, a coupon,
//! a refusal that keeps what was typed, the free tier's cap), and the issue form's choices.

use tessera_backend::both_engines;
use tessera_backend::catalog::CatalogSpec;

use crate::helpers::{bare_client, TestApp};

const EXAMPLE: &str = include_str!("../../../docs/catalog.example.yaml");

async fn with_example(app: &TestApp) {
    let spec = CatalogSpec::from_yaml(EXAMPLE).unwrap();
    app.backend
        .apply_catalog(spec, "test", false)
        .await
        .unwrap();
}

both_engines! {
    async fn the_public_catalog_answers_anyone_with_an_etag_and_304(app: &TestApp) {
        with_example(app).await;
        let http = bare_client();
        let first = http.get(app.url("/api/v1/products")).send().await.unwrap();
        assert_eq!(first.status(), 200);
        let etag = first.headers()["etag"].to_str().unwrap().to_string();
        assert!(etag.starts_with('"') && etag.len() > 10, "{etag}");
        let body: serde_json::Value = first.json().await.unwrap();
        let slugs: Vec<&str> = body.as_array().unwrap().iter().map(|p| p["slug"].as_str().unwrap()).collect();
        assert_eq!(slugs, ["chat"], "the internal product is not listed");
        assert_eq!(body[0]["plans"][0]["price"], "49.00 EUR");
        assert_eq!(body[0]["coupons"][0]["code"], "LAUNCH20");
        let text = body.to_string();
        for private in ["prd_", "pln_", "cpn_", "PARTNER", "redemptions"] {
            assert!(!text.contains(private), "{private} is not public");
        }

        let again = http.get(app.url("/api/v1/products")).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(again.status(), 304);
        assert!(again.bytes().await.unwrap().is_empty());
        let listed = http.get(app.url("/api/v1/products")).header("if-none-match", format!("\"other\", W/{etag}")).send().await.unwrap();
        assert_eq!(listed.status(), 304, "a list of tags that holds the current one");

        // A change to what is public changes the tag.
        app.backend.set_plan_active("chat-pro-yearly", false, "test").await.unwrap();
        let changed = http.get(app.url("/api/v1/products")).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(changed.status(), 200);
        assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);

        let one = http.get(app.url("/api/v1/products/chat")).send().await.unwrap();
        assert_eq!(one.status(), 200);
        let one: serde_json::Value = one.json().await.unwrap();
        assert_eq!(one["tiers"], serde_json::json!(["pro", "enterprise"]));
        for path in ["/api/v1/products/chat-internal", "/api/v1/products/nope", "/api/v1/products/%00", &format!("/api/v1/products/{}", "a".repeat(5000))] {
            let answer = http.get(app.url(path)).send().await.unwrap();
            assert_eq!(answer.status(), 404, "{path}");
        }
    }

    async fn a_sysadmin_builds_the_catalog_on_the_products_page(app: &TestApp) {
        let cookie = app.sign_in(&app.admin_email, &app.admin_password).await;
        let created = app.post_form("/products", &cookie, &[("action", "product"), ("slug", "chat"), ("name", "Acme Chat"), ("product_key", "acme-chat"), ("features", "sso, audit-log"), ("trial_days", "14"), ("trial_cooldown_days", "90")]).await;
        assert_eq!(created.status(), 303);
        assert_eq!(created.headers()["location"], "/products?done=created%20product%20chat");
        let plan = app.post_form("/products", &cookie, &[("action", "plan"), ("product", "chat"), ("lookup_key", "chat-pro-monthly"), ("tier", "pro"), ("interval", "month"), ("currency", "EUR"), ("price", "49.50"), ("seats_included", "5"), ("extra_seat_price", "9")]).await;
        assert_eq!(plan.status(), 303);
        let coupon = app.post_form("/products", &cookie, &[("action", "coupon"), ("code", "launch20"), ("percent_off", "20"), ("tiers", "pro"), ("public", "on")]).await;
        assert_eq!(coupon.status(), 303);

        let catalog = app.backend.catalog().await.unwrap();
        let chat = catalog.product("chat").unwrap();
        assert_eq!(chat.spec.features, ["audit-log", "sso"]);
        assert_eq!(chat.spec.trial.unwrap().days, 14);
        assert_eq!((chat.plans[0].spec.unit_amount, chat.plans[0].spec.extra_seat_unit_amount, chat.plans[0].spec.currency.as_str()), (4950, Some(900), "eur"));
        assert_eq!(catalog.coupons[0].spec.code, "LAUNCH20");

        let page = crate::helpers::client().get(app.url("/products")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("49.50 EUR for 5 seat(s)") && page.contains("9.00 EUR / extra seat"), "the plan as priced");
        assert!(page.contains("1 of 5 active products"), "the tier's usage");

        // A refusal says why and keeps what was typed.
        let refused = app.post_form("/products", &cookie, &[("action", "plan"), ("product", "chat"), ("lookup_key", "chat-pro-yearly"), ("tier", "pro"), ("interval", "year"), ("currency", "eur"), ("price", "49,00"), ("seats_included", "5")]).await;
        assert_eq!(refused.status(), 422);
        let html = refused.text().await.unwrap();
        assert!(html.contains("price: &quot;49,00&quot; is not an amount in EUR") || html.contains("price: \"49,00\" is not an amount in EUR"), "{}", &html[..html.len().min(400)]);
        assert!(html.contains("value=\"chat-pro-yearly\""), "what was typed is kept");

        // Deactivating is a form too, and the free tier's cap names itself.
        let off = app.post_form("/products", &cookie, &[("action", "plan_active"), ("lookup_key", "chat-pro-monthly"), ("active", "false")]).await;
        assert_eq!(off.status(), 303);
        assert!(!app.backend.catalog().await.unwrap().products[0].plans[0].spec.active);
        for n in 1..5 {
            let slug = format!("p{n}");
            let ok = app.post_form("/products", &cookie, &[("action", "product"), ("slug", &slug), ("name", &slug), ("product_key", &slug)]).await;
            assert_eq!(ok.status(), 303);
        }
        let capped = app.post_form("/products", &cookie, &[("action", "product"), ("slug", "p5"), ("name", "p5"), ("product_key", "p5")]).await;
        assert_eq!(capped.status(), 409);
        assert!(capped.text().await.unwrap().contains("active products: the free Creator tier (no valid Tessera license) allows 5; deactivate one first"));
    }

    async fn the_issue_form_offers_the_catalog_s_products_and_plans(app: &TestApp) {
        let cookie = app.sign_in(&app.admin_email, &app.admin_password).await;
        let get = || async { crate::helpers::client().get(app.url("/licenses/new")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap() };
        assert!(get().await.contains("add products in /products"), "an empty catalog: the product is typed");
        with_example(app).await;
        let html = get().await;
        assert!(html.contains(r#"<option value="acme-chat""#), "the catalog's products are the choices");
        assert!(html.contains(r#"<option value="chat-pro-monthly""#), "and their plans");
        // A catalog plan must go with its product and tier.
        let mut fields = vec![("email", "ops@example.com"), ("company", "Example"), ("product", "acme-chat"), ("tier", "enterprise"), ("kind", "subscription"), ("expires", "2099-01-31"), ("plan", "chat-pro-monthly"), ("domains", "example.com")];
        let refused = app.post_form("/licenses/new", &cookie, &fields).await;
        assert_eq!(refused.status(), 422);
        assert!(refused.text().await.unwrap().contains("plan: chat-pro-monthly is a pro plan of product acme-chat"));
        fields[3] = ("tier", "pro");
        let issued = app.post_form("/licenses/new", &cookie, &fields).await;
        assert_eq!(issued.status(), 200);
        assert!(issued.text().await.unwrap().contains("data-testid=\"token\""), "issued with its plan");

        app.backend.set_product_active("chat", false, "test").await.unwrap();
        assert!(!get().await.contains(r#"<option value="acme-chat""#), "an inactive product is not offered");
    }
}
