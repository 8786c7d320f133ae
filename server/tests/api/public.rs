use tessera_license::keys::{Jwks, KeySet};

use crate::helpers::{client, sample_license, TestApp};
use tessera_backend::both_engines;

both_engines! {
    async fn health_answers_with_the_database_engine(app: &TestApp) {
        let response = client().get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["status"], "ok");
        assert_eq!(body["database"], app.backend.store().backend_name());
    }

    async fn the_jwks_publishes_the_key_that_signs(app: &TestApp) {
        let response = client().get(app.url("/.well-known/jwks.json")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let jwks: Jwks = response.json().await.unwrap();
        assert_eq!(jwks.keys.len(), 1);
        let key = &jwks.keys[0];
        assert_eq!((key.kty.as_str(), key.crv.as_str(), key.alg.as_str(), key.use_.as_str()), ("OKP", "Ed25519", "EdDSA", "sig"));
        let issued = app.backend.issue_license(&sample_license(), "test").await.unwrap();
        let keys = KeySet::from_jwks(&jwks).unwrap();
        let opts = tessera_license::jws::VerifyOptions::at(tessera_backend::now());
        let verified = tessera_license::jws::verify(&issued.token, &keys, &opts).unwrap();
        assert_eq!(verified.kid.unwrap().as_ref(), key.kid);
    }
}
