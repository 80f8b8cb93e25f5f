//! The service's clock. The core never reads one; this adapter does, per request. A start time
//! may be given (`CMEDESK_NOW`): the clock then runs on from it in real time, so tokens still
//! rotate and expire while tests and demos place "now" inside an attendance window.

use std::time::Instant;

use chrono::{DateTime, Duration, FixedOffset};

/// Where "now" comes from.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<FixedOffset>;
}

/// The system clock, optionally shifted so that it read `start` when the service started.
pub struct RunningClock {
    base: Option<(Instant, DateTime<FixedOffset>)>,
}

impl RunningClock {
    /// The machine's local time.
    pub fn system() -> RunningClock {
        RunningClock { base: None }
    }

    /// A clock that reads `start` now and advances in real time.
    pub fn starting_at(start: DateTime<FixedOffset>) -> RunningClock {
        RunningClock { base: Some((Instant::now(), start)) }
    }
}

impl Clock for RunningClock {
    fn now(&self) -> DateTime<FixedOffset> {
        match self.base {
            None => chrono::Local::now().fixed_offset(),
            Some((at, start)) => {
                start + Duration::from_std(at.elapsed()).unwrap_or_else(|_| Duration::zero())
            }
        }
    }
}
