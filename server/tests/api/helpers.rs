//! `TestApp::spawn`: the whole server on 127.0.0.1:0 over a fresh database, first-start
//! bootstrap included, and an HTTP client that does not follow redirects.

use secrecy::ExposeSecret as _;
use tessera_backend::auth::Role;
use tessera_backend::testing::{Engine, TestDb};
use tessera_backend::Backend;
use tessera_server::web::{self, AppState};

/// One test server at a time in this process. With several in-process servers rendering pages
/// side by side (never the case in `tessera serve`), about one test run in three had a page
/// render that never finished; one server alone finished every render of thousands, in the
/// tests and against the real binary. The cause (some process-wide state shared by the
/// servers) is not found yet.
static ONE_SERVER_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[derive(Debug)]
pub struct TestApp {
    pub base: String,
    pub backend: Backend,
    pub admin_email: String,
    pub admin_password: String,
    pub db: TestDb,
    _alone: tokio::sync::MutexGuard<'static, ()>,
}

/// The origin the test servers are configured with (the default public URL): browsers send
/// it on every form post and `fetch`, and the server refuses changes from any other.
pub const ORIGIN: &str = "http://127.0.0.1:3000";

/// A client that does not follow redirects and sends `Origin` as a browser on the Studio's
/// own pages would.
pub fn client() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("origin", ORIGIN.parse().unwrap());
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        // A request that hangs fails its test with the request named, instead of hanging CI.
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap()
}

/// A client that sends no `Origin` (a script, or a site whose browser hides it).
pub fn bare_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap()
}

/// The value of the hidden `csrf` field in a page's HTML.
pub fn csrf_in(html: &str) -> Option<String> {
    let at = html.find(r#"name="csrf""#)?;
    let tag_start = html[..at].rfind('<')?;
    let tag_end = at + html[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let value = tag.split(r#"value=""#).nth(1)?;
    Some(value[..value.find('"')?].to_string())
}

impl tessera_backend::testing::Fixture for TestApp {
    fn start(engine: Engine) -> impl std::future::Future<Output = Self> {
        Self::spawn(engine)
    }
}

impl TestApp {
    pub async fn spawn(engine: Engine) -> Self {
        Self::spawn_with(engine, |_| {}).await
    }

    /// A server whose configuration `configure` adjusted.
    pub async fn spawn_with(
        engine: Engine,
        configure: impl FnOnce(&mut tessera_backend::Config),
    ) -> Self {
        let alone = ONE_SERVER_AT_A_TIME.lock().await;
        let db = TestDb::new(engine).await;
        let mut config = db.config();
        configure(&mut config);
        let backend = db.backend_with(config).await;
        let boot = backend.bootstrap().await.unwrap();
        let tessera_backend::bootstrap::FirstAdmin {
            email: admin_email,
            password: first_password,
        } = boot.admin.unwrap();
        // The first administrator must replace its generated password before anything else;
        // tests start from an administrator who has (tests/api/accounts.rs covers the first
        // sign-in itself).
        let ip = std::net::IpAddr::from([127, 0, 0, 1]);
        let first = backend
            .login(&admin_email, &first_password, ip)
            .await
            .unwrap();
        assert!(first.user.must_change_password);
        let password =
            secrecy::SecretString::from("the administrator's own passphrase".to_string());
        backend
            .change_own_password(&first.user, &first_password, &password, None, ip)
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let leptos = web::leptos_options(backend.config(), addr);
        let app = web::router(AppState::new(backend.clone(), leptos));
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
            .unwrap();
        });
        Self {
            base: format!("http://{addr}"),
            backend,
            admin_email,
            admin_password: password.expose_secret().to_string(),
            db,
            _alone: alone,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The engine this server's database runs on.
    pub fn engine(&self) -> Engine {
        match self.backend.store().backend_name() {
            "postgres" => Engine::Postgres,
            _ => Engine::Sqlite,
        }
    }

    /// This server's published keys in a file, as a deployment pins them.
    pub async fn pinned_keys(&self) -> tempfile::NamedTempFile {
        let jwks = tempfile::NamedTempFile::new().unwrap();
        let published = self.backend.jwks().await.unwrap();
        std::fs::write(jwks.path(), serde_json::to_string(&published).unwrap()).unwrap();
        jwks
    }

    /// A self-hosted install of this vendor's `product` (not served): its own database on the
    /// same engine, this server's keys pinned, heartbeating to this server. The database and
    /// the key file live as long as the install needs them.
    pub async fn install_of(&self, product: &str) -> (TestDb, Backend, tempfile::NamedTempFile) {
        let jwks = self.pinned_keys().await;
        let db = TestDb::new(self.engine()).await;
        let config = tessera_backend::Config {
            mode: tessera_backend::config::Mode::SelfHost,
            vendor_jwks: Some(jwks.path().to_path_buf()),
            vendor_url: Some(self.base.clone()),
            product: Some(product.into()),
            ..db.config()
        };
        let install = db.backend_with(config).await;
        (db, install, jwks)
    }

    /// Opens the sign-in page as a browser would: its form cookie (`name=value`) and the
    /// form token in its HTML.
    pub async fn login_form(&self) -> (String, String) {
        let page = client().get(self.url("/login")).send().await.unwrap();
        let cookie = page.headers()["set-cookie"].to_str().unwrap();
        let cookie = cookie.split(';').next().unwrap().to_string();
        let token = csrf_in(&page.text().await.unwrap()).expect("the sign-in form has a token");
        (cookie, token)
    }

    /// Posts the sign-in form with its cookie and token.
    pub async fn post_login(&self, email: &str, password: &str) -> reqwest::Response {
        let (cookie, token) = self.login_form().await;
        client()
            .post(self.url("/auth/login"))
            .header("cookie", cookie)
            .form(&[("email", email), ("password", password), ("csrf", &token)])
            .send()
            .await
            .unwrap()
    }

    /// Signs in through the form and returns the `Cookie` header value to send.
    pub async fn sign_in(&self, email: &str, password: &str) -> String {
        let response = self.post_login(email, password).await;
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], "/");
        let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
        set_cookie.split(';').next().unwrap().to_string()
    }

    /// The form token that goes with a session cookie (`name=value`), as its pages carry it.
    pub fn csrf(&self, cookie: &str) -> String {
        let value = cookie.split_once('=').map_or(cookie, |(_, v)| v);
        self.backend.form_token(value).0
    }

    /// Posts a form as the Studio's own page would: same origin, with the session's token.
    pub async fn post_form(
        &self,
        path: &str,
        cookie: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let token = self.csrf(cookie);
        let mut fields = fields.to_vec();
        fields.push(("csrf", &token));
        client()
            .post(self.url(path))
            .header("cookie", cookie)
            .form(&fields)
            .send()
            .await
            .unwrap()
    }

    /// A signed-in cookie for a new user of `role`.
    pub async fn cookie_for(&self, role: Role) -> String {
        let email = format!("{}@example.com", role.as_str());
        let password = "a long enough passphrase";
        self.backend
            .create_user(&email, role, Some(password.to_string().into()), "test")
            .await
            .unwrap();
        self.sign_in(&email, password).await
    }
}

/// A plain perpetual license for example.com.
pub fn sample_license() -> tessera_backend::licenses::IssueRequest {
    tessera_backend::licenses::IssueInput {
        email: "buyer@example.com".into(),
        company: "Buyer Ltd".into(),
        tier: "starter".into(),
        product: "studio".into(),
        domains: vec!["example.com".into()],
        ..Default::default()
    }
    .try_into()
    .unwrap()
}

/// The REST API, one helper per way of calling it.
impl TestApp {
    /// A bearer token for the internal API with `scopes`.
    pub async fn api_token(&self, scopes: &[tessera_license::vocab::Scope]) -> String {
        self.backend
            .create_api_token("test", scopes, 3600, "test")
            .await
            .unwrap()
            .jwt
    }

    /// `POST` a JSON body to an API path, with a bearer token if given: the status and the
    /// answer's JSON (`null` when it is not JSON).
    pub async fn api_post(
        &self,
        path: &str,
        bearer: Option<&str>,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let (status, text) = self.api_post_text(path, bearer, body).await;
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }

    /// Like [`TestApp::api_post`], with the answer as sent (for snapshots).
    pub async fn api_post_text(
        &self,
        path: &str,
        bearer: Option<&str>,
        body: &serde_json::Value,
    ) -> (u16, String) {
        let mut request = client().post(self.url(path)).json(body);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// `GET` an API path with a bearer token: the status and the answer as sent.
    pub async fn api_get(&self, path: &str, bearer: &str) -> (u16, String) {
        let response = client()
            .get(self.url(path))
            .bearer_auth(bearer)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }
}

impl TestApp {
    /// Any method to an API path with a bearer token and an optional JSON body: the status
    /// and the answer's JSON (`null` when it is not JSON).
    pub async fn api_call(
        &self,
        method: reqwest::Method,
        path: &str,
        bearer: &str,
        body: Option<&serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut request = client().request(method, self.url(path)).bearer_auth(bearer);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }
}

/// A self-hosted server (`mode: self-host`) pinning a test vendor's keys.
#[derive(Debug)]
pub struct SelfHostApp {
    pub app: TestApp,
    pub vendor: tessera_backend::testing::TestVendor,
}

impl tessera_backend::testing::Fixture for SelfHostApp {
    async fn start(engine: Engine) -> Self {
        let vendor = tessera_backend::testing::TestVendor::new();
        let jwks = vendor.jwks_path.clone();
        let app = TestApp::spawn_with(engine, move |config| {
            config.mode = tessera_backend::config::Mode::SelfHost;
            config.vendor_jwks = Some(jwks);
            config.product = Some("tessera".into());
            config.fingerprint = Some("fp-test-deployment".into());
        })
        .await;
        Self { app, vendor }
    }
}
