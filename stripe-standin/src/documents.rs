//! An invoice's documents: Stripe links each finalized invoice to a hosted page and a PDF.
//! The stand-in serves both itself (`/invoices/{id}` and `/invoices/{id}/pdf`), so a link a
//! customer is shown can be followed in tests.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{json, Value};

use super::StandIn;

/// `invoice` with its hosted page and PDF under `base`, where it has none.
pub(crate) fn with_links(mut invoice: Value, base: &str) -> Value {
    let id = invoice["id"].as_str().unwrap_or_default().to_string();
    if invoice["invoice_pdf"].is_null() {
        invoice["invoice_pdf"] = json!(format!("{base}invoices/{id}/pdf"));
    }
    if invoice["hosted_invoice_url"].is_null() {
        invoice["hosted_invoice_url"] = json!(format!("{base}invoices/{id}"));
    }
    invoice
}

fn summary(invoice: &Value) -> String {
    format!(
        "Invoice {} - {} {} - {}",
        invoice["number"].as_str().unwrap_or("(draft)"),
        invoice["total"].as_i64().unwrap_or(0),
        invoice["currency"].as_str().unwrap_or_default(),
        invoice["status"].as_str().unwrap_or_default(),
    )
}

/// `GET /invoices/{id}`: the hosted invoice page.
pub(crate) async fn page(State(state): State<StandIn>, Path(id): Path<String>) -> Response {
    match state.world().get("invoice", &id) {
        Ok(invoice) => Html(format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Invoice</title></head>\
             <body><h1>{}</h1><p class=\"note\">Stripe stand-in, test mode.</p></body></html>",
            summary(invoice)
        ))
        .into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "no such invoice").into_response(),
    }
}

/// `GET /invoices/{id}/pdf`: a one-page PDF naming the invoice.
pub(crate) async fn pdf(State(state): State<StandIn>, Path(id): Path<String>) -> Response {
    let text = match state.world().get("invoice", &id) {
        Ok(invoice) => summary(invoice),
        Err(_) => return (StatusCode::NOT_FOUND, "no such invoice").into_response(),
    };
    (
        [(header::CONTENT_TYPE, "application/pdf")],
        one_page_pdf(&text),
    )
        .into_response()
}

/// A minimal valid PDF with one line of text (ASCII; parentheses and backslashes escaped).
fn one_page_pdf(text: &str) -> Vec<u8> {
    let escaped: String = text
        .chars()
        .filter(char::is_ascii)
        .flat_map(|c| match c {
            '(' | ')' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    let stream = format!("BT /F1 12 Tf 72 720 Td ({escaped}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (n, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", n + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}
