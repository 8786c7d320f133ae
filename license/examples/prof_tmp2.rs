use std::hint::black_box;
use tessera_license::*;
fn main() {
    let js = include_str!("/tmp/claims.json");
    for _ in 0..300000 { black_box(serde_json::from_str::<Claims>(black_box(js)).unwrap()); }
}
