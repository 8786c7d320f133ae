//! The catalog on both engines: catalog as code (apply twice changes nothing once, export
//! reads back as what was applied), the caps of the free tier under concurrent writers, the
//! one-owner rule of lookup keys, and what the public storefront may show.

use tessera_backend::catalog::{CatalogSpec, CouponSpec, PlanSpec, ProductSpec};
use tessera_backend::heartbeat::HeartbeatAnswer;
use tessera_backend::licenses::token_sha256;
use tessera_backend::testing::{TestDb, TestVendor};
use tessera_backend::Error;
use tessera_license::vocab::HeartbeatStatus;
use tessera_license::vocab::{AuditAction, BillingInterval, Tier};
use tessera_license::Entitlements;

use tessera_backend::both_engines;

const EXAMPLE: &str = include_str!("../../../docs/catalog.example.yaml");

fn example() -> CatalogSpec {
    CatalogSpec::from_yaml(EXAMPLE).unwrap()
}

fn product(slug: &str) -> ProductSpec {
    let yaml = format!("slug: {slug}\nname: Product {slug}\nproduct_key: key-{slug}\n");
    serde_yaml::from_str(&yaml).unwrap()
}

fn plan(key: &str, cents: i64) -> PlanSpec {
    PlanSpec {
        lookup_key: key.into(),
        tier: Tier::Pro,
        interval: BillingInterval::Month,
        unit_amount: cents,
        currency: "eur".into(),
        seats_included: 1,
        extra_seat_unit_amount: None,
        active: true,
    }
}

fn coupon(code: &str) -> CouponSpec {
    serde_yaml::from_str(&format!("code: {code}\npercent_off: 10\n")).unwrap()
}

both_engines! {
    async fn applying_a_catalog_twice_changes_nothing_the_second_time(db: &TestDb) {
        let backend = db.backend().await;
        let first = backend.apply_catalog(example(), "ops", false).await.unwrap();
        let lines: Vec<String> = first.iter().map(ToString::to_string).collect();
        assert_eq!(lines, [
            "+ product chat", "+ plan chat-pro-monthly", "+ plan chat-pro-yearly",
            "+ plan chat-enterprise-lifetime", "+ product chat-internal",
            "+ coupon LAUNCH20", "+ coupon PARTNER",
        ]);
        assert!(backend.apply_catalog(example(), "ops", false).await.unwrap().is_empty());

        // What export prints applies to the same catalog, and reads back as the file did.
        let exported = backend.catalog().await.unwrap().to_spec();
        let mut want = example().checked().unwrap();
        want.products.sort_by(|a, b| a.name.cmp(&b.name));
        assert_eq!(exported, want);
        let yaml = exported.to_yaml().unwrap();
        assert!(backend.apply_catalog(CatalogSpec::from_yaml(&yaml).unwrap(), "ops", false).await.unwrap().is_empty());

        // A change names its fields; a dry run writes nothing.
        let mut changed = example();
        changed.products[0].plans[0].unit_amount = 5900;
        changed.products[0].features.push("export".into());
        let dry = backend.apply_catalog(changed.clone(), "ops", true).await.unwrap();
        let lines: Vec<String> = dry.iter().map(ToString::to_string).collect();
        assert_eq!(lines, ["~ product chat: features", "~ plan chat-pro-monthly: unit_amount"]);
        assert_eq!(backend.apply_catalog(changed, "ops", false).await.unwrap(), dry, "the dry run showed what the run did");
        let catalog = backend.catalog().await.unwrap();
        assert_eq!(catalog.product("chat").unwrap().plans[0].spec.unit_amount, 5900);

        let audit = backend.store().audit_page(0, 100).await.unwrap();
        let count = |action| audit.iter().filter(|r| r.action == action).count();
        assert_eq!((count(AuditAction::ProductCreated), count(AuditAction::PlanCreated), count(AuditAction::CouponCreated)), (2, 3, 2));
        assert_eq!((count(AuditAction::ProductUpdated), count(AuditAction::PlanUpdated)), (1, 1));
    }

    async fn the_free_tier_caps_active_products_plans_and_coupons_and_names_the_cap(db: &TestDb) {
        let backend = db.backend().await;
        for n in 0..5 {
            backend.save_product(product(&format!("p{n}")), "ops").await.unwrap();
        }
        let refused = backend.save_product(product("p5"), "ops").await.unwrap_err();
        assert!(matches!(refused, Error::CapReached(_)), "{refused:?}");
        assert!(refused.to_string().contains("active products") && refused.to_string().contains("allows 5"), "{refused}");
        assert_eq!(backend.catalog().await.unwrap().products.len(), 5, "nothing of the refused change was written");

        // An inactive product takes no slot: deactivating one makes room.
        backend.save_product(ProductSpec { active: false, ..product("p0") }, "ops").await.unwrap();
        backend.save_product(product("p5"), "ops").await.unwrap();
        // A catalog over its cap may still change, as long as it does not grow.
        backend.save_product(ProductSpec { name: "Renamed".into(), ..product("p5") }, "ops").await.unwrap();

        for n in 0..5 {
            backend.save_plan("p1", plan(&format!("p1-plan-{n}"), 100), "ops").await.unwrap();
        }
        let refused = backend.save_plan("p1", plan("p1-plan-5", 100), "ops").await.unwrap_err().to_string();
        assert!(refused.contains("active plans per product"), "{refused}");
        backend.save_plan("p2", plan("p2-plan-0", 100), "ops").await.unwrap();

        for n in 0..10 {
            backend.save_coupon(coupon(&format!("CODE{n}")), "ops").await.unwrap();
        }
        let refused = backend.save_coupon(coupon("CODE10"), "ops").await.unwrap_err().to_string();
        assert!(refused.contains("active coupons") && refused.contains("allows 10"), "{refused}");
        backend.save_coupon(CouponSpec { active: false, ..coupon("CODE10") }, "ops").await.unwrap();
    }

    async fn two_instances_creating_products_at_once_stop_at_the_cap(db: &TestDb) {
        let first = db.backend().await;
        let second = db.backend().await;
        for n in 0..3 {
            first.save_product(product(&format!("p{n}")), "ops").await.unwrap();
        }
        let mut tasks = Vec::new();
        for n in 3..9 {
            let backend = if n % 2 == 0 { first.clone() } else { second.clone() };
            tasks.push(tokio::spawn(async move { backend.save_product(product(&format!("p{n}")), "ops").await }));
        }
        let mut saved = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => saved += 1,
                Err(Error::CapReached(_)) => {}
                Err(other) => panic!("{other:?}"),
            }
        }
        assert_eq!(saved, 2);
        assert_eq!(first.catalog().await.unwrap().products.len(), 5);
    }

    async fn a_lookup_key_or_a_product_key_names_one_thing(db: &TestDb) {
        let backend = db.backend().await;
        backend.apply_catalog(example(), "ops", false).await.unwrap();
        backend.save_product(product("other"), "ops").await.unwrap();
        let taken = backend.save_plan("other", plan("chat-pro-monthly", 100), "ops").await.unwrap_err();
        assert!(matches!(&taken, Error::Conflict(m) if m.contains("belongs to product chat")), "{taken:?}");
        let taken = backend.save_product(ProductSpec { product_key: "acme-chat".into(), ..product("again") }, "ops").await.unwrap_err();
        assert!(matches!(taken, Error::Conflict(_)), "{taken:?}");
        assert!(matches!(backend.save_plan("nope", plan("x", 1), "ops").await, Err(Error::NotFound(_))));
    }

    async fn the_storefront_shows_only_what_is_for_sale(db: &TestDb) {
        let backend = db.backend().await;
        let mut spec = example();
        spec.products[0].plans[1].active = false;
        spec.coupons.push(serde_yaml::from_str("code: OLD\npercent_off: 5\npublic: true\nexpires_at: 2020-01-01T00:00:00Z").unwrap());
        spec.coupons.push(serde_yaml::from_str("code: GROWTHONLY\npercent_off: 5\npublic: true\ntiers: [growth]").unwrap());
        backend.apply_catalog(spec, "ops", false).await.unwrap();
        let listed = backend.storefront().await.unwrap();
        assert_eq!(listed.iter().map(|p| p.slug.as_str()).collect::<Vec<_>>(), ["chat"], "internal products are not listed");
        let chat = &listed[0];
        let plans: Vec<&str> = chat.plans.iter().map(|p| p.lookup_key.as_str()).collect();
        assert_eq!(plans, ["chat-pro-monthly", "chat-enterprise-lifetime"], "inactive plans are not listed");
        assert_eq!(chat.tiers, [Tier::Pro, Tier::Enterprise]);
        assert_eq!(chat.plans[0].price, "49.00 EUR");
        let coupons: Vec<&str> = chat.coupons.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(coupons, ["LAUNCH20"], "only public, unexpired coupons for the product's tiers");
        assert_eq!(chat.coupons[0].discount, "20 %");
        assert!(matches!(backend.storefront_product("chat-internal").await, Err(Error::NotFound(_))));
        assert_eq!(backend.storefront_product("chat").await.unwrap(), *chat);
    }
}

/// A vendor install holding a license for Tessera from `vendor` (a master Tessera): 8
/// products, 2 plans per product, `recurring_billing`, no coupon cap.
async fn licensed_vendor(
    db: &TestDb,
    vendor: &TestVendor,
) -> (tessera_backend::Backend, tessera_license::Claims, String) {
    let mut claims = vendor.claims();
    claims.lic.caps = [
        ("products".to_string(), 8),
        ("plans_per_product".to_string(), 2),
    ]
    .into();
    claims.lic.features = vec!["recurring_billing".into()];
    let token = vendor.sign(&claims);
    let config = tessera_backend::Config {
        vendor_jwks: Some(vendor.jwks_path.clone()),
        license: Some(token.clone().into()),
        ..db.config()
    };
    let backend = db.backend_with(config).await;
    backend.install_configured_license().await.unwrap();
    (backend, claims, token)
}

both_engines! {
    async fn a_tessera_license_lifts_the_free_caps_and_live_answers_only_narrow_them(db: &TestDb) {
        let free = db.backend().await.catalog_caps().await.unwrap();
        assert_eq!((free.products, free.recurring_billing), (Some(5), false));
        let vendor = TestVendor::new();
        let (backend, claims, token) = licensed_vendor(db, &vendor).await;
        let caps = backend.catalog_caps().await.unwrap();
        assert_eq!((caps.products, caps.plans_per_product, caps.active_coupons, caps.recurring_billing), (Some(8), Some(2), None, true));
        for n in 0..8 {
            backend.save_product(product(&format!("p{n}")), "ops").await.unwrap();
        }
        let refused = backend.save_product(product("p8"), "ops").await.unwrap_err().to_string();
        assert!(refused.contains(&format!("Tessera license {} allows 8", claims.sub)), "{refused}");
        for n in 0..11 {
            backend.save_coupon(coupon(&format!("CODE{n}")), "ops").await.unwrap();
        }

        // A live answer that widens changes nothing; one that narrows applies.
        let answer = |caps: &[(&str, i64)], features: &[&str]| HeartbeatAnswer {
            status: HeartbeatStatus::Active,
            revoked: false,
            license_id: claims.sub.to_string(),
            entitlements: Entitlements {
                caps: caps.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
                features: features.iter().map(ToString::to_string).collect(),
                ..Entitlements::default()
            },
            token: None,
            at: tessera_backend::now(),
        };
        let sent = token_sha256(&token);
        backend.apply_vendor_answer(&sent, answer(&[("products", 500), ("plans_per_product", 50), ("active_coupons", 1)], &["recurring_billing", "white_label"]), "network").await.unwrap();
        backend.install_view_now().await.unwrap();
        let widened = backend.catalog_caps().await.unwrap();
        assert_eq!((widened.products, widened.plans_per_product, widened.active_coupons, widened.recurring_billing), (Some(8), Some(2), None, true), "a wider live answer changes nothing");
        backend.apply_vendor_answer(&sent, answer(&[("products", 3)], &[]), "network").await.unwrap();
        backend.install_view_now().await.unwrap();
        let narrowed = backend.catalog_caps().await.unwrap();
        assert_eq!((narrowed.products, narrowed.plans_per_product, narrowed.recurring_billing), (Some(3), Some(2), false));

        // Revoked: back to the free tier.
        let mut revoked = answer(&[], &[]);
        revoked.status = HeartbeatStatus::Revoked;
        revoked.revoked = true;
        backend.apply_vendor_answer(&sent, revoked, "network").await.unwrap();
        backend.install_view_now().await.unwrap();
        assert_eq!(backend.catalog_caps().await.unwrap(), tessera_backend::catalog::CatalogCaps::creator());
        // Over the free caps now (8 products): changes that do not grow the catalog still go.
        backend.save_product(ProductSpec { name: "Renamed".into(), ..product("p1") }, "ops").await.unwrap();
        backend.set_product_active("p7", false, "ops").await.unwrap();
        assert!(matches!(backend.save_product(product("p9"), "ops").await, Err(Error::CapReached(_))));

        // Its heartbeats come at least hourly, whatever the configured interval.
        assert_eq!(backend.heartbeat_interval(), std::time::Duration::from_secs(3_600));
        assert_eq!(db.backend_with(vendor.self_host_config(db)).await.heartbeat_interval(), std::time::Duration::from_secs(86_400));
    }

    async fn a_license_for_another_product_or_signed_by_a_stranger_leaves_the_free_tier(db: &TestDb) {
        let vendor = TestVendor::new();
        let mut claims = vendor.claims();
        claims.aud = tessera_license::ProductKey::parse("not-tessera").unwrap();
        let config = tessera_backend::Config {
            vendor_jwks: Some(vendor.jwks_path.clone()),
            license: Some(vendor.sign(&claims).into()),
            ..db.config()
        };
        let backend = db.backend_with(config).await;
        let refused = backend.install_configured_license().await.unwrap_err().to_string();
        assert!(refused.contains("tessera"), "{refused}");
        assert_eq!(backend.catalog_caps().await.unwrap(), tessera_backend::catalog::CatalogCaps::creator());
        let stranger = TestVendor::new();
        let config = tessera_backend::Config {
            vendor_jwks: Some(vendor.jwks_path.clone()),
            license: Some(stranger.sign(&vendor.claims()).into()),
            ..db.config()
        };
        let backend = db.backend_with(config).await;
        assert!(backend.install_configured_license().await.is_err());
        assert_eq!(backend.catalog_caps().await.unwrap().products, Some(5));
    }
}

#[test]
fn each_refusal_names_its_field() {
    let refusal = |yaml: &str| {
        CatalogSpec::from_yaml(yaml)
            .and_then(CatalogSpec::checked)
            .unwrap_err()
            .to_string()
    };
    let base = "products:\n  - slug: chat\n    name: Chat\n    product_key: chat\n";
    assert!(
        refusal("products: [{slug: Chat!, name: x, product_key: x}]")
            .contains("slug: 1 to 48 characters")
    );
    assert!(refusal(&format!("{base}    seats: {{min: 5, max: 2}}\n"))
        .contains("seats.max: must be at least seats.min (5)"));
    assert!(refusal(&format!("{base}    plans: [{{lookup_key: a, tier: trial, interval: month, unit_amount: 1, currency: eur}}]\n")).contains("trials are not sold"));
    assert!(refusal(&format!("{base}    plans: [{{lookup_key: a, tier: pro, interval: month, unit_amount: 1, currency: euro}}]\n")).contains("currency: an ISO 4217 code"));
    assert!(refusal(&format!("{base}    plans: [{{lookup_key: a, tier: pro, interval: weekly, unit_amount: 1, currency: eur}}]\n")).contains("unknown billing interval \"weekly\""));
    assert!(refusal(&format!(
        "{base}    plugins: {{rooms: {{billable: [host], free: [host]}}}}\n"
    ))
    .contains("role host is both billable and free"));
    assert!(
        refusal("coupons: [{code: X1Y, percent_off: 10, amount_off: 5}]")
            .contains("exactly one of percent_off and amount_off")
    );
    assert!(refusal("coupons: [{code: X1Y, amount_off: 500}]")
        .contains("currency: required with amount_off"));
    assert!(refusal("coupons: [{code: X1Y, percent_off: 120}]").contains("percent_off: 1 to 100"));
    assert!(
        refusal("coupons: [{code: A, percent_off: 1}, {code: a, percent_off: 2}]")
            .contains("code: 3 to 40")
    );
    assert!(
        refusal("coupons: [{code: ABC, percent_off: 1}, {code: abc, percent_off: 2}]")
            .contains("coupons: ABC is named twice")
    );
    assert!(
        refusal("products: [{slug: a, name: a, product_key: a, colour: red}]")
            .contains("unknown field `colour`")
    );
    assert!(refusal(&format!(
        "{base}  - slug: chat\n    name: Again\n    product_key: other\n"
    ))
    .contains("products: chat is named twice"));
}
