//! Rate limits per device and per person: a phone may not hammer the service, and nobody may
//! guess a colleague's phone digits by trying all 10,000. Fixed windows counted in memory
//! (the service is one process; limits reset when it restarts, which an officer does).

use std::collections::HashMap;
use std::sync::Mutex;

/// A limit: at most `max` events per `window_secs`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: u32,
    pub window_secs: i64,
}

/// Counts events per key in fixed windows.
pub struct Limiter {
    limit: Limit,
    /// key → (window start, count)
    counts: Mutex<HashMap<String, (i64, u32)>>,
}

impl Limiter {
    pub fn new(limit: Limit) -> Limiter {
        Limiter { limit, counts: Mutex::new(HashMap::new()) }
    }

    /// Counts one event for `key` at `now` (unix seconds); false when over the limit.
    pub fn hit(&self, key: &str, now: i64) -> bool {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if counts.len() > 100_000 {
            // Bounded memory: forget windows that are over.
            let w = self.limit.window_secs;
            counts.retain(|_, (start, _)| now - *start < w);
        }
        let entry = counts.entry(key.to_string()).or_insert((now, 0));
        if now - entry.0 >= self.limit.window_secs {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.limit.max
    }

    /// Whether `key` is over the limit now, without counting.
    pub fn blocked(&self, key: &str, now: i64) -> bool {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.get(key).is_some_and(|(start, n)| now - start < self.limit.window_secs && *n >= self.limit.max)
    }

    /// Seconds until `key`'s window is over.
    pub fn retry_after(&self, key: &str, now: i64) -> i64 {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.get(key).map(|(start, _)| (start + self.limit.window_secs - now).max(1)).unwrap_or(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_key_and_resets_after_the_window() {
        let l = Limiter::new(Limit { max: 2, window_secs: 60 });
        assert!(l.hit("a", 0));
        assert!(l.hit("a", 1));
        assert!(!l.hit("a", 2));
        assert!(l.blocked("a", 3));
        assert!(l.hit("b", 3), "another key has its own count");
        assert_eq!(l.retry_after("a", 10), 50);
        assert!(l.hit("a", 60), "a new window");
    }
}
