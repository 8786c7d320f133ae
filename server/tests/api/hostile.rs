//! Hostile input: malformed ids, bodies and query strings sent to every route of the
//! authorisation table, signed in as the administrator (past every role and CSRF check, so the
//! handlers themselves see the input). Every request gets an answer below 500: no dropped
//! connection, no panic behind a catch-all 500.

use crate::authz::{BEARER_ONLY, FORM, JSON, ROUTES};
use crate::helpers::{client, TestApp};
use tessera_backend::both_engines;

/// Replacements for the ids in a route's path (already percent-encoded where needed).
const BAD_IDS: &[&str] = &[
    "a%20b%3C",
    "%00",
    "%FF%FE",
    "..%2F..%2Fetc%2Fpasswd",
    "lic_%E2%80%AE",
    "%F0%9F%92%A3",
    "-1",
    "lic_7ZZZZZZZZZZZZZZZZZZZZZZZZZ",
];

const BAD_QUERIES: &[&str] = &[
    "?%ZZ",
    "?q=%00",
    "?limit=-1&before=x",
    "?status=%3Cscript%3E",
    "?q=%FF",
];

fn bad_bodies(content_type: &str) -> Vec<Vec<u8>> {
    let mut bodies = vec![
        b"\0\0\0".to_vec(),
        vec![0xFF, 0xFE, 0x00],
        b"%ZZ=%ZZ&&==".to_vec(),
    ];
    if content_type == JSON {
        bodies.push(br#"{"params":[null, {"a": "\u0000"}]}"#.to_vec());
        bodies.push(b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[".to_vec());
    }
    // Past the 2 MB body limit.
    bodies.push(vec![b'a'; 3 * 1024 * 1024]);
    bodies
}

fn with_ids(path: &str, id: &str) -> String {
    path.replace("lic_missing", id)
        .replace("/keys/missing/", &format!("/keys/{id}/"))
}

async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    cookie: &str,
    bearer: Option<&str>,
    body: Option<(&str, Vec<u8>)>,
) -> Result<u16, String> {
    let mut request = client()
        .request(method.parse().unwrap(), app.url(path))
        .header("cookie", cookie);
    if let Some(bearer) = bearer {
        request = request.bearer_auth(bearer);
    }
    if let Some((content_type, mut body)) = body {
        if content_type == FORM && body.len() < 1024 {
            body.extend_from_slice(format!("&csrf={}", app.csrf(cookie)).as_bytes());
        }
        request = request.header("content-type", content_type).body(body);
    }
    match request.send().await {
        Ok(response) if response.status().as_u16() >= 500 => {
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            Err(format!(
                "{method} {path}: {status} {}",
                body.chars().take(200).collect::<String>()
            ))
        }
        Ok(response) => Ok(response.status().as_u16()),
        Err(err) => Err(format!("{method} {path}: no answer ({err})")),
    }
}

both_engines! {
    async fn no_input_drops_a_connection_or_answers_500(app: &TestApp) {
        let admin = app.sign_in(&app.admin_email, &app.admin_password).await;
        let scopes = [tessera_license::vocab::Scope::LicensesRead, tessera_license::vocab::Scope::LicensesWrite];
        let bearer = app.backend.create_api_token("hostile", &scopes, 3600, "test").await.unwrap().jwt;
        // Signing out everywhere would end the session the rest of the test needs.
        let routes = ROUTES.iter().filter(|(_, p, ..)| !p.contains("sign-out-everywhere")).map(|(m, p, b, _)| (*m, *p, *b, None))
            .chain(BEARER_ONLY.iter().map(|(m, p, b)| (*m, *p, *b, Some(bearer.as_str()))));
        let mut wrong = Vec::new();
        for (method, path, body, bearer) in routes {
            let mut paths: Vec<String> = BAD_IDS.iter().map(|id| with_ids(path, id)).collect();
            paths.extend(BAD_QUERIES.iter().map(|q| format!("{}{q}", path.split('?').next().unwrap())));
            paths.sort();
            paths.dedup();
            for hostile in &paths {
                let plain = body.map(|(t, b)| (t, b.as_bytes().to_vec()));
                match send(app, method, hostile, &admin, bearer, plain).await {
                    Ok(status) if status >= 500 => wrong.push(format!("{method} {hostile}: {status}")),
                    Ok(_) => {}
                    Err(err) => wrong.push(err),
                }
            }
            if let Some((content_type, _)) = body {
                for bad in bad_bodies(content_type) {
                    let size = bad.len();
                    match send(app, method, path, &admin, bearer, Some((content_type, bad))).await {
                        Ok(status) if status >= 500 => wrong.push(format!("{method} {path} with a {size}-byte body: {status}")),
                        Ok(_) => {}
                        Err(err) => wrong.push(format!("{err} ({size}-byte body)")),
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        assert_eq!(client().get(app.url("/healthz")).send().await.unwrap().status(), 200);
    }
}

/// The backstop behind the validation: a handler that panics answers a plain 500 and the
/// connection survives (the same layer `web::router` installs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_answers_500_instead_of_dropping_the_connection() {
    async fn boom() -> &'static str {
        panic!("a bug that input reached")
    }
    let app = axum::Router::new()
        .route("/boom", axum::routing::get(boom))
        .route("/fine", axum::routing::get(|| async { "fine" }))
        .layer(tessera_server::web::backstop());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = reqwest::Client::new();
    let answer = client
        .get(format!("http://{addr}/boom"))
        .send()
        .await
        .expect("an answer, not a dropped connection");
    assert_eq!(answer.status(), 500);
    assert_eq!(
        answer.text().await.unwrap(),
        "internal error",
        "no internals in the answer"
    );
    assert_eq!(
        client
            .get(format!("http://{addr}/fine"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
