//! Tokens cross the boundary both ways with PyJWT, an independent JOSE implementation.

use super::*;

const PYJWT_VERIFY: &str = r#"
import json, sys, jwt
jwks = json.load(open(sys.argv[1]))
token = sys.argv[2]
kid = jwt.get_unverified_header(token)["kid"]
key = jwt.PyJWKSet.from_dict(jwks)[kid]
claims = jwt.decode(token, key=key, algorithms=["EdDSA"], audience="studio")
print(json.dumps(claims))
"#;

const PYJWT_SIGN: &str = r#"
import sys, time, jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
key = Ed25519PrivateKey.generate()
open(sys.argv[1], "wb").write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
open(sys.argv[2], "wb").write(key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
now = int(time.time())
claims = {
    "iss": "https://vendor.example.com", "sub": "lic_01JABCDEFGHJKMNPQRSTVWXYZ0", "aud": "studio",
    "iat": now, "nbf": now, "exp": now + 3600, "jti": "py-1",
    "lic": {"tier": "growth", "kind": "subscription", "features": ["sso"], "domains": ["example.org"],
            "customer": {"email": "py@example.org", "company": "Py Corp"}},
}
print(jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": "py1"}))
"#;

fn python(script: &str, args: &[&str]) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "python failed (is PyJWT installed? `make test` installs it):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[tokio::test]
async fn pyjwt_verifies_a_token_issued_by_the_cli() {
    let cli = Cli::new(Engine::Sqlite).await;
    cli.ok(&["keys", "generate", "--kid", "vendor-1"]);
    let issued = cli.ok(&[
        "license",
        "issue",
        "--email",
        "ops@example.com",
        "--company",
        "Example S.L.",
        "--tier",
        "enterprise",
        "--product",
        "studio",
        "--domain",
        "example.com",
        "--kind",
        "trial",
    ]);
    let token = issued.lines().last().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let jwks = dir.path().join("jwks.json");
    std::fs::write(&jwks, cli.ok(&["keys", "jwks"])).unwrap();
    let claims: serde_json::Value =
        serde_json::from_str(&python(PYJWT_VERIFY, &[jwks.to_str().unwrap(), token])).unwrap();
    assert_eq!(claims["aud"], "studio");
    assert_eq!(claims["lic"]["tier"], "enterprise");
    assert_eq!(claims["lic"]["customer"]["email"], "ops@example.com");
}

#[tokio::test]
async fn the_cli_verifies_a_token_made_by_pyjwt() {
    let cli = Cli::new(Engine::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let private = dir.path().join("py.pem");
    let public = dir.path().join("py.pub.pem");
    let token = python(
        PYJWT_SIGN,
        &[private.to_str().unwrap(), public.to_str().unwrap()],
    );

    let offline = cli.ok(&[
        "license",
        "verify",
        &token,
        "--key",
        public.to_str().unwrap(),
        "--aud",
        "studio",
    ]);
    assert!(
        offline.contains("lic_01JABCDEFGHJKMNPQRSTVWXYZ0") && offline.contains("Py Corp"),
        "{offline}"
    );

    let imported = cli.ok(&[
        "keys",
        "import",
        "--pem",
        private.to_str().unwrap(),
        "--kid",
        "py1",
    ]);
    assert!(imported.contains("py1\tactive\tsigning"), "{imported}");
    cli.ok(&["license", "verify", &token]);
}
