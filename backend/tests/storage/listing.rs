use tessera_backend::licenses::IssueRequest;
use tessera_backend::store::{LicenseQuery, LicenseSort, StatusFilter};
use tessera_backend::testing::TestDb;
use tessera_backend::Backend;
use tessera_license::claims::{LicenseKind, Tier};

use crate::licenses::sample_request;
use tessera_backend::both_engines;

async fn issue(
    backend: &Backend,
    email: &str,
    company: &str,
    tier: Tier,
    f: impl Fn(&mut IssueRequest),
) -> String {
    let mut req = sample_request();
    req.email = tessera_license::Email::parse(email).unwrap();
    req.company = company.into();
    req.tier = tier;
    f(&mut req);
    backend
        .issue_license(&req, "test")
        .await
        .unwrap()
        .license
        .id
}

both_engines! {
    async fn search_filters_and_keyset_pages_find_every_license_once(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(None, "test").await.unwrap();
        let mut ids = Vec::new();
        for i in 0..7 {
            let company = format!("Company {i}");
            ids.push(issue(&backend, &format!("c{i}@example.com"), &company, Tier::Pro, |_| {}).await);
        }
        let acme = issue(&backend, "boss@acme.example.com", "ACME Hotels", Tier::Enterprise, |r| {
            r.tax_id = Some("ESB1234".into());
            r.niches = vec!["hotels".into()];
        }).await;
        backend.revoke_license(&ids[0], "fraud", "test").await.unwrap();

        let mut seen = Vec::new();
        let mut query = LicenseQuery { limit: 3, ..LicenseQuery::default() };
        loop {
            let page = backend.list_licenses(query.clone()).await.unwrap();
            assert_eq!(page.total, 8);
            seen.extend(page.rows.iter().map(|r| r.id.clone()));
            match page.next {
                Some(next) => query.after = Some(next),
                None => break,
            }
        }
        let mut expected = ids.clone();
        expected.push(acme.clone());
        let mut sorted_seen = seen.clone();
        sorted_seen.sort();
        expected.sort();
        assert_eq!(sorted_seen, expected, "every license exactly once");

        let find = |q: LicenseQuery| { let b = backend.clone(); async move { b.list_licenses(q).await.unwrap() } };
        for term in ["acme", "BOSS@", "esb12", acme.as_str()] {
            let page = find(LicenseQuery { search: Some(term.into()), ..LicenseQuery::default() }).await;
            assert_eq!(page.rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), vec![acme.clone()], "{term}");
        }
        let revoked = find(LicenseQuery { status: Some(StatusFilter::Revoked), ..LicenseQuery::default() }).await;
        assert_eq!((revoked.total, revoked.rows[0].id.clone()), (1, ids[0].clone()));
        let active = find(LicenseQuery { status: Some(StatusFilter::Active), ..LicenseQuery::default() }).await;
        assert_eq!(active.total, 7);
        let tier = find(LicenseQuery { tier: Some(Tier::Enterprise), ..LicenseQuery::default() }).await;
        assert_eq!(tier.total, 1);
        let niche = find(LicenseQuery { niche: Some("hotels".into()), ..LicenseQuery::default() }).await;
        assert_eq!(niche.total, 1);
        let by_company = find(LicenseQuery { sort: LicenseSort::Company, limit: 1, ..LicenseQuery::default() }).await;
        assert_eq!(by_company.rows[0].company, "ACME Hotels");
        let kind = find(LicenseQuery { kind: Some(LicenseKind::Trial), ..LicenseQuery::default() }).await;
        assert_eq!(kind.total, 0);
    }

    async fn counts_stop_at_the_cap_and_say_so(db: &TestDb) {
        use tessera_backend::store::COUNT_CAP;
        let backend = db.backend().await;
        backend.generate_key(None, "test").await.unwrap();
        let cap = usize::try_from(COUNT_CAP).unwrap();
        for i in 0..cap {
            issue(&backend, &format!("c{i}@example.com"), "Many Ltd", Tier::Pro, |_| {}).await;
        }
        let exact = backend.list_licenses(LicenseQuery::default()).await.unwrap();
        assert_eq!((exact.total, exact.total_capped), (COUNT_CAP, false), "exactly the cap is still exact");
        issue(&backend, "one-more@example.com", "Many Ltd", Tier::Pro, |_| {}).await;
        let capped = backend.list_licenses(LicenseQuery::default()).await.unwrap();
        assert_eq!((capped.total, capped.total_capped), (COUNT_CAP, true));
        let narrow = backend
            .list_licenses(LicenseQuery { search: Some("one-more".into()), ..LicenseQuery::default() })
            .await
            .unwrap();
        assert_eq!((narrow.total, narrow.total_capped), (1, false), "a filter under the cap counts exactly");
    }
}
