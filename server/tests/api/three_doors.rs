//! The three doors that issue licenses — the issue form, `POST /api/v1/licenses` and
//! `tessera license issue` — read a request by the same rules: the same bad input gets the
//! same refusal from each, and nothing is issued.

use serde_json::{json, Map, Value};
use tessera_backend::auth::Role;

use tessera_license::vocab::Scope;

use crate::helpers::TestApp;
use tessera_backend::both_engines;

/// One request in the fields every door knows. Lists are comma-separated.
#[derive(Clone)]
struct Input {
    fields: Vec<(&'static str, String)>,
}

impl Input {
    fn good() -> Self {
        let fields = [
            ("email", "buyer@example.com"),
            ("company", "Buyer Ltd"),
            ("tier", "pro"),
            ("kind", "trial"),
            ("product", "studio"),
            ("domains", "example.com"),
            ("features", "sso"),
            ("caps", "rooms=10"),
        ];
        Self {
            fields: fields.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        }
    }

    fn with(mut self, name: &'static str, value: &str) -> Self {
        self.fields.retain(|(k, _)| *k != name);
        self.fields.push((name, value.to_string()));
        self
    }

    fn list(value: &str) -> Vec<&str> {
        value
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// The issue form's fields (its expiry field is `expires`).
    fn form(&self) -> Vec<(&'static str, String)> {
        self.fields
            .iter()
            .map(|(k, v)| (if *k == "expires_at" { "expires" } else { *k }, v.clone()))
            .collect()
    }

    /// The REST body: lists as arrays, caps as an object.
    fn json(&self) -> Value {
        let mut body = Map::new();
        for (name, value) in &self.fields {
            let value = match *name {
                "domains" | "features" => json!(Self::list(value)),
                "caps" => Value::Object(
                    Self::list(value)
                        .iter()
                        .map(|c| {
                            let (k, n) = c.split_once('=').unwrap();
                            (k.to_string(), json!(n.parse::<i64>().unwrap()))
                        })
                        .collect(),
                ),
                _ => json!(value),
            };
            body.insert(name.to_string(), value);
        }
        Value::Object(body)
    }

    /// `tessera license issue` arguments: a repeated flag per list item.
    fn args(&self) -> Vec<String> {
        let mut args = vec!["license".to_string(), "issue".to_string()];
        for (name, value) in &self.fields {
            let (flag, items) = match *name {
                "domains" => ("--domain", Self::list(value)),
                "features" => ("--feature", Self::list(value)),
                "caps" => ("--cap", Self::list(value)),
                "expires_at" => ("--expires", vec![value.as_str()]),
                other => {
                    args.push(format!("--{}", other.replace('_', "-")));
                    args.push(value.clone());
                    continue;
                }
            };
            for item in items {
                args.push(flag.to_string());
                args.push(item.to_string());
            }
        }
        args
    }
}

/// The text of the page's refusal (the first `role="alert"` after the heading).
fn alert_text(html: &str) -> String {
    let after = &html[html.find("<h1").unwrap_or(0)..];
    let at = after
        .find(r#"role="alert""#)
        .unwrap_or_else(|| panic!("no refusal on the page: {html}"));
    let text = &after[at..];
    let text = &text[text.find('>').unwrap() + 1..];
    let text = &text[..text.find("</p>").unwrap()];
    text.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

async fn through_the_form(app: &TestApp, cookie: &str, input: &Input) -> (u16, String) {
    let fields = input.form();
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = app.post_form("/licenses/new", cookie, &fields).await;
    let status = page.status().as_u16();
    (status, alert_text(&page.text().await.unwrap()))
}

async fn through_the_api(app: &TestApp, bearer: &str, input: &Input) -> (u16, String) {
    let (status, body) = app
        .api_post("/api/v1/licenses", Some(bearer), &input.json())
        .await;
    assert_eq!(body["error"], "invalid_input", "{body}");
    (status, body["message"].as_str().unwrap().to_string())
}

/// The CLI reads its arguments before it opens a database, so it needs none to refuse.
fn through_the_cli(input: &Input) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(input.args())
        .env("TESSERA_DATA_DIR", dir.path())
        .env(
            "TESSERA_DATABASE_URL",
            format!("sqlite://{}/doors.db", dir.path().display()),
        )
        .env("TESSERA_LOG", "warn")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let message = stderr
        .lines()
        .find_map(|l| l.strip_prefix("error: "))
        .unwrap_or_else(|| panic!("no error line: {stderr}"));
    (out.status.success(), message.to_string())
}

both_engines! {
    async fn the_same_bad_input_gets_the_same_refusal_from_every_door(app: &TestApp) {
        let operator = app.cookie_for(Role::Operator).await;
        let bearer = app.api_token(&[Scope::LicensesWrite]).await;
        let long = "f".repeat(65);
        let cases = [
            Input::good().with("domains", ""),
            Input::good().with("domains", "app.example.com"),
            Input::good().with("tier", "platinum"),
            Input::good().with("kind", "forever"),
            Input::good().with("email", "nobody"),
            Input::good().with("company", "  "),
            Input::good().with("product", "Bad Product"),
            Input::good().with("caps", "rooms=-1"),
            Input::good().with("expires_at", "soon"),
            Input::good().with("features", &long),
            Input::good().with("support_period", "12"),
        ];
        for input in &cases {
            let (form_status, form) = through_the_form(app, &operator, input).await;
            let (api_status, api) = through_the_api(app, &bearer, input).await;
            let (cli_ok, cli) = through_the_cli(input);
            assert_eq!((form_status, api_status, cli_ok), (422, 422, false), "{:?}", input.fields);
            assert_eq!(form, api, "form and API differ for {:?}", input.fields);
            assert_eq!(cli, api, "CLI and API differ for {:?}", input.fields);
            let field = api.split(':').next().unwrap();
            assert!(input.fields.iter().any(|(k, _)| k.starts_with(field)) || field == "expires", "{api} names no field");
        }
        assert_eq!(app.backend.count_licenses().await.unwrap(), 0, "nothing was issued");
    }
}
