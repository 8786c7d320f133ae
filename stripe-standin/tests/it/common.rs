//! What the tests share: a started stand-in with a webhook receiver, Stripe calls with a
//! key, a browser that does not follow redirects, and a catalog to sell from.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use tessera_stripe_standin::StandIn;

/// The secret the stand-in signs the receiver's events with.
pub const SECRET: &str = "whsec_test_receiver_secret";
pub const SUCCESS_URL: &str = "https://app.example/thanks?session={CHECKOUT_SESSION_ID}";

/// One POST a receiver got.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub signature: String,
    pub content_type: String,
    pub body: String,
}

impl Delivery {
    pub fn event(&self) -> Value {
        serde_json::from_str(&self.body).expect("an event is JSON")
    }

    pub fn kind(&self) -> String {
        self.event()["type"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Whether `Stripe-Signature` is `secret`'s HMAC-SHA256 of `"{t}.{body}"`, made within
    /// the last five minutes: what a webhook handler checks.
    pub fn signed_with(&self, secret: &str) -> bool {
        let mut t = None;
        let mut v1 = None;
        for part in self.signature.split(',') {
            match part.split_once('=') {
                Some(("t", value)) => t = value.parse::<i64>().ok(),
                Some(("v1", value)) => v1 = hex::decode(value).ok(),
                _ => {}
            }
        }
        let (Some(t), Some(v1)) = (t, v1) else {
            return false;
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{t}.{}", self.body).as_bytes());
        (now - t).abs() <= 300 && mac.verify_slice(&v1).is_ok()
    }
}

/// A webhook receiver: a tiny server that keeps what it is sent and answers `status`.
#[derive(Debug, Clone)]
pub struct Receiver {
    pub url: String,
    got: Arc<Mutex<Vec<Delivery>>>,
    status: Arc<AtomicU16>,
}

impl Receiver {
    pub async fn start() -> Self {
        let got = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(AtomicU16::new(200));
        let (kept, answer) = (got.clone(), status.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| async move {
                let header = |name: &str| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string()
                };
                kept.lock().unwrap().push(Delivery {
                    signature: header("stripe-signature"),
                    content_type: header("content-type"),
                    body,
                });
                StatusCode::from_u16(answer.load(Ordering::SeqCst)).unwrap()
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, got, status }
    }

    /// Answers `status` from now on.
    pub fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    pub fn got(&self) -> Vec<Delivery> {
        self.got.lock().unwrap().clone()
    }

    /// What it got once it has `count` deliveries (or after ten seconds).
    pub async fn wait_for(&self, count: usize) -> Vec<Delivery> {
        for _ in 0..500 {
            if self.got().len() >= count {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.got()
    }

    /// The types of what it got, in order.
    pub fn kinds(&self) -> Vec<String> {
        self.got().iter().map(Delivery::kind).collect()
    }
}

/// A stand-in sending its events to a receiver.
#[derive(Debug)]
pub struct Setup {
    pub standin: StandIn,
    pub base: String,
    pub hook: Receiver,
    pub http: reqwest::Client,
}

pub async fn start() -> Setup {
    let hook = Receiver::start().await;
    let standin = StandIn::default().webhook(&hook.url, SECRET);
    let base = standin.spawn().await.unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Setup {
        standin,
        base,
        hook,
        http,
    }
}

impl Setup {
    /// An async-stripe client of this stand-in.
    pub fn client(&self) -> stripe::Client {
        stripe::ClientBuilder::new("sk_test_standin")
            .url(self.base.clone())
            .build()
            .unwrap()
    }

    /// `POST path` with a form, as Stripe is called: the status and the answer.
    pub async fn call(&self, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let answer = self
            .http
            .post(format!("{}{}", self.base, path.trim_start_matches('/')))
            .bearer_auth("sk_test_standin")
            .form(form)
            .send()
            .await
            .unwrap();
        let status = answer.status().as_u16();
        (status, answer.json().await.unwrap_or(Value::Null))
    }

    /// `POST path` that must succeed.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Value {
        let (status, answer) = self.call(path, form).await;
        assert_eq!(status, 200, "POST {path}: {answer}");
        answer
    }

    /// `GET path` (with the key): the status and the answer.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let answer = self
            .http
            .get(format!("{}{}", self.base, path.trim_start_matches('/')))
            .bearer_auth("sk_test_standin")
            .send()
            .await
            .unwrap();
        let status = answer.status().as_u16();
        (status, answer.json().await.unwrap_or(Value::Null))
    }

    /// A browser's (or a test's) `POST` without key or body: the status, `Location` and text.
    pub async fn press(&self, path: &str) -> (u16, String, String) {
        let answer = self
            .http
            .post(format!("{}{}", self.base, path.trim_start_matches('/')))
            .header("content-type", "application/x-www-form-urlencoded")
            .send()
            .await
            .unwrap();
        let status = answer.status().as_u16();
        let location = answer
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default()
            .to_string();
        (status, location, answer.text().await.unwrap())
    }

    /// A product `name` with a price of `amount` EUR cents (every `interval`, if given).
    pub async fn price(&self, name: &str, amount: &str, interval: Option<&str>) -> String {
        let product = self.post("/v1/products", &[("name", name)]).await;
        let product = product["id"].as_str().unwrap();
        let mut form = vec![
            ("product", product),
            ("currency", "eur"),
            ("unit_amount", amount),
        ];
        if let Some(interval) = interval {
            form.push(("recurring[interval]", interval));
        }
        let price = self.post("/v1/prices", &form).await;
        price["id"].as_str().unwrap().to_string()
    }

    /// An open session of `mode` for `quantity` of `price`, paid for by `email`.
    pub async fn session(&self, mode: &str, price: &str, quantity: &str, email: &str) -> Value {
        let form = [
            ("mode", mode),
            ("line_items[0][price]", price),
            ("line_items[0][quantity]", quantity),
            ("customer_email", email),
            ("client_reference_id", "order-7"),
            ("metadata[order]", "7"),
            ("subscription_data[metadata][license]", "lic-7"),
            ("success_url", SUCCESS_URL),
            ("cancel_url", "https://app.example/cancelled"),
        ];
        let form: Vec<_> = form
            .into_iter()
            .filter(|(k, _)| mode == "subscription" || !k.starts_with("subscription_data"))
            .collect();
        self.post("/v1/checkout/sessions", &form).await
    }

    /// A monthly subscription of 49 EUR, paid through the hosted page, its three events
    /// received; answers the completed session.
    pub async fn subscribed(&self) -> Value {
        let price = self.price("Acme Chat", "4900", Some("month")).await;
        let session = self
            .session("subscription", &price, "1", "ada@example.com")
            .await;
        let id = session["id"].as_str().unwrap();
        let (status, _, _) = self.press(&format!("/pay/{id}/pay")).await;
        assert_eq!(status, 303);
        assert_eq!(self.hook.wait_for(3).await.len(), 3);
        self.get(&format!("/v1/checkout/sessions/{id}")).await.1
    }
}
