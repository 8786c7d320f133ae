//! A fast path for the claims of a plainly written payload.
//!
//! `serde_json` with derived visitors spends most of its time in generic machinery (field
//! identifiers, `Option`/`Vec`/map visitors, escape scanning) rather than in the few
//! allocations the claims need. This parser reads a strict subset of JSON straight into
//! [`Claims`]: objects whose members are all known, each at most once; strings without
//! escapes or control characters; integers without sign, fraction, exponent or leading zero;
//! `true`, `false` and `null` where the field allows them.
//!
//! It never refuses anything itself: whatever falls outside that subset, or fails an id's
//! validation, makes it return `None`, and the caller parses with `serde_json`, which stays the
//! authority for every refusal and its message. Whenever it returns `Some`, the claims are
//! exactly what `serde_json::from_str::<Claims>` would have produced from the same input.

use std::collections::BTreeMap;

use crate::claims::{Claims, Customer, LicenseGrant, LicenseKind, SeatGrant, Tier};
use crate::ids::{Domain, Email, LicenseId, ProductKey};

/// List items collected on the stack before the `Vec` is allocated at its exact size.
const STACK_ITEMS: usize = 16;

/// Parses `json` if it is in the plain subset; `None` means "ask `serde_json`".
pub(super) fn parse(json: &str) -> Option<Claims> {
    let mut parser = Parser { json, pos: 0 };
    let claims = parser.claims()?;
    parser.ws();
    (parser.pos == json.len()).then_some(claims)
}

/// Marks member `bit` as seen; `None` if it was already (a repeat, which serde refuses).
fn once(seen: &mut u32, bit: u32) -> Option<()> {
    let mask = 1 << bit;
    if *seen & mask != 0 {
        return None;
    }
    *seen |= mask;
    Some(())
}

fn owned(s: &str) -> Option<String> {
    Some(s.to_owned())
}

/// The same conversion serde uses for these ids (`try_from = "String"`).
fn domain(s: &str) -> Option<Domain> {
    Domain::try_from(s.to_owned()).ok()
}

fn tier(s: &str) -> Option<Tier> {
    Tier::ALL.iter().copied().find(|t| t.as_str() == s)
}

fn license_kind(s: &str) -> Option<LicenseKind> {
    LicenseKind::ALL.iter().copied().find(|k| k.as_str() == s)
}

struct Parser<'a> {
    json: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.json.as_bytes()
    }

    /// Skips JSON whitespace (the same four bytes `serde_json` skips).
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.bytes().get(self.pos) {
            self.pos += 1;
        }
    }

    /// Skips whitespace and returns the next byte without consuming it.
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.bytes().get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        if self.peek()? != byte {
            return None;
        }
        self.pos += 1;
        Some(())
    }

    fn eat_literal(&mut self, literal: &str) -> bool {
        self.ws();
        let found = self.bytes()[self.pos..].starts_with(literal.as_bytes());
        if found {
            self.pos += literal.len();
        }
        found
    }

    /// A string without escapes or control characters, borrowed from the input.
    fn str(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.pos;
        let len = self.bytes()[start..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        let end = start + len;
        if self.bytes()[end] != b'"' {
            return None;
        }
        self.pos = end + 1;
        self.json.get(start..end)
    }

    /// A non-negative integer of at most 18 digits (so it fits an `i64`), without a leading
    /// zero, not followed by a fraction or an exponent.
    fn uint(&mut self) -> Option<u64> {
        self.ws();
        let rest = &self.bytes()[self.pos..];
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || digits > 18 || (digits > 1 && rest[0] == b'0') {
            return None;
        }
        if let Some(b'.' | b'e' | b'E') = rest.get(digits) {
            return None;
        }
        self.pos += digits;
        Some(
            rest[..digits]
                .iter()
                .fold(0, |n, d| n * 10 + u64::from(d - b'0')),
        )
    }

    fn i64(&mut self) -> Option<i64> {
        i64::try_from(self.uint()?).ok()
    }

    fn u32(&mut self) -> Option<u32> {
        u32::try_from(self.uint()?).ok()
    }

    fn bool(&mut self) -> Option<bool> {
        if self.eat_literal("true") {
            Some(true)
        } else if self.eat_literal("false") {
            Some(false)
        } else {
            None
        }
    }

    /// `null` as `None`, otherwise the value (as serde reads an `Option`).
    fn opt<T>(&mut self, value: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.eat_literal("null") {
            return Some(None);
        }
        value(self).map(Some)
    }

    /// Calls `member` with each key of an object; the callback parses the value.
    fn object(&mut self, mut member: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.pos += 1;
            return Some(());
        }
        loop {
            let key = self.str()?;
            self.eat(b':')?;
            member(self, key)?;
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// An array of strings, each converted, in a `Vec` allocated once at its exact size.
    fn list<T>(&mut self, convert: impl Fn(&'a str) -> Option<T>) -> Option<Vec<T>> {
        let mut stack = [""; STACK_ITEMS];
        let mut spilled = Vec::new();
        let mut count = 0;
        self.eat(b'[')?;
        if self.peek()? == b']' {
            self.pos += 1;
        } else {
            loop {
                let item = self.str()?;
                if count < STACK_ITEMS {
                    stack[count] = item;
                } else {
                    if count == STACK_ITEMS {
                        spilled.extend_from_slice(&stack);
                    }
                    spilled.push(item);
                }
                count += 1;
                match self.peek()? {
                    b',' => self.pos += 1,
                    b']' => {
                        self.pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        let items = if count <= STACK_ITEMS {
            &stack[..count]
        } else {
            &spilled[..]
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            out.push(convert(item)?);
        }
        Some(out)
    }

    /// An object read into a map; a repeated key keeps its last value, as serde's map does.
    fn map<V>(
        &mut self,
        mut value: impl FnMut(&mut Self) -> Option<V>,
    ) -> Option<BTreeMap<String, V>> {
        let mut map = BTreeMap::new();
        self.object(|p, key| {
            let v = value(p)?;
            map.insert(key.to_owned(), v);
            Some(())
        })?;
        Some(map)
    }

    fn claims(&mut self) -> Option<Claims> {
        let (mut iss, mut sub, mut aud, mut iat, mut nbf, mut exp, mut jti, mut lic) =
            (None, None, None, None, None, None, None, None);
        let mut seen = 0;
        self.object(|p, key| {
            match key {
                "iss" => {
                    once(&mut seen, 0)?;
                    iss = Some(p.str()?.to_owned());
                }
                "sub" => {
                    once(&mut seen, 1)?;
                    sub = Some(LicenseId::try_from(p.str()?.to_owned()).ok()?);
                }
                "aud" => {
                    once(&mut seen, 2)?;
                    aud = Some(ProductKey::try_from(p.str()?.to_owned()).ok()?);
                }
                "iat" => {
                    once(&mut seen, 3)?;
                    iat = Some(p.i64()?);
                }
                "nbf" => {
                    once(&mut seen, 4)?;
                    nbf = Some(p.i64()?);
                }
                "exp" => {
                    once(&mut seen, 5)?;
                    exp = p.opt(Self::i64)?;
                }
                "jti" => {
                    once(&mut seen, 6)?;
                    jti = Some(p.str()?.to_owned());
                }
                "lic" => {
                    once(&mut seen, 7)?;
                    lic = Some(p.grant()?);
                }
                _ => return None,
            }
            Some(())
        })?;
        Some(Claims {
            iss: iss?,
            sub: sub?,
            aud: aud?,
            iat: iat?,
            nbf: nbf?,
            exp,
            jti: jti?,
            lic: lic?,
        })
    }

    fn grant(&mut self) -> Option<LicenseGrant> {
        let (mut tier_, mut kind, mut plan, mut customer) = (None, None, None, None);
        let (mut features, mut plugins, mut themes, mut niches) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut caps, mut seats, mut domains) = (BTreeMap::new(), BTreeMap::new(), Vec::new());
        let (mut node_lock, mut support_until, mut trial) = (None, None, false);
        let mut seen = 0;
        self.object(|p, key| {
            match key {
                "tier" => {
                    once(&mut seen, 0)?;
                    tier_ = Some(tier(p.str()?)?);
                }
                "kind" => {
                    once(&mut seen, 1)?;
                    kind = Some(license_kind(p.str()?)?);
                }
                "plan" => {
                    once(&mut seen, 2)?;
                    plan = p.opt(|p| owned(p.str()?))?;
                }
                "features" => {
                    once(&mut seen, 3)?;
                    features = p.list(owned)?;
                }
                "caps" => {
                    once(&mut seen, 4)?;
                    caps = p.map(Self::i64)?;
                }
                "plugins" => {
                    once(&mut seen, 5)?;
                    plugins = p.list(owned)?;
                }
                "themes" => {
                    once(&mut seen, 6)?;
                    themes = p.list(owned)?;
                }
                "niches" => {
                    once(&mut seen, 7)?;
                    niches = p.list(owned)?;
                }
                "seats" => {
                    once(&mut seen, 8)?;
                    seats = p.map(Self::seat_grant)?;
                }
                "domains" => {
                    once(&mut seen, 9)?;
                    domains = p.list(domain)?;
                }
                "node_lock" => {
                    once(&mut seen, 10)?;
                    node_lock = p.opt(|p| owned(p.str()?))?;
                }
                "support_until" => {
                    once(&mut seen, 11)?;
                    support_until = p.opt(Self::i64)?;
                }
                "trial" => {
                    once(&mut seen, 12)?;
                    trial = p.bool()?;
                }
                "customer" => {
                    once(&mut seen, 13)?;
                    customer = Some(p.customer()?);
                }
                _ => return None,
            }
            Some(())
        })?;
        Some(LicenseGrant {
            tier: tier_?,
            kind: kind?,
            plan,
            features,
            caps,
            plugins,
            themes,
            niches,
            seats,
            domains,
            node_lock,
            support_until,
            trial,
            customer: customer?,
        })
    }

    fn seat_grant(&mut self) -> Option<SeatGrant> {
        let (mut roles, mut pool) = (BTreeMap::new(), None);
        let mut seen = 0;
        self.object(|p, key| {
            match key {
                "roles" => {
                    once(&mut seen, 0)?;
                    roles = p.map(Self::u32)?;
                }
                "pool" => {
                    once(&mut seen, 1)?;
                    pool = p.opt(Self::u32)?;
                }
                _ => return None,
            }
            Some(())
        })?;
        Some(SeatGrant { roles, pool })
    }

    fn customer(&mut self) -> Option<Customer> {
        let (mut email, mut company, mut tax_id) = (None, String::new(), None);
        let mut seen = 0;
        self.object(|p, key| {
            match key {
                "email" => {
                    once(&mut seen, 0)?;
                    email = Some(Email::try_from(p.str()?.to_owned()).ok()?);
                }
                "company" => {
                    once(&mut seen, 1)?;
                    company = p.str()?.to_owned();
                }
                "tax_id" => {
                    once(&mut seen, 2)?;
                    tax_id = p.opt(|p| owned(p.str()?))?;
                }
                _ => return None,
            }
            Some(())
        })?;
        Some(Customer {
            email: email?,
            company,
            tax_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path must agree with `serde_json` whenever it answers.
    fn agrees(json: &str) -> bool {
        let fast = parse(json);
        let slow = serde_json::from_str::<Claims>(json).ok();
        if let Some(fast) = &fast {
            assert_eq!(Some(fast), slow.as_ref(), "{json}");
        }
        fast.is_some()
    }

    const FULL: &str = r#"{"iss":"https://licensing.vendor.example","sub":"lic_01JGGVSAG04DQBRYC6D0CSC537","aud":"tessera","iat":1735646400,"nbf":1735646400,"exp":1767268800,"jti":"01JH2K9X4R7V6W3Q8M5N0P1T2S","lic":{"tier":"growth","kind":"subscription","plan":"growth-annual","features":["recurring_billing","sso","audit_export","webhooks","api"],"caps":{"products":100,"rooms":250,"storage_gb":500},"plugins":["booking","crm","invoicing","analytics"],"themes":["aurora","midnight"],"niches":["hotels","coworking"],"seats":{"booking":{"roles":{"editor":10,"manager":3}},"crm":{"pool":25}},"domains":["example.com","example.co.uk"],"support_until":1767268800,"trial":false,"customer":{"email":"billing@example.com","company":"Example Hospitality Group Ltd","tax_id":"GB123456789"}}}"#;

    const MINIMAL: &str = r#" { "iss" : "i" , "sub":"lic_01HZX3T7Q4M8Y6K2B9C5D0E1F2", "aud":"tessera", "iat":0, "nbf":100, "jti":"j1", "lic": { "tier":"pro","kind":"perpetual","customer":{"email":"A@B.Co"} } }
"#;

    #[test]
    fn plain_payloads_take_the_fast_path_and_match_serde() {
        assert!(agrees(FULL));
        assert!(agrees(MINIMAL));
        assert!(agrees(
            &FULL.replace(r#""exp":1767268800"#, r#""exp":null"#)
        ));
        assert!(agrees(
            &FULL.replace(r#""plan":"growth-annual""#, r#""plan":null"#)
        ));
        assert!(agrees(&FULL.replace(r#""trial":false"#, r#""trial":true"#)));
        assert!(agrees(&FULL.replace(
            r#"["recurring_billing","sso","audit_export","webhooks","api"]"#,
            "[ ]"
        )));
        let many: Vec<String> = (0..40).map(|i| format!("\"f{i}\"")).collect();
        assert!(agrees(&FULL.replace(r#""sso""#, &many.join(","))));
        assert!(agrees(
            &FULL.replace(r#""rooms":250"#, r#""rooms":250,"rooms":7"#)
        ));
    }

    #[test]
    fn anything_unusual_is_left_to_serde() {
        let cases = [
            FULL.replace(r#""iss":"#, r#""i\u0073s":"#),
            FULL.replace("vendor.example", r"vendor\/example"),
            FULL.replace(r#""jti":"#, r#""extra":1,"jti":"#),
            FULL.replace(r#""jti":"#, r#""iss":"again","jti":"#),
            FULL.replace(r#""iat":1735646400"#, r#""iat":-1"#),
            FULL.replace(r#""iat":1735646400"#, r#""iat":-0"#),
            FULL.replace(r#""iat":1735646400"#, r#""iat":1.5"#),
            FULL.replace(r#""iat":1735646400"#, r#""iat":1e3"#),
            FULL.replace(r#""iat":1735646400"#, r#""iat":0123"#),
            FULL.replace(r#""iat":1735646400"#, r#""iat":12345678901234567890"#),
            FULL.replace(r#""editor":10"#, r#""editor":4294967296"#),
            FULL.replace(r#""trial":false"#, r#""trial":null"#),
            FULL.replace(
                r#""company":"Example Hospitality Group Ltd""#,
                r#""company":null"#,
            ),
            FULL.replace("growth-annual", "growth\tannual"),
            FULL.replace(r#""tier":"growth""#, r#""tier":"Growth""#),
            FULL.replace("example.co.uk", "app.example.co.uk"),
            FULL.replace("billing@", "billing"),
            FULL.replace(r#""api"]"#, r#""api",]"#),
            FULL.replace(r#","trial":false"#, r#",,"trial":false"#),
            format!("{FULL}x"),
            FULL[..FULL.len() - 1].to_owned(),
            FULL.replace(r#""aud":"tessera","#, ""),
            String::new(),
            "[]".to_owned(),
        ];
        for json in &cases {
            assert!(!agrees(json), "{json}");
        }
    }
}
