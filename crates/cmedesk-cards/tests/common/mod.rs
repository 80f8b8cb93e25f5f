//! Shared helpers for the pseudo-terminal tests: an event collector with deadlines.
#![allow(dead_code)]

use cmedesk_cards::driver::Rejection;
use cmedesk_cards::{CardRead, ReaderEvent, ReaderStatus};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

pub struct Events {
    pub rx: Receiver<ReaderEvent>,
    pub log: Vec<ReaderEvent>,
}

impl Events {
    pub fn new(rx: Receiver<ReaderEvent>) -> Self {
        Self { rx, log: Vec::new() }
    }

    /// Waits for the first new event matching `pred`; every event received is logged.
    pub fn wait_for(
        &mut self,
        timeout: Duration,
        pred: impl Fn(&ReaderEvent) -> bool,
    ) -> Option<ReaderEvent> {
        let until = Instant::now() + timeout;
        loop {
            let left = until.checked_duration_since(Instant::now())?;
            match self.rx.recv_timeout(left) {
                Ok(ev) => {
                    self.log.push(ev.clone());
                    if pred(&ev) {
                        return Some(ev);
                    }
                }
                Err(_) => return None,
            }
        }
    }

    /// Collects everything that arrives within `d`.
    pub fn drain_for(&mut self, d: Duration) -> Vec<ReaderEvent> {
        let until = Instant::now() + d;
        let mut got = Vec::new();
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            match self.rx.recv_timeout(left) {
                Ok(ev) => {
                    self.log.push(ev.clone());
                    got.push(ev);
                }
                Err(_) => break,
            }
        }
        got
    }

    pub fn card(&mut self, timeout: Duration) -> Option<CardRead> {
        match self.wait_for(timeout, |e| matches!(e, ReaderEvent::Card(_)))? {
            ReaderEvent::Card(c) => Some(c),
            _ => None,
        }
    }

    pub fn connected(&mut self, timeout: Duration) -> Option<(String, u32)> {
        match self.wait_for(timeout, |e| {
            matches!(e, ReaderEvent::Status { status: ReaderStatus::Connected { .. }, .. })
        })? {
            ReaderEvent::Status { status: ReaderStatus::Connected { path, baud }, .. } => Some((path, baud)),
            _ => None,
        }
    }

    pub fn rejection(&mut self, timeout: Duration) -> Option<Rejection> {
        match self.wait_for(timeout, |e| matches!(e, ReaderEvent::Rejected { .. }))? {
            ReaderEvent::Rejected { rejection, .. } => Some(rejection),
            _ => None,
        }
    }
}

pub fn cards(events: &[ReaderEvent]) -> Vec<&CardRead> {
    events.iter().filter_map(|e| if let ReaderEvent::Card(c) = e { Some(c) } else { None }).collect()
}

pub const T: Duration = Duration::from_secs(5);
