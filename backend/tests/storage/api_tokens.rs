use tessera_backend::testing::TestDb;
use tessera_backend::Error;
use tessera_license::vocab::Scope;

use tessera_backend::both_engines;

both_engines! {
    async fn an_api_token_authenticates_until_it_is_revoked(db: &TestDb) {
        let backend = db.backend().await;
        let scopes = vec![Scope::LicensesRead];
        let minted = backend.create_api_token("storefront", &scopes, 3600, "test").await.unwrap();
        let principal = backend.authenticate_api_token(&minted.jwt).await.unwrap();
        assert_eq!(principal.scopes.0, scopes);
        assert!(principal.require(Scope::LicensesRead).is_ok());
        assert!(matches!(principal.require(Scope::LicensesWrite), Err(Error::Forbidden)));
        let mut tampered = minted.jwt.clone();
        tampered.push('x');
        assert!(matches!(backend.authenticate_api_token(&tampered).await, Err(Error::Unauthorized)));
        assert!(matches!(backend.authenticate_api_token("a.b.c").await, Err(Error::Unauthorized)));
        backend.revoke_api_token(&minted.record.id, "test").await.unwrap();
        assert!(matches!(backend.authenticate_api_token(&minted.jwt).await, Err(Error::Unauthorized)));
        let listed = backend.list_api_tokens().await.unwrap();
        assert!(listed[0].revoked_at.is_some());
    }

    async fn a_token_without_a_scope_is_refused_naming_the_scopes(db: &TestDb) {
        let backend = db.backend().await;
        let err = backend.create_api_token("x", &[], 3600, "test").await.unwrap_err();
        let every_scope = tessera_license::vocab::spelled(tessera_license::vocab::Scope::ALL);
        assert!(every_scope.starts_with("licenses:read, licenses:write"));
        assert!(matches!(err, Error::Invalid(ref m) if m.contains(&every_scope)), "{err}");
    }

    async fn a_token_minted_under_another_kek_is_refused(db: &TestDb) {
        let minter = db.backend().await;
        let minted = minter.create_api_token("x", &[Scope::LicensesRead], 3600, "test").await.unwrap();
        let other = db.backend().await;
        assert!(matches!(other.authenticate_api_token(&minted.jwt).await, Err(Error::Unauthorized)));
    }
}
