use std::collections::BTreeMap;

use tessera_backend::licenses::{token_sha256, IssueInput, IssueRequest, MAX_ITEMS, MAX_NAME};
use tessera_backend::testing::TestDb;
use tessera_backend::Error;
use tessera_license::claims::{LicenseKind, SeatGrant, Tier};
use tessera_license::jws::{self, VerifyOptions};
use tessera_license::keys::KeySet;
use tessera_license::vocab::LicenseStatus;

use tessera_backend::both_engines;

/// What an operator types for a plain license (parsed with [`sample_request`]).
pub fn sample_input() -> IssueInput {
    let mut seats = BTreeMap::new();
    seats.insert(
        "crm".to_string(),
        SeatGrant {
            roles: BTreeMap::from([("agent".to_string(), 5)]),
            pool: None,
        },
    );
    IssueInput {
        email: "Ops@Example.COM".into(),
        company: "Example S.L.".into(),
        tax_id: Some("B12345678".into()),
        tier: Tier::Pro.to_string(),
        kind: Some(LicenseKind::Perpetual.to_string()),
        product: "studio".into(),
        plan: Some("pro-annual".into()),
        support_period: Some("12mo".into()),
        features: vec!["sso".into(), "audit".into()],
        plugins: vec!["crm".into()],
        domains: vec!["example.com".into(), "localhost".into()],
        seats,
        caps: BTreeMap::from([("rooms".to_string(), 10)]),
        ..IssueInput::default()
    }
}

pub fn sample_request() -> IssueRequest {
    IssueRequest::try_from(sample_input()).unwrap()
}

/// A change that makes a request invalid.
type Mutation = Box<dyn Fn(&mut IssueInput)>;

both_engines! {
    async fn an_issued_license_is_stored_as_hash_and_snapshot_never_the_token(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(Some("k1"), "test").await.unwrap();
        let issued = backend.issue_license(&sample_request(), "alice").await.unwrap();
        let row = backend.get_license(&issued.license.id).await.unwrap();
        assert_eq!(row.token_sha256, token_sha256(&issued.token));
        assert_eq!(row.kid, "k1");
        assert_eq!(row.customer_email, "Ops@example.com");
        assert_eq!(row.expires_at, None);
        assert_eq!(row.claims, issued.claims);
        let serialized = format!("{row:?}");
        let signature = issued.token.rsplit('.').next().unwrap();
        assert!(!serialized.contains(signature), "the token's signature is stored");
    }

    async fn an_issued_token_verifies_against_the_published_jwks(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(None, "test").await.unwrap();
        let issued = backend.issue_license(&sample_request(), "test").await.unwrap();
        let keys = KeySet::from_jwks(&backend.jwks().await.unwrap()).unwrap();
        let opts = VerifyOptions::at(tessera_backend::now()).audience(tessera_license::ProductKey::parse("studio").unwrap());
        let verified = jws::verify(&issued.token, &keys, &opts).unwrap();
        assert_eq!(verified.claims, issued.claims);
        assert_eq!(verified.claims.exp, None);
        let twelve_months_and_thirty_days = 395 * 86_400;
        let support = verified.claims.lic.support_until.unwrap() - verified.claims.iat;
        assert!((twelve_months_and_thirty_days - 2 * 86_400..=twelve_months_and_thirty_days + 86_400).contains(&support));
        let checked = backend.verify_license_token(&issued.token, Some("studio")).await.unwrap().unwrap();
        assert_eq!(checked.stored_status, Some(LicenseStatus::Active));
        let wrong = backend.verify_license_token(&issued.token, Some("other")).await.unwrap().unwrap_err();
        assert_eq!(wrong.code, "wrong_audience");
        backend.revoke_license(&issued.license.id, "refund", "test").await.unwrap();
        let ended = backend.verify_license_token(&issued.token, Some("studio")).await.unwrap().unwrap_err();
        assert_eq!(ended.code, "revoked");
        assert!(ended.message.ends_with("is revoked"), "{ended}");
    }

    async fn bad_input_is_refused_with_the_field_named_and_nothing_stored(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(None, "test").await.unwrap();
        let cases: Vec<(&str, Mutation)> = vec![
            ("email", Box::new(|r| r.email = "not-an-email".into())),
            ("domain", Box::new(|r| r.domains = vec!["app.example.com".into()])),
            ("product", Box::new(|r| r.product = "Bad Product".into())),
            ("company", Box::new(|r| r.company = "  ".into())),
            ("expires", Box::new(|r| r.expires_at = Some("2030-01-01".into()))),
        ];
        for (field, mutate) in cases {
            let mut input = sample_input();
            mutate(&mut input);
            let err = match IssueRequest::try_from(input) {
                Err(err) => err,
                Ok(req) => backend.issue_license(&req, "test").await.unwrap_err(),
            };
            assert!(matches!(err, Error::Invalid(ref m) if m.starts_with(field)), "{field}: {err}");
        }
        assert_eq!(backend.store().count_licenses().await.unwrap(), 0);
    }

    async fn the_database_refuses_a_word_outside_the_vocabulary(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(None, "test").await.unwrap();
        let id = backend.issue_license(&sample_request(), "test").await.unwrap().license.id;
        for (column, word) in [("status", "expired"), ("tier", "platinum"), ("kind", "forever")] {
            let err = db.try_sql(&format!("UPDATE licenses SET {column} = '{word}' WHERE id = '{id}'")).await.unwrap_err();
            assert!(err.to_string().contains(&format!("licenses_{column}_check")), "{column}: {err}");
        }
        let err = db.try_sql("UPDATE audit_log SET action = 'license.deleted'").await.unwrap_err();
        assert!(err.to_string().contains("audit_log_action_check"), "{err}");
        assert_eq!(backend.get_license(&id).await.unwrap().status, LicenseStatus::Active);
    }

    async fn a_license_too_large_for_one_token_is_refused_before_signing(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(None, "test").await.unwrap();
        let mut input = sample_input();
        input.seats = (0..MAX_ITEMS)
            .map(|p| (format!("plugin{p:02}"), SeatGrant { roles: (0..MAX_ITEMS).map(|r| (format!("role{r:0width$}", width = MAX_NAME - 4), 1)).collect(), pool: None }))
            .collect();
        let err = backend.issue_license(&IssueRequest::try_from(input).unwrap(), "test").await.unwrap_err();
        assert!(matches!(err, Error::Invalid(ref m) if m.contains("too much for one token")), "{err}");
        assert_eq!(backend.store().count_licenses().await.unwrap(), 0);
    }

    async fn claims_no_verifier_would_accept_are_never_signed(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(None, "test").await.unwrap();
        // The request rules refuse a negative cap; signing checks the claims again, so a
        // request changed after it was read cannot get one signed either.
        let mut req = sample_request();
        req.caps.insert("rooms".into(), -1);
        let err = backend.issue_license(&req, "test").await.unwrap_err();
        assert!(matches!(err, Error::Invalid(ref m) if m.starts_with("claims: cap \"rooms\" is negative")), "{err}");
        assert_eq!(backend.store().count_licenses().await.unwrap(), 0);
    }

    async fn issuing_without_an_active_key_says_how_to_fix_it(db: &TestDb) {
        let backend = db.backend().await;
        let err = backend.issue_license(&sample_request(), "test").await.unwrap_err();
        assert!(matches!(err, Error::Conflict(ref m) if m.contains("keys generate")), "{err}");
    }

    async fn a_trial_runs_thirty_days(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(None, "test").await.unwrap();
        let mut req = sample_request();
        req.kind = LicenseKind::Trial;
        let issued = backend.issue_license(&req, "test").await.unwrap();
        assert_eq!(issued.claims.exp, Some(issued.claims.iat + 30 * 86_400));
        assert!(issued.claims.lic.trial);
    }
}
