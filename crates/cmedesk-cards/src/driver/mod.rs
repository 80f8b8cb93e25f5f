//! Reader drivers and their supervisor: one thread per port, short read timeouts, events on a
//! channel. The supervisor finds the port (fixed path, USB identity or a published slot), opens
//! it, runs the driver for the reader kind until the device goes away, reports `Disconnected`,
//! and reconnects when the device returns, possibly on a new path.

mod sam;
pub use sam::{IdCardReadout, read_once};
mod stream;

use crate::card::{CardRead, ReaderKind};
use crate::codec::ascii::AsciiConfig;
use crate::error::{CardsError, DecodeError};
use crate::ports::{self, PortLocator};
use serialport::SerialPort;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Connection state changes of a reader.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ReaderStatus {
    /// The port is open and the device answered (SAM: status probe; others: port opened).
    Connected { path: String, baud: u32 },
    /// The device went away (unplugged, hung up, stopped answering); reconnection follows.
    Disconnected { reason: String },
    /// Opening or probing failed; retried until it works or the reader is stopped. Repeated
    /// identical errors are reported once.
    Error(CardsError),
}

/// Why a card presentation produced no read.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", content = "error", rename_all = "snake_case")]
pub enum Rejection {
    /// A corrupt frame (bad checksum, length, digits); garbage between frames is only counted.
    Decode(DecodeError),
    /// A read that failed after its retries, or a card with an invalid ID number.
    Card(CardsError),
}

/// What reader threads send to the ingest writer. Serializes as `{"type": "card" | "status" |
/// "rejected", ...}` for UI events.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReaderEvent {
    Card(CardRead),
    Status { reader_id: String, status: ReaderStatus },
    Rejected { reader_id: String, rejection: Rejection },
}

/// Options of the SAM (ID card) driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamOptions {
    /// Interval between `find` commands (the protocol asks for ≥ 300 ms).
    pub poll_interval: Duration,
    /// How long to wait for one reply.
    pub reply_timeout: Duration,
    /// Select + read attempts per presentation before it is rejected.
    pub attempts: u32,
    /// Baud rates tried, in order, with a status probe.
    pub probe_bauds: Vec<u32>,
    /// Consecutive unanswered commands after which the device counts as gone.
    pub max_silent: u32,
}

impl Default for SamOptions {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_millis(300),
            reply_timeout: Duration::from_millis(500),
            attempts: 3,
            probe_bauds: vec![115_200, 57_600, 38_400, 19_200, 9_600],
            max_silent: 3,
        }
    }
}

/// Everything a reader thread needs.
#[derive(Debug, Clone)]
pub struct ReaderConfig {
    pub reader_id: String,
    pub kind: ReaderKind,
    pub locator: PortLocator,
    /// Baud rate; SAM readers probe `sam.probe_bauds` instead.
    pub baud: u32,
    /// Port read timeout (50–100 ms keeps stop and unplug detection prompt).
    pub read_timeout: Duration,
    /// Pause between reconnection attempts.
    pub reconnect_interval: Duration,
    /// EM4100/ASCII: the same card counts again only after this much silence from it.
    pub repeat_silence: Duration,
    pub sam: SamOptions,
    pub ascii: AsciiConfig,
}

impl ReaderConfig {
    /// Defaults for a reader kind: SAM 115200 (probed), EM4100 and ASCII 9600.
    pub fn new(reader_id: impl Into<String>, kind: ReaderKind, locator: PortLocator) -> Self {
        Self {
            reader_id: reader_id.into(),
            kind,
            locator,
            baud: if kind == ReaderKind::Sam { 115_200 } else { 9_600 },
            read_timeout: Duration::from_millis(50),
            reconnect_interval: Duration::from_millis(200),
            repeat_silence: Duration::from_millis(500),
            sam: SamOptions::default(),
            ascii: AsciiConfig::default(),
        }
    }
}

/// A running reader thread. Dropping it stops the thread and waits for it.
#[derive(Debug)]
pub struct ReaderHandle {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ReaderHandle {
    /// Starts the reader thread; events go to `tx` until the handle is stopped or the receiver
    /// is dropped.
    pub fn spawn(cfg: ReaderConfig, tx: Sender<ReaderEvent>) -> Result<Self, CardsError> {
        if cfg.kind == ReaderKind::Ascii {
            // Validate now so a bad terminator is a clear error, not a thread that never reads.
            crate::codec::ascii::AsciiDecoder::new(cfg.ascii.clone())?;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let ctx = Ctx { cfg, tx, stop: stop.clone() };
        let thread = std::thread::Builder::new()
            .name(format!("reader-{}", ctx.cfg.reader_id))
            .spawn(move || supervise(ctx))
            .map_err(|e| CardsError::Config {
                field: "reader",
                detail: format!("cannot start thread: {e}"),
            })?;
        Ok(Self { stop, thread: Some(thread) })
    }

    /// Stops the thread and waits for it (at most about one read timeout).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ReaderHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Why a driver returned.
pub(crate) enum Exit {
    Stopped,
    Lost(String),
}

pub(crate) struct Ctx {
    pub(crate) cfg: ReaderConfig,
    pub(crate) tx: Sender<ReaderEvent>,
    pub(crate) stop: Arc<AtomicBool>,
}

impl Ctx {
    pub(crate) fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Sends an event; a dropped receiver stops the reader.
    pub(crate) fn send(&self, ev: ReaderEvent) {
        if self.tx.send(ev).is_err() {
            self.stop.store(true, Ordering::SeqCst);
        }
    }

    pub(crate) fn status(&self, status: ReaderStatus) {
        self.send(ReaderEvent::Status { reader_id: self.cfg.reader_id.clone(), status });
    }

    pub(crate) fn reject(&self, rejection: Rejection) {
        self.send(ReaderEvent::Rejected { reader_id: self.cfg.reader_id.clone(), rejection });
    }

    /// Sleeps in short steps so a stop request is honoured promptly.
    pub(crate) fn sleep(&self, d: Duration) {
        let until = Instant::now() + d;
        while !self.stopped() {
            let now = Instant::now();
            if now >= until {
                break;
            }
            std::thread::sleep((until - now).min(Duration::from_millis(20)));
        }
    }

    /// One read with the port timeout: `Ok(0)` on a quiet line, `Err` when the device is gone.
    pub(crate) fn read(&self, port: &mut dyn SerialPort, buf: &mut [u8]) -> Result<usize, Exit> {
        read_port(&self.stop, port, buf)
    }
}

pub(crate) fn read_port(stop: &AtomicBool, port: &mut dyn SerialPort, buf: &mut [u8]) -> Result<usize, Exit> {
    if stop.load(Ordering::SeqCst) {
        return Err(Exit::Stopped);
    }
    match port.read(buf) {
        Ok(0) => Err(Exit::Lost("port closed".into())),
        Ok(n) => Ok(n),
        Err(e) if matches!(e.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::Interrupted) => Ok(0),
        Err(e) => Err(Exit::Lost(e.to_string())),
    }
}

fn supervise(ctx: Ctx) {
    let mut last_error: Option<CardsError> = None;
    let report = |ctx: &Ctx, last_error: &mut Option<CardsError>, e: CardsError| {
        if last_error.as_ref() != Some(&e) {
            ctx.status(ReaderStatus::Error(e.clone()));
            *last_error = Some(e);
        }
    };
    while !ctx.stopped() {
        let Some(path) = ctx.cfg.locator.locate() else {
            report(&ctx, &mut last_error, CardsError::PortNotFound { path: ctx.cfg.locator.describe() });
            ctx.sleep(ctx.cfg.reconnect_interval);
            continue;
        };
        let mut port = match ports::open(&path, ctx.cfg.baud, ctx.cfg.read_timeout) {
            Ok(p) => p,
            Err(e) => {
                report(&ctx, &mut last_error, e);
                ctx.sleep(ctx.cfg.reconnect_interval);
                continue;
            }
        };
        let exit = match ctx.cfg.kind {
            ReaderKind::Sam => match sam::probe(&ctx, port.as_mut()) {
                Ok(Ok(baud)) => {
                    last_error = None;
                    ctx.status(ReaderStatus::Connected { path: path.clone(), baud });
                    sam::run(&ctx, port.as_mut())
                }
                Ok(Err(e)) => {
                    report(&ctx, &mut last_error, e);
                    drop(port);
                    ctx.sleep(ctx.cfg.reconnect_interval);
                    continue;
                }
                Err(exit) => exit,
            },
            ReaderKind::Em4100 | ReaderKind::Ascii => {
                last_error = None;
                ctx.status(ReaderStatus::Connected { path: path.clone(), baud: ctx.cfg.baud });
                stream::run(&ctx, port.as_mut())
            }
        };
        drop(port);
        match exit {
            Exit::Stopped => break,
            Exit::Lost(reason) => {
                ctx.status(ReaderStatus::Disconnected { reason });
                ctx.sleep(ctx.cfg.reconnect_interval);
            }
        }
    }
}
