//! `TestApp::spawn`: the whole server on 127.0.0.1:0 over a fresh database, first-start
//! bootstrap included, and an HTTP client that does not follow redirects.

use secrecy::ExposeSecret as _;
use tessera_backend::auth::Role;
use tessera_backend::testing::{Engine, TestDb};
use tessera_backend::Backend;
use tessera_server::web::{self, AppState};

#[derive(Debug)]
pub struct TestApp {
    pub base: String,
    pub backend: Backend,
    pub admin_email: String,
    pub admin_password: String,
    _db: TestDb,
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
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
        let db = TestDb::new(engine).await;
        let mut config = db.config();
        configure(&mut config);
        let backend = db.backend_with(config).await;
        let boot = backend.bootstrap().await.unwrap();
        let (admin_email, password) = boot.admin.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let leptos = web::leptos_options(backend.config(), addr);
        let app = web::router(AppState {
            backend: backend.clone(),
            leptos,
        });
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
            _db: db,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Signs in through the form and returns the `Cookie` header value to send.
    pub async fn sign_in(&self, email: &str, password: &str) -> String {
        let response = client()
            .post(self.url("/auth/login"))
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], "/");
        let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
        set_cookie.split(';').next().unwrap().to_string()
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
    tessera_backend::licenses::IssueRequest {
        email: "buyer@example.com".into(),
        company: "Buyer Ltd".into(),
        tax_id: None,
        tier: tessera_license::claims::Tier::Starter,
        kind: tessera_license::claims::LicenseKind::Perpetual,
        product: "studio".into(),
        plan: None,
        expires_at: None,
        support_period: None,
        features: vec![],
        plugins: vec![],
        themes: vec![],
        niches: vec![],
        domains: vec!["example.com".into()],
        seats: Default::default(),
        node_lock: None,
        caps: Default::default(),
        early_adopter: false,
        send_email: false,
    }
}
