//! The customer portal's page: plain HTML (no script) listing the customer's subscriptions
//! that are not canceled, each with its items, status and current period, a quantity form
//! per item ("Quantity of …", "Update quantity"), the buttons "Cancel at period end" and
//! "Cancel now", and a link back to the session's return URL.

use std::fmt::Write as _;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;

use super::billing::period;
use super::page::{document, escape, message};
use super::World;

/// The page of an unknown portal session.
pub(crate) fn missing() -> Response {
    let page = message("Not found", "There is no such customer portal session.");
    (StatusCode::NOT_FOUND, Html(page)).into_response()
}

/// The page of the portal `session`, with `error` shown above the subscriptions if given.
pub(crate) fn render(world: &World, session: &Value, error: Option<&str>) -> String {
    let id = session["id"].as_str().unwrap_or_default();
    let customer = session["customer"].as_str().unwrap_or_default();
    let who = world
        .get("customer", customer)
        .ok()
        .and_then(|c| c["email"].as_str())
        .unwrap_or(customer);
    let mut body = String::from("<h1>Your subscriptions</h1>\n<p class=\"note\">Stripe stand-in, test mode: no card is charged.</p>\n");
    let _ = writeln!(
        body,
        "<p>Customer: <span id=\"customer\">{}</span></p>",
        escape(who)
    );
    if let Some(error) = error {
        let _ = writeln!(
            body,
            "<p class=\"error\" role=\"alert\">{}</p>",
            escape(error)
        );
    }
    let subscriptions: Vec<&Value> = world
        .all("subscription")
        .filter(|s| s["customer"] == customer && s["status"] != "canceled")
        .collect();
    if subscriptions.is_empty() {
        body.push_str("<p>You have no subscriptions.</p>\n");
    }
    for subscription in subscriptions {
        body.push_str(&section(id, subscription));
    }
    if let Some(url) = session["return_url"].as_str() {
        let _ = writeln!(
            body,
            "<p><a href=\"{}\">Return to {}</a></p>",
            escape(url),
            escape(&host(url))
        );
    }
    document("Customer portal", &body)
}

/// One subscription: its items with their quantity forms, its state and its buttons.
fn section(portal: &str, subscription: &Value) -> String {
    let sub = subscription["id"].as_str().unwrap_or_default();
    let items: Vec<&Value> = subscription["items"]["data"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let names: Vec<String> = items.iter().map(|i| item_name(i)).collect();
    let action = format!("/portal/{portal}/subscriptions/{sub}");
    let mut html = String::new();
    let _ = writeln!(
        html,
        "<section aria-labelledby=\"title-{sub}\">\n<h2 id=\"title-{sub}\">{}</h2>\n<p class=\"note\">{}</p>",
        escape(&names.join(", ")),
        escape(sub),
        sub = escape(sub),
    );
    html.push_str(
        "<table>\n<thead><tr><th>Item</th><th>Quantity</th><th>Change</th></tr></thead>\n<tbody>\n",
    );
    for (item, name) in items.iter().zip(&names) {
        let item_id = item["id"].as_str().unwrap_or_default();
        let quantity = item["quantity"].as_i64().unwrap_or(1);
        let _ = writeln!(
            html,
            "<tr><td>{name}</td><td>{quantity}</td><td><form method=\"post\" action=\"{action}/items/{item}\">\
             <label for=\"quantity-{item}\">Quantity of {label}</label>\
             <input type=\"number\" id=\"quantity-{item}\" name=\"quantity\" min=\"1\" max=\"10000\" step=\"1\" value=\"{quantity}\" required>\
             <button type=\"submit\">Update quantity</button></form></td></tr>",
            name = escape(name),
            action = escape(&action),
            item = escape(item_id),
            label = escape(&item_label(item)),
        );
    }
    html.push_str("</tbody>\n</table>\n");
    let status = subscription["status"].as_str().unwrap_or("active");
    let end = period(subscription).1;
    let ending = subscription["cancel_at_period_end"] == true;
    let _ = writeln!(
        html,
        "<p>Status: <span class=\"status\">{}</span></p>\n\
         <p>Current period ends: <time datetime=\"{date}\">{date}</time></p>\n\
         <p>Cancels at period end: <span class=\"cancels\">{}</span></p>",
        escape(status),
        if ending { "yes" } else { "no" },
        date = date(end),
    );
    if !ending {
        let _ = writeln!(
            html,
            "<form method=\"post\" action=\"{}/cancel\"><button type=\"submit\">Cancel at period end</button></form>",
            escape(&action)
        );
    }
    let _ = writeln!(
        html,
        "<form method=\"post\" action=\"{}/cancel-now\"><button type=\"submit\">Cancel now</button></form>\n</section>",
        escape(&action)
    );
    html
}

/// The id of an item's price (or, on an old-shaped item, of its plan).
fn price_id(item: &Value) -> &str {
    item["price"]["id"]
        .as_str()
        .or_else(|| item["plan"]["id"].as_str())
        .unwrap_or("item")
}

/// What the page calls an item: its price's lookup key, else nickname, else id.
fn item_name(item: &Value) -> String {
    let price = &item["price"];
    price["lookup_key"]
        .as_str()
        .or_else(|| price["nickname"].as_str())
        .unwrap_or_else(|| price_id(item))
        .to_string()
}

/// What the quantity field is labelled after: its price's lookup key, else id.
fn item_label(item: &Value) -> String {
    item["price"]["lookup_key"]
        .as_str()
        .unwrap_or_else(|| price_id(item))
        .to_string()
}

/// The host (and port, if given) of `url`; the URL itself if it has none.
fn host(url: &str) -> String {
    let parsed = reqwest::Url::parse(url).ok();
    let Some(host) = parsed.as_ref().and_then(reqwest::Url::host_str) else {
        return url.to_string();
    };
    match parsed.as_ref().and_then(reqwest::Url::port) {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// The UTC date of the Unix time `at`, as `YYYY-MM-DD`.
fn date(at: i64) -> String {
    // Howard Hinnant's days-to-civil, on days since 1970-01-01.
    let z = at.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_hosts_read_as_people_write_them() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(1_700_000_000), "2023-11-14");
        assert_eq!(date(-1), "1969-12-31");
        assert_eq!(host("https://app.example/account?x=1"), "app.example");
        assert_eq!(host("http://127.0.0.1:3000/"), "127.0.0.1:3000");
    }
}
