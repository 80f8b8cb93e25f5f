//! Hybrid logical clock (HLC): a timestamp that follows wall time but never runs backwards and
//! always moves past every timestamp a desk has seen, so "the later edit wins" means the same on
//! every desk even when their clocks disagree. Ties break on the site id, so the order is total.

use std::{cmp::Ordering, fmt};

use serde::{Deserialize, Serialize};

/// One HLC reading. Ordered by (wall_ms, counter, site).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Hlc {
    /// Milliseconds since the Unix epoch: the largest wall time seen.
    pub wall_ms: i64,
    /// Events within the same `wall_ms`.
    pub counter: u32,
    /// The site (desk) that issued it: the tiebreak.
    pub site: String,
}

impl Ord for Hlc {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.wall_ms, self.counter, &self.site).cmp(&(other.wall_ms, other.counter, &other.site))
    }
}

impl PartialOrd for Hlc {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Hlc {
    /// A form that sorts as text like the clock itself (for SQLite columns).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:015}-{:010}-{}", self.wall_ms, self.counter, self.site)
    }
}

impl Hlc {
    /// The clock before any event: lower than every real reading.
    pub fn zero() -> Hlc {
        Hlc { wall_ms: 0, counter: 0, site: String::new() }
    }

    /// Parses the [`fmt::Display`] form.
    pub fn parse(s: &str) -> Option<Hlc> {
        let mut parts = s.splitn(3, '-');
        let wall_ms = parts.next()?.parse().ok()?;
        let counter = parts.next()?.parse().ok()?;
        let site = parts.next()?.to_string();
        Some(Hlc { wall_ms, counter, site })
    }
}

/// A desk's clock state. The physical time is passed in (the core never reads the clock).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HlcClock {
    site: String,
    last_wall_ms: i64,
    last_counter: u32,
}

impl HlcClock {
    pub fn new(site: impl Into<String>) -> HlcClock {
        HlcClock { site: site.into(), last_wall_ms: 0, last_counter: 0 }
    }

    /// A clock resumed from its last issued reading (stored with the desk).
    pub fn resume(site: impl Into<String>, last: &Hlc) -> HlcClock {
        HlcClock { site: site.into(), last_wall_ms: last.wall_ms, last_counter: last.counter }
    }

    /// A reading for a local event at physical time `now_ms`: strictly greater than every
    /// reading issued or observed before, even if the wall clock went backwards.
    pub fn tick(&mut self, now_ms: i64) -> Hlc {
        if now_ms > self.last_wall_ms {
            self.last_wall_ms = now_ms;
            self.last_counter = 0;
        } else {
            self.bump();
        }
        self.reading()
    }

    /// Observes a reading from another site (a pulled change), so the next local edit orders
    /// after it: an edit made after seeing a value always beats that value.
    pub fn observe(&mut self, seen: &Hlc, now_ms: i64) {
        let wall = now_ms.max(self.last_wall_ms).max(seen.wall_ms);
        let counter = if wall == self.last_wall_ms && wall == seen.wall_ms {
            self.last_counter.max(seen.counter)
        } else if wall == self.last_wall_ms {
            self.last_counter
        } else if wall == seen.wall_ms {
            seen.counter
        } else {
            0
        };
        self.last_wall_ms = wall;
        self.last_counter = counter;
    }

    /// The last reading issued or observed (stored with the desk, resumed with [`HlcClock::resume`]).
    pub fn last(&self) -> Hlc {
        self.reading()
    }

    fn bump(&mut self) {
        match self.last_counter.checked_add(1) {
            Some(c) => self.last_counter = c,
            // 4 billion events in one millisecond cannot happen; move the wall on rather than wrap.
            None => {
                self.last_wall_ms += 1;
                self.last_counter = 0;
            }
        }
    }

    fn reading(&self) -> Hlc {
        Hlc { wall_ms: self.last_wall_ms, counter: self.last_counter, site: self.site.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_runs_backwards_when_the_wall_clock_does() {
        let mut c = HlcClock::new("a");
        let t1 = c.tick(1_000);
        let t2 = c.tick(900);
        let t3 = c.tick(900);
        assert!(t1 < t2 && t2 < t3, "{t1} {t2} {t3}");
        assert_eq!(t2.wall_ms, 1_000);
    }

    #[test]
    fn an_edit_after_seeing_a_remote_value_orders_after_it() {
        let mut fast = HlcClock::new("fast");
        let remote = fast.tick(5_000_000);
        let mut slow = HlcClock::new("slow");
        slow.observe(&remote, 1_000);
        let local = slow.tick(1_001);
        assert!(local > remote, "{local} must beat {remote}");
    }

    #[test]
    fn text_form_round_trips_and_sorts_like_the_clock() {
        let a = Hlc { wall_ms: 9, counter: 10, site: "s-1".into() };
        let b = Hlc { wall_ms: 10, counter: 0, site: "a".into() };
        assert_eq!(Hlc::parse(&a.to_string()), Some(a.clone()));
        assert!(a < b && a.to_string() < b.to_string());
        assert!(Hlc::zero() < a);
    }
}
