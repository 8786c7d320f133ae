//! A customer's browser for tests: it opens `/signin` (getting its sign-in cookie), asks for
//! a link, and uses the link the way the mailed page would. Links are read from the SMTP
//! server's mailbox, or from the `.eml` files the file mailer writes.

use tessera_backend::store::OrgRow;

use crate::helpers::{client, csrf_in, TestApp};

/// A browser's sign-in cookie (`name=value`) and the form token its `/signin` page carried.
pub(crate) struct Browser {
    pub cookie: String,
    pub csrf: String,
}

/// Opens `/signin` in a fresh browser.
pub(crate) async fn open_signin(app: &TestApp) -> Browser {
    let page = client().get(app.url("/signin")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let cookie = page.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_string();
    let csrf = csrf_in(&page.text().await.unwrap()).expect("the sign-in page has a form token");
    Browser { cookie, csrf }
}

/// Asks for a link for `email` from `browser`; answers where it sent the browser.
pub(crate) async fn ask_link(app: &TestApp, browser: &Browser, email: &str) -> String {
    let answer = client()
        .post(app.url("/auth/signin-link"))
        .header("cookie", &browser.cookie)
        .form(&[("email", email), ("csrf", &browser.csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 303, "{:?}", answer.text().await);
    answer.headers()["location"].to_str().unwrap().to_string()
}

/// The link's secret in a message (`…/signin/link?token=SECRET`).
pub(crate) fn token_in(message: &str) -> Option<String> {
    let at = message.find("/signin/link?token=")? + "/signin/link?token=".len();
    let token: String = message[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    Some(token)
}

/// Presses "Continue" on the link's page in the browser with `cookie` (none: a browser
/// without one); answers the redirect and the customer cookie it set, if any.
pub(crate) async fn redeem(
    app: &TestApp,
    cookie: Option<&str>,
    token: &str,
) -> (String, Option<String>) {
    let mut request = client().post(app.url("/auth/signin"));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let answer = request.form(&[("token", token)]).send().await.unwrap();
    assert_eq!(answer.status(), 303);
    let location = answer.headers()["location"].to_str().unwrap().to_string();
    let session = answer
        .headers()
        .get("set-cookie")
        .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_string());
    (location, session)
}

/// The newest sign-in link mailed to `email` by the file mailer.
pub(crate) fn mailed_link(app: &TestApp, email: &str) -> String {
    let dir = app.backend.config().data_dir.join("mail");
    let mut found: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let path = e.ok()?.path();
            let text = tessera_backend::testing::unfold(&std::fs::read_to_string(&path).ok()?);
            let modified = std::fs::metadata(&path).ok()?.modified().ok()?;
            (text.contains(&format!("To: {email}")))
                .then(|| token_in(&text))
                .flatten()
                .map(|t| (modified, t))
        })
        .collect();
    found.sort();
    found.pop().expect("a sign-in link was mailed").1
}

/// Signs `email` in as a customer through the whole flow; the customer cookie to send.
pub(crate) async fn customer_cookie(app: &TestApp, email: &str) -> String {
    let browser = open_signin(app).await;
    assert_eq!(ask_link(app, &browser, email).await, "/signin?sent=1");
    let token = mailed_link(app, email);
    let (location, session) = redeem(app, Some(&browser.cookie), &token).await;
    assert_eq!(location, "/billing");
    session.expect("a customer session cookie")
}

/// An org named `name` owned by `owner`, made by staff.
pub(crate) async fn org(app: &TestApp, name: &str, owner: &str) -> OrgRow {
    app.backend
        .create_org(name, None, owner, "test")
        .await
        .unwrap()
}

/// The example catalog (product `chat` offers a 14-day trial with a 90-day cooldown).
pub(crate) async fn example_catalog(app: &TestApp) {
    let catalog = tessera_backend::catalog::CatalogSpec::from_yaml(include_str!(
        "../../../docs/catalog.example.yaml"
    ))
    .unwrap();
    app.backend
        .apply_catalog(catalog, "test", false)
        .await
        .unwrap();
}

/// Gets `path` with `cookie`; the status and the body (or where it redirects).
pub(crate) async fn get(app: &TestApp, path: &str, cookie: &str) -> (u16, String) {
    let answer = client()
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    match answer.headers().get("location") {
        Some(to) => (status, to.to_str().unwrap().to_string()),
        None => (status, answer.text().await.unwrap()),
    }
}

const PYJWT_VERIFY: &str = r#"
import json, sys, jwt
jwks = json.loads(sys.stdin.read())
token, audience = sys.argv[1], sys.argv[2]
kid = jwt.get_unverified_header(token)["kid"]
key = jwt.PyJWKSet.from_dict(jwks)[kid]
print(json.dumps(jwt.decode(token, key=key, algorithms=["EdDSA"], audience=audience)))
"#;

/// `token`'s claims as PyJWT reads them, verified against the server's JWKS for `audience`.
pub(crate) async fn pyjwt_decode(app: &TestApp, token: &str, audience: &str) -> serde_json::Value {
    use std::io::Write as _;
    let jwks = client()
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut child = std::process::Command::new("python3")
        .args(["-c", PYJWT_VERIFY, token, audience])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(jwks.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "PyJWT refused the token (`make test` installs PyJWT):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
