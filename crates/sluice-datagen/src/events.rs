//! `events.ndjson.gz`: a clickstream of shop sessions, one JSON object per line.
//!
//! Each session is a short walk through a small state machine (page views,
//! searches, cart changes, checkout, purchase) with a cart that stays consistent:
//! items are removed only after being added, and checkout and purchase only happen
//! with a non-empty cart. Sessions are laid out over the same demand curve as the
//! orders and written day by day, sorted by session start, so the file is ordered
//! by time except where a session runs on past a later session's start ("roughly
//! by time", as real collectors deliver it).

use std::io;
use std::path::Path;

use crate::calendar::{self, DemandCurve, START_DAY};
use crate::customers::Customers;
use crate::products::Products;
use crate::rng::{mix64, Rng};
use crate::sink::GzFile;
use crate::text::{push_cents, push_json_str, push_u64};
use crate::time::push_datetime;
use crate::vocab::{self, CATEGORIES};
use crate::STREAM_EVENTS;

/// Longest session we generate, in events.
const MAX_SESSION: usize = 30;
const P_ANONYMOUS: f64 = 0.35;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    PageView,
    Search,
    AddToCart,
    RemoveFromCart,
    Checkout,
    Purchase,
    Exit,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::PageView => "page_view",
            Kind::Search => "search",
            Kind::AddToCart => "add_to_cart",
            Kind::RemoveFromCart => "remove_from_cart",
            Kind::Checkout => "checkout",
            Kind::Purchase => "purchase",
            Kind::Exit => unreachable!("exit is not written"),
        }
    }

    /// Next step of the walk.
    fn next(self, rng: &mut Rng) -> Kind {
        use Kind::*;
        let table: &[(Kind, u32)] = match self {
            PageView => &[(PageView, 45), (Search, 14), (AddToCart, 13), (Exit, 28)],
            Search => &[(PageView, 72), (Search, 10), (Exit, 18)],
            AddToCart => &[
                (PageView, 38),
                (AddToCart, 8),
                (RemoveFromCart, 7),
                (Checkout, 30),
                (Exit, 17),
            ],
            RemoveFromCart => &[(PageView, 50), (Checkout, 15), (Exit, 35)],
            Checkout => &[(Purchase, 68), (PageView, 8), (Exit, 24)],
            Purchase | Exit => &[(PageView, 12), (Exit, 88)],
        };
        rng.weighted(table)
    }
}

/// One event before its id and absolute time are known.
struct Draft {
    offset: u32,
    kind: Kind,
    product: Option<u64>,
    /// The rendered `properties` object.
    props: Vec<u8>,
}

struct Session {
    start: u32,
    seq: u64,
    customer: Option<u64>,
    device: &'static str,
    events: Vec<Draft>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventStats {
    pub rows: u64,
    pub sessions: u64,
    pub anonymous_rows: u64,
}

fn search_query(rng: &mut Rng, products: &Products, ts: i64) -> String {
    if rng.chance(0.15) {
        return rng.pick(vocab::GENERIC_QUERIES).to_string();
    }
    let noun = products.noun_of(products.pick(rng, ts));
    let mut q: Vec<char> = noun.to_lowercase().chars().collect();
    if rng.chance(0.08) && q.len() > 3 {
        // A typo: one character missing.
        q.remove(rng.below(q.len() as u64) as usize);
    }
    q.into_iter().collect()
}

struct Walker<'a> {
    customers: &'a Customers,
    products: &'a Products,
}

impl Walker<'_> {
    /// Generates one session starting at `t0` (absolute seconds).
    fn session(&self, rng: &mut Rng, t0: i64, start: u32, seq: u64) -> Session {
        let device = rng.weighted(&[("desktop", 45), ("mobile", 45), ("tablet", 10)]);
        let customer = if rng.chance(P_ANONYMOUS) {
            None
        } else {
            Some(self.customers.pick(rng, t0) as u64 + 1)
        };
        let mut events: Vec<Draft> = Vec::new();
        let mut cart: Vec<(usize, i64)> = Vec::new(); // (product index, EUR cents)
        let mut viewed: Option<usize> = None;
        let mut offset = 0u32;
        let mut kind = Kind::PageView;
        while events.len() < MAX_SESSION {
            let ts = t0 + offset as i64;
            // Make the walk consistent with the cart: impossible steps become views.
            if (kind == Kind::AddToCart && viewed.is_none())
                || (matches!(kind, Kind::RemoveFromCart | Kind::Checkout) && cart.is_empty())
            {
                kind = Kind::PageView;
            }
            let mut props = Vec::with_capacity(96);
            let mut product = None;
            match kind {
                Kind::PageView => {
                    let r = rng.below(100);
                    props.extend_from_slice(b"{\"page\":");
                    if r < 70 {
                        let p = self.products.pick(rng, ts);
                        viewed = Some(p);
                        product = Some(p as u64 + 1);
                        let mut page = b"/product/".to_vec();
                        push_u64(&mut page, p as u64 + 1);
                        push_json_str(&mut props, std::str::from_utf8(&page).expect("ascii"));
                    } else if r < 90 {
                        push_json_str(&mut props, &format!("/c/{}", rng.pick(CATEGORIES).slug));
                    } else {
                        push_json_str(&mut props, "/");
                    }
                    if events.is_empty() {
                        props.extend_from_slice(b",\"referrer\":");
                        push_json_str(&mut props, rng.weighted(vocab::REFERRERS));
                    }
                    props.push(b'}');
                }
                Kind::Search => {
                    let q = search_query(rng, self.products, ts);
                    let results = if rng.chance(0.05) {
                        0
                    } else {
                        rng.range(1, 120) as u64
                    };
                    props.extend_from_slice(b"{\"query\":");
                    push_json_str(&mut props, &q);
                    props.extend_from_slice(b",\"results\":");
                    push_u64(&mut props, results);
                    props.push(b'}');
                }
                Kind::AddToCart => {
                    let p = viewed.expect("guarded above");
                    let qty = if rng.chance(0.85) { 1 } else { rng.range(2, 4) };
                    let price = self.products.price_at(p, ts);
                    for _ in 0..qty {
                        cart.push((p, price));
                    }
                    product = Some(p as u64 + 1);
                    props.extend_from_slice(b"{\"price\":");
                    push_cents(&mut props, price);
                    props.extend_from_slice(b",\"quantity\":");
                    push_u64(&mut props, qty as u64);
                    props.push(b'}');
                }
                Kind::RemoveFromCart => {
                    let (p, _) = cart.remove(rng.below(cart.len() as u64) as usize);
                    product = Some(p as u64 + 1);
                    props.extend_from_slice(b"{\"quantity\":1}");
                }
                Kind::Checkout | Kind::Purchase => {
                    let value: i64 = cart.iter().map(|(_, c)| c).sum();
                    props.extend_from_slice(b"{\"cart_items\":");
                    push_u64(&mut props, cart.len() as u64);
                    if kind == Kind::Checkout {
                        props.extend_from_slice(b",\"cart_value\":");
                        push_cents(&mut props, value);
                    } else {
                        props.extend_from_slice(b",\"value\":");
                        push_cents(&mut props, value);
                        props.extend_from_slice(b",\"currency\":\"EUR\",\"payment\":");
                        push_json_str(&mut props, rng.weighted(vocab::PAYMENTS));
                        cart.clear();
                    }
                    props.push(b'}');
                }
                Kind::Exit => break,
            }
            events.push(Draft {
                offset,
                kind,
                product,
                props,
            });
            let mut next = kind.next(rng);
            // Purchase only directly after checkout; a checkout that isn't followed
            // by payment is an abandoned checkout.
            if next == Kind::Purchase && kind != Kind::Checkout {
                next = Kind::PageView;
            }
            // Dwell time: log-normal around half a minute, searches are quicker.
            let mu = if kind == Kind::Search { 2.3 } else { 3.4 };
            offset += (rng.lognormal(mu, 0.8) as u32).clamp(1, 1800);
            kind = next;
        }
        Session {
            start,
            seq,
            customer,
            device,
            events,
        }
    }
}

/// Writes `events.ndjson.gz` with exactly `n_events` events.
pub fn write(
    path: &Path,
    seed: u64,
    n_events: u64,
    customers: &Customers,
    products: &Products,
    curve: &DemandCurve,
) -> io::Result<EventStats> {
    let walker = Walker {
        customers,
        products,
    };
    let mut rng = Rng::stream(seed, STREAM_EVENTS);
    // Session ids: a bijective scramble of the session number, so they look random
    // yet can never collide.
    let id_key = mix64(seed ^ 0x5E55_1011);
    let mut out = GzFile::create(path)?;
    let mut stats = EventStats::default();
    let mut line = Vec::with_capacity(512);
    let mut seq = 0u64;
    for (day_index, &budget) in curve.allocate(n_events).iter().enumerate() {
        let day = START_DAY + day_index as i64;
        let t_day = calendar::day_start(day_index);
        let mut sessions = Vec::new();
        let mut total = 0u64;
        while total < budget {
            let start = calendar::second_of_day(&mut rng, day);
            let mut s = walker.session(&mut rng, t_day + start as i64, start, seq);
            seq += 1;
            // The day's budget is exact: cut the last session short if needed.
            s.events.truncate((budget - total) as usize);
            total += s.events.len() as u64;
            sessions.push(s);
        }
        sessions.sort_by_key(|s| (s.start, s.seq));
        stats.sessions += sessions.len() as u64;
        for s in &sessions {
            let mut sid = Vec::with_capacity(16);
            let x = mix64(s.seq ^ id_key);
            for i in (0..16).rev() {
                sid.push(b"0123456789abcdef"[((x >> (4 * i)) & 15) as usize]);
            }
            for e in &s.events {
                stats.rows += 1;
                line.clear();
                line.extend_from_slice(b"{\"event_id\":");
                push_u64(&mut line, stats.rows);
                line.extend_from_slice(b",\"customer_id\":");
                match s.customer {
                    Some(c) => push_u64(&mut line, c),
                    None => {
                        line.extend_from_slice(b"null");
                        stats.anonymous_rows += 1;
                    }
                }
                line.extend_from_slice(b",\"session_id\":\"");
                line.extend_from_slice(&sid);
                line.extend_from_slice(b"\",\"event_type\":\"");
                line.extend_from_slice(e.kind.name().as_bytes());
                line.extend_from_slice(b"\",\"product_id\":");
                match e.product {
                    Some(p) => push_u64(&mut line, p),
                    None => line.extend_from_slice(b"null"),
                }
                line.extend_from_slice(b",\"ts\":\"");
                push_datetime(&mut line, t_day + s.start as i64 + e.offset as i64, b'T');
                line.extend_from_slice(b"\",\"device\":\"");
                line.extend_from_slice(s.device.as_bytes());
                line.extend_from_slice(b"\",\"properties\":");
                line.extend_from_slice(&e.props);
                line.extend_from_slice(b"}\n");
                out.write(&line)?;
            }
        }
    }
    out.finish()?;
    Ok(stats)
}
