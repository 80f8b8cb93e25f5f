//! Client for storing terminals speaking our protocol (`codec::terminal`,
//! `schema/protocols/storing-terminal.md`): device info, clock get/set with the measured offset,
//! roster download, paged swipe-log pulls, and clearing only up to a seq with a count check.
//!
//! The safe pull cycle for the ingest writer is [`StoringTerminal::pull_all`] → commit every
//! record (idempotent on terminal id + seq) → [`StoringTerminal::clear`] with the number of
//! records fetched. Clearing before the commit, or with a count the device does not share, would
//! lose swipes; the device refuses the latter.

use crate::codec::terminal::{
    self as proto, DeviceInfo, ErrorReply, PullPage, Reader, RosterEntry, SwipeRecord, TerminalDecoder,
};
use crate::error::{CardsError, DecodeError};
use crate::ports;
use serialport::SerialPort;
use std::io::{Read, Write};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Clock reading with the offset against the host clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ClockReading {
    /// Device clock, seconds since 1970 UTC as the device believes.
    pub device_time: u32,
    /// Host clock at the midpoint of the exchange, milliseconds since 1970 UTC.
    pub host_time_ms: i64,
    /// `device - host` in milliseconds (resolution: the device's one-second clock).
    pub offset_ms: i64,
}

/// Result of a full pull.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pulled {
    pub info: DeviceInfo,
    /// Every record on the device after `after_seq`, in seq order, gap-checked.
    pub records: Vec<SwipeRecord>,
    pub clock: ClockReading,
}

impl Pulled {
    /// `(up_to, count)` for [`StoringTerminal::clear`] after the records were committed, when
    /// the pull covered everything the device holds (it started at the device's first stored
    /// record); `None` when there is nothing to clear or the pull started later (then the
    /// host's own count of committed records for the span must be used).
    pub fn clear_args(&self) -> Option<(u32, u32)> {
        let first = self.records.first()?;
        let last = self.records.last()?;
        (first.seq == self.info.cleared_through + 1).then_some((last.seq, self.records.len() as u32))
    }
}

/// A connection to one storing terminal.
pub struct StoringTerminal {
    port: Box<dyn SerialPort>,
    path: String,
    dec: TerminalDecoder,
    req_id: u8,
    buf: Vec<u8>,
    /// Reply timeout per request.
    pub timeout: Duration,
    /// Extra attempts after a timeout or corrupt reply (every request is idempotent).
    pub retries: u32,
    /// Records asked for per pull request.
    pub page_size: u16,
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

impl StoringTerminal {
    /// Opens the terminal's port (USB CDC: the baud rate is nominal).
    pub fn open(path: &str, baud: u32) -> Result<Self, CardsError> {
        let port = ports::open(path, baud, Duration::from_millis(50))?;
        Ok(Self::with_port(port, path))
    }

    pub fn with_port(port: Box<dyn SerialPort>, path: &str) -> Self {
        Self {
            port,
            path: path.to_string(),
            dec: TerminalDecoder::new(),
            req_id: 0,
            buf: vec![0u8; 16 * 1024],
            timeout: Duration::from_millis(1000),
            retries: 2,
            page_size: 512,
        }
    }

    fn io_err(&self, e: impl ToString) -> CardsError {
        CardsError::Io { path: self.path.clone(), detail: e.to_string() }
    }

    /// One request/reply exchange; stale replies (other request ids) are skipped.
    fn request(&mut self, kind: u8, payload: &[u8]) -> Result<Vec<u8>, CardsError> {
        let mut last = CardsError::Timeout {
            what: format!("request 0x{kind:02X}"),
            millis: self.timeout.as_millis() as u64,
        };
        for _ in 0..=self.retries {
            self.req_id = self.req_id.wrapping_add(1);
            let id = self.req_id;
            let frame = proto::encode(kind, id, payload);
            self.port.write_all(&frame).and_then(|_| self.port.flush()).map_err(|e| self.io_err(e))?;
            match self.await_reply(kind, id)? {
                Ok(p) => return Ok(p),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Waits for the reply to request `id`. Outer error: the port failed or the device refused;
    /// inner error: retryable (timeout, corrupt frame).
    fn await_reply(&mut self, kind: u8, id: u8) -> Result<Result<Vec<u8>, CardsError>, CardsError> {
        let start = Instant::now();
        let mut deadline = start + self.timeout;
        loop {
            if Instant::now() >= deadline {
                return Ok(Err(CardsError::Timeout {
                    what: format!("request 0x{kind:02X}"),
                    millis: self.timeout.as_millis() as u64,
                }));
            }
            let n = match self.port.read(&mut self.buf) {
                Ok(0) => return Err(self.io_err("port closed")),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => continue,
                Err(e) => return Err(self.io_err(e)),
            };
            // A long page on a slow line: the timeout counts from the last byte (bounded).
            deadline = (Instant::now() + self.timeout).min(start + self.timeout * 10);
            let items: Vec<_> = self.dec.push(&self.buf[..n]).collect();
            let mut result = None;
            for item in items {
                match item {
                    Ok(f) if f.req_id != id => {}
                    Ok(f) if f.kind == proto::T_ERROR => {
                        let e =
                            ErrorReply::decode(&f.payload).map_err(|d| CardsError::Protocol { detail: d })?;
                        result.get_or_insert(Err(e));
                    }
                    Ok(f) if f.kind == kind | proto::REPLY => {
                        result.get_or_insert(Ok(f.payload));
                    }
                    Ok(f) => {
                        return Err(CardsError::Protocol {
                            detail: format!("reply type 0x{:02X} to request 0x{kind:02X}", f.kind),
                        });
                    }
                    Err(DecodeError::Garbage { .. }) => {}
                    Err(e) => {
                        // A corrupt reply: retry the request (it is idempotent).
                        return Ok(Err(CardsError::Protocol { detail: e.to_string() }));
                    }
                }
            }
            match result {
                Some(Ok(p)) => return Ok(Ok(p)),
                Some(Err(e)) if e.code == proto::E_COUNT_MISMATCH => {
                    return Err(CardsError::CountMismatch { up_to: 0, expected: 0, device: e.detail });
                }
                Some(Err(e)) => {
                    return Err(CardsError::Device { code: e.code, message: e.message });
                }
                None => {}
            }
        }
    }

    fn protocol(detail: String) -> CardsError {
        CardsError::Protocol { detail }
    }

    pub fn info(&mut self) -> Result<DeviceInfo, CardsError> {
        let p = self.request(proto::T_INFO, &[])?;
        DeviceInfo::decode(&p).map_err(Self::protocol)
    }

    /// Reads the device clock and its offset against the host clock.
    pub fn clock_get(&mut self) -> Result<ClockReading, CardsError> {
        let before = now_ms();
        let p = self.request(proto::T_CLOCK_GET, &[])?;
        let after = now_ms();
        let device_time = Reader::new(&p).u32().map_err(Self::protocol)?;
        let host_time_ms = before + (after - before) / 2;
        Ok(ClockReading {
            device_time,
            host_time_ms,
            offset_ms: i64::from(device_time) * 1000 - host_time_ms,
        })
    }

    /// Sets the device clock; returns the device time it replaced.
    pub fn clock_set(&mut self, unix_seconds: u32) -> Result<u32, CardsError> {
        let p = self.request(proto::T_CLOCK_SET, &unix_seconds.to_be_bytes())?;
        Reader::new(&p).u32().map_err(Self::protocol)
    }

    /// Replaces the device roster: begin, chunks, commit with the total (the device keeps the
    /// old roster unless the commit's count matches what it received).
    pub fn roster_download(&mut self, roster: &[RosterEntry]) -> Result<u32, CardsError> {
        let total = u32::try_from(roster.len())
            .map_err(|_| CardsError::Config { field: "roster", detail: "too many entries".into() })?;
        self.request(proto::T_ROSTER_BEGIN, &total.to_be_bytes())?;
        let mut index = 0usize;
        while index < roster.len() {
            let mut p = Vec::with_capacity(proto::MAX_PAYLOAD);
            p.extend_from_slice(&(index as u32).to_be_bytes());
            p.extend_from_slice(&[0, 0]);
            let mut n = 0u16;
            for e in &roster[index..] {
                let mut entry = Vec::new();
                proto::put_str8(&mut entry, &e.card_key);
                proto::put_str8(&mut entry, &e.name);
                if p.len() + entry.len() > proto::MAX_PAYLOAD || n == u16::MAX {
                    break;
                }
                p.extend_from_slice(&entry);
                n += 1;
            }
            p[4..6].copy_from_slice(&n.to_be_bytes());
            self.request(proto::T_ROSTER_CHUNK, &p)?;
            index += usize::from(n);
        }
        let p = self.request(proto::T_ROSTER_COMMIT, &total.to_be_bytes())?;
        Reader::new(&p).u32().map_err(Self::protocol)
    }

    /// One page of records with seq > `after_seq`.
    pub fn pull(&mut self, after_seq: u32, max: u16) -> Result<PullPage, CardsError> {
        let mut req = after_seq.to_be_bytes().to_vec();
        req.extend_from_slice(&max.to_be_bytes());
        let p = self.request(proto::T_PULL, &req)?;
        PullPage::decode(&p).map_err(Self::protocol)
    }

    /// Info, clock and every record after `after_seq`, checking that seqs are gapless so a
    /// later clear cannot remove a record the host never saw.
    pub fn pull_all(&mut self, after_seq: u32) -> Result<Pulled, CardsError> {
        let info = self.info()?;
        let clock = self.clock_get()?;
        let mut records: Vec<SwipeRecord> = Vec::new();
        let mut cursor = after_seq;
        loop {
            let page = self.pull(cursor, self.page_size)?;
            for r in &page.records {
                let expected = records.last().map_or_else(
                    || cursor.max(info.cleared_through).max(info.first_seq.saturating_sub(1)) + 1,
                    |l| l.seq + 1,
                );
                if r.seq != expected {
                    return Err(CardsError::Protocol {
                        detail: format!("record seq {} where {expected} was expected", r.seq),
                    });
                }
                records.push(r.clone());
            }
            match page.records.last() {
                Some(l) if page.more => cursor = l.seq,
                _ => break,
            }
        }
        Ok(Pulled { info, records, clock })
    }

    /// Clears records with seq ≤ `up_to` if the device holds exactly `count` of them. A retry of
    /// a clear that already happened (its reply was lost) succeeds with 0 cleared; the request
    /// layer retries blindly because of that.
    pub fn clear(&mut self, up_to: u32, count: u32) -> Result<u32, CardsError> {
        let mut req = up_to.to_be_bytes().to_vec();
        req.extend_from_slice(&count.to_be_bytes());
        match self.request(proto::T_CLEAR, &req) {
            Ok(p) => Reader::new(&p).u32().map_err(Self::protocol),
            Err(CardsError::CountMismatch { device, .. }) => {
                Err(CardsError::CountMismatch { up_to, expected: count, device })
            }
            Err(e) => Err(e),
        }
    }
}
