use std::hint::black_box;
use std::time::Instant;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use tessera_license::*;

fn t(name: &str, n: u32, mut f: impl FnMut()) {
    let n = n.min(20000);
    for _ in 0..n/10 { f(); }
    let mut v = Vec::with_capacity(n as usize);
    for _ in 0..n { let s = Instant::now(); f(); v.push(s.elapsed().as_nanos()); }
    v.sort();
    println!("{name:30} p10 {:>8} p50 {:>8} ns", v[v.len()/10], v[v.len()/2]);
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct B<'a> { #[serde(borrow)] iss: &'a str, sub: &'a str, aud: &'a str, iat: i64, nbf: i64, exp: Option<i64>, jti: &'a str, #[serde(borrow)] lic: L<'a> }
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct L<'a> { tier: &'a str, kind: &'a str, plan: Option<&'a str>, #[serde(borrow)] features: Vec<&'a str>, #[serde(borrow)] caps: std::collections::BTreeMap<&'a str, i64>, #[serde(borrow)] plugins: Vec<&'a str>, #[serde(borrow)] themes: Vec<&'a str>, #[serde(borrow)] niches: Vec<&'a str>, seats: serde::de::IgnoredAny, #[serde(borrow)] domains: Vec<&'a str>, support_until: Option<i64>, trial: bool, customer: serde::de::IgnoredAny }
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct O { iss: String, sub: String, aud: String, iat: i64, nbf: i64, exp: Option<i64>, jti: String, lic: LO }
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct LO { tier: String, kind: String, plan: Option<String>, features: Vec<String>, caps: std::collections::BTreeMap<String, i64>, plugins: Vec<String>, themes: Vec<String>, niches: Vec<String>, seats: serde::de::IgnoredAny, domains: Vec<String>, support_until: Option<i64>, trial: bool, customer: serde::de::IgnoredAny }

fn main() {
    let k = SigningKeyPair::generate(None);
    let mut c: Claims = serde_json::from_str(include_str!("/tmp/claims.json")).unwrap();
    c.exp = Some(2_000_000_000);
    let tok = sign(&c, &k);
    let p = tok.split('.').nth(1).unwrap();
    let payload = URL_SAFE_NO_PAD.decode(p).unwrap();
    t("b64 payload", 100000, || { black_box(URL_SAFE_NO_PAD.decode(black_box(p)).unwrap()); });
    t("claims parse", 100000, || { black_box(serde_json::from_slice::<Claims>(black_box(&payload)).unwrap()); });
    t("borrowed parse", 100000, || { black_box(serde_json::from_slice::<B>(black_box(&payload)).unwrap()); });
    t("owned parse", 100000, || { black_box(serde_json::from_slice::<O>(black_box(&payload)).unwrap()); });
    t("ignored parse", 100000, || { black_box(serde_json::from_slice::<serde::de::IgnoredAny>(black_box(&payload)).unwrap()); });
    let parsed: Claims = serde_json::from_slice(&payload).unwrap();
    t("clone claims", 100000, || { black_box(black_box(&parsed).clone()); });
    t("value parse", 100000, || { black_box(serde_json::from_slice::<serde_json::Value>(black_box(&payload)).unwrap()); });
    t("domain parse", 100000, || { black_box(Domain::parse(black_box("example.co.uk")).unwrap()); });
    t("email parse", 100000, || { black_box(Email::parse(black_box("billing@example.com")).unwrap()); });
    t("licid parse", 100000, || { black_box(LicenseId::parse(black_box(c.sub.as_str())).unwrap()); });
    let keys = KeySet::new(vec![k.public()]);
    let o = VerifyOptions::at(1_800_000_000);
    let js = std::str::from_utf8(&payload).unwrap();
    t("claims from_str", 100000, || { black_box(serde_json::from_str::<Claims>(black_box(js)).unwrap()); });
    t("claims from_str+drop", 100000, || { drop(black_box(serde_json::from_str::<Claims>(black_box(js)).unwrap())); });
    t("verify", 20000, || { black_box(verify(black_box(&tok), &keys, &o).unwrap()); });
    let (inp, s) = tok.rsplit_once('.').unwrap();
    let sig = ed25519_dalek::Signature::from_slice(&URL_SAFE_NO_PAD.decode(s).unwrap()).unwrap();
    let vk = *k.public().verifying_key();
    t("raw", 20000, || { black_box(vk.verify_strict(black_box(inp.as_bytes()), &sig).is_ok()); });
    t("verify", 20000, || { black_box(verify(black_box(&tok), &keys, &o).unwrap()); });
    t("raw", 20000, || { black_box(vk.verify_strict(black_box(inp.as_bytes()), &sig).is_ok()); });
}
