//! The hosted checkout page at a session's `url`: plain HTML (no script) showing the line
//! items, the total and the e-mail, with two form buttons, "Pay" and "Decline". No key: it
//! is the customer's browser that comes here. Also the frame, style and escaping the
//! customer portal's page shares.

use std::fmt::Write as _;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;

use super::{settle, StandIn, World};

pub(crate) async fn show(State(state): State<StandIn>, Path(id): Path<String>) -> Response {
    let world = state.world();
    match world.get("checkout.session", &id) {
        Ok(session) => Html(render(&world, session, None)).into_response(),
        Err(_) => missing(),
    }
}

/// Pays, then sends the browser to the success URL (`{CHECKOUT_SESSION_ID}` filled in).
pub(crate) async fn pay(State(state): State<StandIn>, Path(id): Path<String>) -> Response {
    let paid = settle::pay(&mut state.world(), &id);
    match paid {
        Ok(session) => match session["success_url"].as_str() {
            Some(url) => {
                let to = url.replace("{CHECKOUT_SESSION_ID}", &id);
                (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
            }
            None => Html(message(
                "Payment complete",
                "Thank you: the payment went through.",
            ))
            .into_response(),
        },
        Err((status, text)) => (status, Html(message("Cannot pay", &text))).into_response(),
    }
}

/// Shows the page again with the card declined; nothing changes, nothing is sent.
pub(crate) async fn decline(State(state): State<StandIn>, Path(id): Path<String>) -> Response {
    let world = state.world();
    match world.get("checkout.session", &id) {
        Ok(session) if session["status"] == "open" => {
            let page = render(&world, session, Some("Your card was declined."));
            (StatusCode::PAYMENT_REQUIRED, Html(page)).into_response()
        }
        Ok(_) => {
            let text = "This checkout session is no longer open.";
            (StatusCode::CONFLICT, Html(message("Cannot pay", text))).into_response()
        }
        Err(_) => missing(),
    }
}

fn missing() -> Response {
    let page = message("Not found", "There is no such checkout session.");
    (StatusCode::NOT_FOUND, Html(page)).into_response()
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;\
padding:0 1rem;color:#1a1a1a}table{width:100%;border-collapse:collapse;margin:1rem 0}\
th,td{padding:.4rem 0;text-align:left;border-bottom:1px solid #ddd}.amount{text-align:right}\
.error{color:#b00020;font-weight:600}.note{color:#666;font-size:.9rem}form{display:inline}\
button{font-size:1rem;padding:.5rem 1.5rem;margin:0 .5rem 0 0}\
input{font-size:1rem;width:5rem;margin:0 .5rem}section{margin:2rem 0}";

pub(crate) fn document(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"icon\" href=\"data:,\">\
         <title>{}</title><style>{STYLE}</style></head>\n<body><main>\n{body}</main></body></html>\n",
        escape(title)
    )
}

pub(crate) fn message(title: &str, text: &str) -> String {
    document(
        title,
        &format!("<h1>{}</h1>\n<p>{}</p>\n", escape(title), escape(text)),
    )
}

/// The page of `session`, with `error` shown above the buttons if given.
fn render(world: &World, session: &Value, error: Option<&str>) -> String {
    let id = session["id"].as_str().unwrap_or_default();
    let currency = session["currency"].as_str().unwrap_or("usd");
    let mut body = String::from("<h1>Checkout</h1>\n<p class=\"note\">Stripe stand-in, test mode: no card is charged.</p>\n");
    body.push_str("<table>\n<thead><tr><th>Item</th><th>Quantity</th><th class=\"amount\">Amount</th></tr></thead>\n<tbody>\n");
    for (price, quantity) in world
        .carts
        .get(id)
        .map(|c| c.lines.clone())
        .unwrap_or_default()
    {
        let each = price["unit_amount"].as_i64().unwrap_or(0);
        let every = price["recurring"]["interval"]
            .as_str()
            .map(|i| format!(" / {i}"))
            .unwrap_or_default();
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{quantity}</td><td class=\"amount\">{}{every}</td></tr>",
            escape(&item_name(world, &price)),
            money(each * quantity, currency),
        );
    }
    body.push_str("</tbody>\n<tfoot>\n");
    let off = session["total_details"]["amount_discount"]
        .as_i64()
        .unwrap_or(0);
    if off > 0 {
        let _ = writeln!(
            body,
            "<tr><th colspan=\"2\">Discount</th><td class=\"amount\">−{}</td></tr>",
            money(off, currency)
        );
    }
    let total = session["amount_total"].as_i64().unwrap_or(0);
    let _ = writeln!(
        body,
        "<tr><th colspan=\"2\">Total</th><td class=\"amount\" id=\"total\">{}</td></tr>\n</tfoot>\n</table>",
        money(total, currency)
    );
    let email = session["customer_email"]
        .as_str()
        .or_else(|| session["customer_details"]["email"].as_str())
        .unwrap_or("(none given)");
    let _ = writeln!(
        body,
        "<p>E-mail: <span id=\"email\">{}</span></p>",
        escape(email)
    );
    if let Some(error) = error {
        let _ = writeln!(
            body,
            "<p class=\"error\" role=\"alert\">{}</p>",
            escape(error)
        );
    }
    if session["status"] == "open" {
        let _ = writeln!(
            body,
            "<form method=\"post\" action=\"/pay/{id}/pay\"><button type=\"submit\">Pay</button></form>\n\
             <form method=\"post\" action=\"/pay/{id}/decline\"><button type=\"submit\">Decline</button></form>",
            id = escape(id)
        );
    } else {
        let status = session["status"].as_str().unwrap_or("closed");
        let _ = writeln!(body, "<p>This checkout session is {}.</p>", escape(status));
    }
    document("Checkout", &body)
}

/// The product's name, else the price's nickname, else its id.
fn item_name(world: &World, price: &Value) -> String {
    let product = price["product"]
        .as_str()
        .and_then(|p| world.products.get(p));
    product
        .and_then(|p| p["name"].as_str())
        .or_else(|| price["nickname"].as_str())
        .or_else(|| price["id"].as_str())
        .unwrap_or("Item")
        .to_string()
}

/// `amount` of `currency`'s smallest unit, as people write it: `49.00 EUR`.
fn money(amount: i64, currency: &str) -> String {
    const ZERO_DECIMAL: [&str; 16] = [
        "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
        "xaf", "xof", "xpf",
    ];
    let code = currency.to_ascii_uppercase();
    if ZERO_DECIMAL.contains(&currency) {
        return format!("{amount} {code}");
    }
    let sign = if amount < 0 { "-" } else { "" };
    let amount = amount.abs();
    format!("{sign}{}.{:02} {code}", amount / 100, amount % 100)
}

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_as_people_write_it() {
        assert_eq!(money(4900, "eur"), "49.00 EUR");
        assert_eq!(money(5, "usd"), "0.05 USD");
        assert_eq!(money(500, "jpy"), "500 JPY");
        assert_eq!(
            escape("<a href=\"x\">&"),
            "&lt;a href=&quot;x&quot;&gt;&amp;"
        );
    }
}
