//! The self-hosted side on both engines: installing a token (and every refusal), the state
//! machine over the install's clock, the vendor's answers, and the seat turnstile.

use tessera_backend::heartbeat::HeartbeatAnswer;
use tessera_backend::licenses::token_sha256;
use tessera_backend::selfhost::seats::{RoleInput, RolesInput};
use tessera_backend::testing::{TestDb, TestVendor};
use tessera_backend::{Backend, Error};
use tessera_license::seats::SeatError;
use tessera_license::vocab::{HeartbeatStatus, StateName};
use tessera_license::{Entitlements, Kid, SigningKeyPair};

use tessera_backend::both_engines;

const DAY: i64 = 86_400;

async fn install(db: &TestDb) -> (Backend, TestVendor) {
    let vendor = TestVendor::new();
    let backend = db.backend_with(vendor.self_host_config(db)).await;
    (backend, vendor)
}

fn refusal(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::Invalid(message)) => message,
        other => panic!("expected a 422 refusal, got {other:?}"),
    }
}

async fn register_booking(backend: &Backend) {
    let roles = RolesInput {
        roles: vec![
            RoleInput {
                name: "booking.editor".into(),
                billable: true,
            },
            RoleInput {
                name: "booking.manager".into(),
                billable: true,
            },
            RoleInput {
                name: "booking.viewer".into(),
                billable: false,
            },
        ],
    };
    backend
        .register_plugin("booking", roles, "test")
        .await
        .unwrap();
}

both_engines! {
    async fn a_good_token_installs_and_every_bad_paste_says_why_and_changes_nothing(db: &TestDb) {
        let (backend, vendor) = install(db).await;
        let before = backend.install_view_now().await.unwrap();
        assert_eq!(before.state, StateName::Unlicensed);
        assert_eq!(before.effective, Entitlements::community());

        let good = vendor.claims();
        let view = backend.install_license(&vendor.sign(&good), "op").await.unwrap();
        assert_eq!(view.state, StateName::Active);
        assert_eq!(view.claims.as_ref().unwrap().sub, good.sub);
        assert_eq!(view.kid.as_deref(), Some(vendor.key.kid().as_ref()));
        assert!(view.effective.has_feature("sso"));

        let stranger = SigningKeyPair::generate(Some(vendor.key.kid().clone()));
        let unpinned = SigningKeyPair::generate(Some(Kid::parse("other-kid").unwrap()));
        let mut other_product = vendor.claims();
        other_product.aud = tessera_license::ProductKey::parse("another").unwrap();
        let mut expired = vendor.claims();
        expired.iat = tessera_backend::now() - 40 * DAY;
        expired.nbf = expired.iat;
        expired.exp = Some(tessera_backend::now() - DAY);
        let mut locked = vendor.claims();
        locked.lic.node_lock = Some("fp-someone-else".into());
        let mut elsewhere = vendor.claims();
        elsewhere.lic.domains = vec![tessera_license::Domain::parse("example.com").unwrap()];
        let cases = [
            (tessera_license::sign(&good, &stranger), "signature does not verify"),
            (tessera_license::sign(&good, &unpinned), "not among the pinned keys"),
            (vendor.sign(&other_product), "for product \"another\""),
            (vendor.sign(&expired), "expired on"),
            (vendor.sign(&locked), "fingerprint is fp-test-deployment"),
            (vendor.sign(&elsewhere), "does not cover localhost"),
            ("not.a.token".to_string(), "not base64url"),
            (String::new(), "paste a license token"),
        ];
        for (token, why) in cases {
            let message = refusal(backend.install_license(&token, "op").await);
            assert!(message.contains(why), "{why:?} not in {message:?}");
        }
        let after = backend.install_view_now().await.unwrap();
        assert_eq!(after.state, StateName::Active, "a bad paste replaced the good token");
        assert_eq!(after.claims.as_ref().unwrap().jti, good.jti);
    }

    async fn an_expired_license_runs_its_grace_then_sleeps_and_a_clock_set_back_does_not_wake_it(db: &TestDb) {
        let (backend, vendor) = install(db).await;
        let claims = vendor.claims();
        let exp = claims.exp.unwrap();
        backend.install_license(&vendor.sign(&claims), "op").await.unwrap();

        // The install has seen a time two days past expiry: this machine's clock, which still
        // says the license is valid, is behind it and is not believed.
        db.store().await.raise_latest_seen(exp + 2 * DAY).await.unwrap();
        let grace = backend.install_view_now().await.unwrap();
        assert_eq!(grace.state, StateName::Grace);
        assert_eq!(grace.grace_until, Some(exp + 14 * DAY));
        assert!(grace.clock_behind);
        let banner = grace.banner.clone().unwrap();
        assert!(banner.contains("12 more day(s)"), "{banner}");
        assert!(grace.effective.has_feature("sso"), "grace keeps the licensed parts");

        db.store().await.raise_latest_seen(exp + 15 * DAY).await.unwrap();
        let dormant = backend.install_view_now().await.unwrap();
        assert_eq!(dormant.state, StateName::Dormant);
        assert_eq!(dormant.effective, Entitlements::community());
        assert!(dormant.banner.as_deref().unwrap().contains("all data is kept"));

        // A renewed token (expiring after the latest time seen) brings it back.
        let mut renewed = claims.clone();
        renewed.exp = Some(exp + 60 * DAY);
        renewed.iat = exp + 15 * DAY - 60;
        renewed.nbf = renewed.iat;
        backend.install_license(&vendor.sign(&renewed), "op").await.unwrap();
        let back = backend.install_view_now().await.unwrap();
        assert_eq!(back.state, StateName::Active);
        assert!(back.effective.has_feature("sso"));
    }

    async fn the_vendors_answers_revoke_at_once_rotate_newer_tokens_and_narrow_entitlements(db: &TestDb) {
        let (backend, vendor) = install(db).await;
        let claims = vendor.claims();
        let token = vendor.sign(&claims);
        backend.install_license(&token, "op").await.unwrap();
        let answer = |status, revoked, token: Option<String>| HeartbeatAnswer {
            status,
            revoked,
            license_id: claims.sub.to_string(),
            entitlements: Entitlements::default(),
            token,
            at: tessera_backend::now(),
        };

        // Live entitlements narrow: an empty live set leaves no feature.
        backend.apply_vendor_answer(&token_sha256(&token), answer(HeartbeatStatus::Active, false, None), "network").await.unwrap();
        let narrowed = backend.install_view_now().await.unwrap();
        assert_eq!(narrowed.state, StateName::Active);
        assert!(!narrowed.effective.has_feature("sso"));

        // A newer token (a renewal) rotates in without a restart.
        let mut renewed = claims.clone();
        renewed.exp = Some(claims.exp.unwrap() + 365 * DAY);
        renewed.jti = "renewed".into();
        let mut live = Entitlements::from_grant(&renewed.lic);
        live.tier = Some(renewed.lic.tier);
        let mut rotating = answer(HeartbeatStatus::Active, false, Some(vendor.sign(&renewed)));
        rotating.entitlements = live;
        backend.apply_vendor_answer(&token_sha256(&token), rotating, "network").await.unwrap();
        let rotated = backend.install_view_now().await.unwrap();
        assert_eq!(rotated.claims.as_ref().unwrap().jti, "renewed");
        assert!(rotated.verdict.as_ref().unwrap().rotated);
        assert!(rotated.effective.has_feature("sso"));

        // A "newer" token this install cannot verify is not installed, and says so.
        let forged = tessera_license::sign(&renewed, &SigningKeyPair::generate(None));
        let current = backend.heartbeat_request().await.unwrap().unwrap().token;
        backend.apply_vendor_answer(&token_sha256(&current), answer(HeartbeatStatus::Active, false, Some(forged)), "network").await.unwrap();
        let kept = backend.install_view_now().await.unwrap();
        assert_eq!(kept.claims.as_ref().unwrap().jti, "renewed");
        assert!(kept.last_error.as_deref().unwrap().contains("newer token was refused"));

        // Revoked applies at once, bypassing grace, with the token still valid.
        backend.apply_vendor_answer(&token_sha256(&current), answer(HeartbeatStatus::Revoked, true, None), "network").await.unwrap();
        let revoked = backend.install_view_now().await.unwrap();
        assert_eq!(revoked.state, StateName::Revoked);
        assert_eq!(revoked.effective, Entitlements::community());
    }

    async fn an_unreachable_vendor_is_retried_and_never_degrades_a_valid_token(db: &TestDb) {
        let vendor = TestVendor::new();
        let config = tessera_backend::Config {
            // Nothing listens on port 9 (discard) of loopback here.
            vendor_url: Some("http://127.0.0.1:9".into()),
            ..vendor.self_host_config(db)
        };
        let backend = db.backend_with(config).await;
        backend.install_license(&vendor.sign(&vendor.claims()), "op").await.unwrap();
        for _ in 0..2 {
            assert!(matches!(backend.heartbeat_vendor().await, Err(Error::Conflict(_))));
        }
        let view = backend.install_view_now().await.unwrap();
        assert_eq!(view.state, StateName::Active);
        assert_eq!(view.failures, 2);
        assert!(view.last_error.as_deref().unwrap().contains("127.0.0.1:9"));
    }

    async fn billable_roles_stop_at_the_licensed_seats_and_free_roles_never_count(db: &TestDb) {
        let (backend, vendor) = install(db).await;
        backend.install_license(&vendor.sign(&vendor.claims()), "op").await.unwrap();
        register_booking(&backend).await;
        // booking.editor: 2 of its own; the pool: 3 distinct billable users.
        backend.grant_seat("booking", "u1", "booking.editor", "app").await.unwrap();
        backend.grant_seat("booking", "u2", "booking.editor", "app").await.unwrap();
        let third = backend.grant_seat("booking", "u3", "booking.editor", "app").await;
        match third {
            Err(Error::SeatLimit(SeatError::SeatLimitReached { role, limit, used, .. })) => {
                assert_eq!((role.as_deref(), limit, used), (Some("booking.editor"), 2, 2));
            }
            other => panic!("expected seat_limit_reached, got {other:?}"),
        }
        // The pool: u1 already holds a seat, so a second billable role is free for them.
        let again = backend.grant_seat("booking", "u1", "booking.manager", "app").await.unwrap();
        assert!(again.new);
        backend.grant_seat("booking", "u3", "booking.manager", "app").await.unwrap();
        let pool = backend.grant_seat("booking", "u4", "booking.manager", "app").await;
        assert!(matches!(pool, Err(Error::SeatLimit(SeatError::SeatLimitReached { role: None, limit: 3, used: 3, .. }))), "{pool:?}");
        for n in 0..20 {
            backend.grant_seat("booking", &format!("viewer{n}"), "booking.viewer", "app").await.unwrap();
        }
        let seats = backend.plugin_seats("booking").await.unwrap();
        assert_eq!((seats.usage.used, seats.usage.limit, seats.usage.over), (3, Some(3), false));
        // Granting a held role again is a no-op, not a refusal.
        let held = backend.grant_seat("booking", "u2", "booking.editor", "app").await.unwrap();
        assert!(!held.new);
        // Unknown roles and plugins.
        let unknown = backend.grant_seat("booking", "u9", "booking.owner", "app").await;
        assert!(matches!(unknown, Err(Error::NotFound(_))), "{unknown:?}");
        // Revoking frees the seat.
        assert!(backend.revoke_seat("booking", "u3", "booking.manager", "app").await.unwrap());
        assert!(!backend.revoke_seat("booking", "u3", "booking.manager", "app").await.unwrap());
        backend.grant_seat("booking", "u4", "booking.manager", "app").await.unwrap();
    }

    async fn another_instance_on_the_same_database_sees_a_grant_within_two_seconds(db: &TestDb) {
        let (first, vendor) = install(db).await;
        first.install_license(&vendor.sign(&vendor.claims()), "op").await.unwrap();
        register_booking(&first).await;
        let second = db.backend_with(vendor.self_host_config(db)).await;
        let used = |backend: Backend| async move {
            backend.all_plugin_seats().await.unwrap()[0].usage.used
        };
        assert_eq!(used(second.clone()).await, 0);
        first.grant_seat("booking", "u1", "booking.editor", "app").await.unwrap();
        assert_eq!(used(first.clone()).await, 1, "this instance sees its own grant at once");
        tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
        assert_eq!(used(second.clone()).await, 1, "the other instance within 2 s");
    }

    async fn parallel_grants_cannot_overshoot_the_licensed_seats(db: &TestDb) {
        let (backend, vendor) = install(db).await;
        backend.install_license(&vendor.sign(&vendor.claims()), "op").await.unwrap();
        register_booking(&backend).await;
        // Two instances on the same database: each queues its own grants, and only the
        // database's lock orders the two queues.
        let other = db.backend_with(vendor.self_host_config(db)).await;
        let tasks: Vec<_> = (0..12)
            .map(|n| {
                let backend = if n % 2 == 0 { backend.clone() } else { other.clone() };
                tokio::spawn(async move {
                    backend.grant_seat("booking", &format!("user{n}"), "booking.manager", "app").await
                })
            })
            .collect();
        let mut granted = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => granted += 1,
                Err(Error::SeatLimit(_)) => {}
                Err(other) => panic!("a parallel grant answered {other:?}"),
            }
        }
        assert_eq!(granted, 3, "the pool is 3");
        assert_eq!(backend.plugin_seats("booking").await.unwrap().usage.used, 3);
    }

    async fn a_downgrade_shows_over_removes_nobody_and_refuses_further_billable_grants(db: &TestDb) {
        let (backend, vendor) = install(db).await;
        let claims = vendor.claims();
        backend.install_license(&vendor.sign(&claims), "op").await.unwrap();
        register_booking(&backend).await;
        for user in ["u1", "u2", "u3"] {
            backend.grant_seat("booking", user, "booking.manager", "app").await.unwrap();
        }
        let mut smaller = claims.clone();
        smaller.jti = "downgraded".into();
        smaller.lic.seats.get_mut("booking").unwrap().pool = Some(1);
        backend.install_license(&vendor.sign(&smaller), "op").await.unwrap();
        let seats = backend.plugin_seats("booking").await.unwrap();
        assert_eq!((seats.usage.used, seats.usage.limit, seats.usage.over), (3, Some(1), true));
        assert_eq!(seats.holders.len(), 3, "nobody was removed");
        let refused = backend.grant_seat("booking", "u4", "booking.manager", "app").await;
        assert!(matches!(refused, Err(Error::SeatLimit(_))), "{refused:?}");
        backend.grant_seat("booking", "v1", "booking.viewer", "app").await.unwrap();
    }

    async fn a_plugin_cannot_drop_a_role_someone_holds(db: &TestDb) {
        let (backend, vendor) = install(db).await;
        backend.install_license(&vendor.sign(&vendor.claims()), "op").await.unwrap();
        register_booking(&backend).await;
        backend.grant_seat("booking", "u1", "booking.viewer", "app").await.unwrap();
        let fewer = RolesInput { roles: vec![RoleInput { name: "booking.editor".into(), billable: true }] };
        match backend.register_plugin("booking", fewer, "app").await {
            Err(Error::Conflict(message)) => assert!(message.contains("booking.viewer"), "{message}"),
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert_eq!(backend.plugin_seats("booking").await.unwrap().roles.roles.len(), 3);
        let bad = RolesInput { roles: vec![RoleInput { name: "Bad Name".into(), billable: true }] };
        assert!(matches!(backend.register_plugin("booking", bad, "app").await, Err(Error::Invalid(_))));
    }

    async fn the_vendor_surfaces_do_not_exist_on_a_self_hosted_install(db: &TestDb) {
        let (backend, _vendor) = install(db).await;
        assert!(matches!(backend.generate_key(None, "op").await, Err(Error::NotFound(_))));
        assert!(matches!(backend.list_keys().await, Err(Error::NotFound(_))));
        let vendor_side = db.backend().await;
        assert!(matches!(vendor_side.install_view().await, Err(Error::NotFound(_))));
        assert!(matches!(vendor_side.grant_seat("p", "u", "r", "x").await, Err(Error::NotFound(_))));
        // The first start of a self-hosted install creates an admin but no signing key.
        let done = backend.bootstrap().await.unwrap();
        assert!(done.created_key.is_none() && done.admin.is_some());
    }
}
