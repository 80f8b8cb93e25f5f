//! Simulated readers and storing terminals on pseudo-terminal pairs, for tests and for
//! `cmedesk sim <sam|em4100|ascii|terminal> [--script FILE]`. A simulator serves the master end;
//! drivers open the slave path through the real `serialport::new(path)` code. Output is paced at
//! the configured baud rate's wire time (10 bits per byte, 8N1), and replies start only after the
//! command's own wire time, so timing figures measured against a simulator are meaningful.
//! Unplug drops the pair (the driver sees a hang-up); replug makes a new pair on a new path.

mod devices;
mod script;

pub use script::{Script, Step};

use crate::codec::ascii::AsciiConfig;
use crate::error::CardsError;
use serialport::{SerialPort, TTYPort};
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// `TTYPort::pair()` is not thread-safe (ptsname and grantpt race): every pair is made under it.
static PAIR_LOCK: Mutex<()> = Mutex::new(());

/// Creates a pseudo-terminal pair under the global lock. Returns `(master, slave)`.
pub fn pty_pair() -> Result<(TTYPort, TTYPort), CardsError> {
    let _guard = PAIR_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    TTYPort::pair().map_err(|e| CardsError::PortOpen { path: "(pty pair)".into(), detail: e.to_string() })
}

/// Which device to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimKind {
    Sam,
    Em4100,
    Ascii,
    Terminal,
}

impl std::str::FromStr for SimKind {
    type Err = CardsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sam" => Ok(Self::Sam),
            "em4100" => Ok(Self::Em4100),
            "ascii" => Ok(Self::Ascii),
            "terminal" => Ok(Self::Terminal),
            other => Err(CardsError::Config {
                field: "kind",
                detail: format!("unknown simulator {other:?} (sam, em4100, ascii, terminal)"),
            }),
        }
    }
}

/// Simulator settings.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Wire pacing in baud (10 bits per byte); 0 sends as fast as the pty takes it.
    pub baud: u32,
    /// SAM: answer only when the driver's port is set to one of these rates (real UARTs at the
    /// wrong rate see noise); `None` answers at any rate. Ptys carry the rate in their termios.
    pub sam_accept_bauds: Option<Vec<u32>>,
    /// EM4100: interval between repeated frames while a card is on the reader.
    pub em_repeat: Duration,
    /// ASCII: how the reader prints numbers.
    pub ascii: AsciiConfig,
    /// ASCII: repeat the line at this interval while the card stays (`None`: once per placement).
    pub ascii_repeat: Option<Duration>,
    /// Terminal: identity.
    pub terminal_serial: String,
    pub terminal_capacity: u32,
}

impl SimOptions {
    /// Defaults for a device kind: SAM 115200, EM4100 and ASCII 9600, terminal 921600 (a USB
    /// bridge's top UART rate; native USB CDC terminals are faster).
    pub fn for_kind(kind: SimKind) -> Self {
        Self {
            baud: match kind {
                SimKind::Sam => 115_200,
                SimKind::Em4100 | SimKind::Ascii => 9_600,
                SimKind::Terminal => 921_600,
            },
            sam_accept_bauds: None,
            em_repeat: Duration::from_millis(100),
            ascii: AsciiConfig::default(),
            ascii_repeat: None,
            terminal_serial: "SIM-0001".into(),
            terminal_capacity: 100_000,
        }
    }
}

/// Counters a simulator keeps (tests compare them with what drivers reported).
#[derive(Debug, Default)]
pub struct SimStats {
    /// Commands received from the host.
    pub commands: AtomicU64,
    /// Bytes written to the wire.
    pub bytes_out: AtomicU64,
    /// Complete card reads served (SAM read replies, EM4100/ASCII frames, terminal records added).
    pub reads: AtomicU64,
}

/// Output scheduled on the wire: every byte has the instant its last bit leaves the device.
pub(crate) struct Wire {
    queue: VecDeque<(Instant, u8)>,
    byte_time: Duration,
    drip: Option<Duration>,
    last: Instant,
}

impl Wire {
    fn new(baud: u32) -> Self {
        let byte_time =
            if baud == 0 { Duration::ZERO } else { Duration::from_nanos(10_000_000_000 / u64::from(baud)) };
        Self { queue: VecDeque::new(), byte_time, drip: None, last: Instant::now() }
    }

    /// Wire time of `n` bytes.
    pub(crate) fn time_of(&self, n: usize) -> Duration {
        self.byte_time * n as u32
    }

    /// Queues bytes to start no earlier than `not_before`.
    pub(crate) fn send_at(&mut self, bytes: &[u8], not_before: Instant) {
        let mut t = self.last.max(not_before);
        let step = self.drip.unwrap_or(self.byte_time);
        for &b in bytes {
            t += step;
            self.queue.push_back((t, b));
        }
        self.last = t;
    }

    pub(crate) fn send(&mut self, bytes: &[u8]) {
        self.send_at(bytes, Instant::now());
    }

    fn next_due(&self) -> Option<Instant> {
        self.queue.front().map(|(t, _)| *t)
    }

    fn clear(&mut self) {
        self.queue.clear();
    }

    /// Writes every byte that is due; returns how many were written.
    fn pump(&mut self, port: &mut TTYPort, now: Instant) -> std::io::Result<usize> {
        let due = self.queue.iter().take_while(|(t, _)| *t <= now).count();
        if due == 0 {
            return Ok(0);
        }
        let bytes: Vec<u8> = self.queue.iter().take(due).map(|(_, b)| *b).collect();
        let n = match port.write(&bytes) {
            Ok(n) => n,
            // The pty buffer is full (the driver is not reading): keep the bytes for later.
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => 0,
            Err(e) => return Err(e),
        };
        self.queue.drain(..n);
        Ok(n)
    }
}

/// What a simulated device does with host bytes, script steps and the passage of time.
pub(crate) trait Device: Send {
    fn on_bytes(&mut self, data: &[u8], ctx: &mut DevCtx<'_>);
    /// Applies a device-specific script step (`place`, `remove`, `fail-read`, ...).
    fn on_step(&mut self, step: &Step, ctx: &mut DevCtx<'_>) -> Result<(), CardsError>;
    fn on_tick(&mut self, _ctx: &mut DevCtx<'_>) {}
}

pub(crate) struct DevCtx<'a> {
    pub(crate) wire: &'a mut Wire,
    pub(crate) now: Instant,
    pub(crate) stats: &'a SimStats,
    /// Baud rate the host has set on the port (from the shared pty termios).
    pub(crate) host_baud: Option<u32>,
}

enum Cmd {
    /// A step with its script line (0 for steps given directly).
    Step(usize, Step),
    Stop,
}

/// A simulator running on its own thread.
pub struct SimHandle {
    slot: Arc<Mutex<Option<String>>>,
    tx: Sender<Cmd>,
    queued: Arc<AtomicU64>,
    done: Arc<AtomicU64>,
    idle: Arc<AtomicBool>,
    error: Arc<Mutex<Option<CardsError>>>,
    pub stats: Arc<SimStats>,
    thread: Option<JoinHandle<()>>,
}

impl SimHandle {
    /// Current slave path (`None` while unplugged).
    pub fn path(&self) -> Option<String> {
        self.slot.lock().ok().and_then(|p| p.clone())
    }

    /// The shared slot holding the current path, for `PortLocator::Slot`.
    pub fn slot(&self) -> Arc<Mutex<Option<String>>> {
        self.slot.clone()
    }

    pub fn step(&self, step: Step) {
        self.step_at(0, step);
    }

    fn step_at(&self, line: usize, step: Step) {
        self.queued.fetch_add(1, Ordering::SeqCst);
        self.idle.store(false, Ordering::SeqCst);
        if self.tx.send(Cmd::Step(line, step)).is_err() {
            self.done.fetch_add(1, Ordering::SeqCst);
        }
    }

    pub fn play(&self, script: &Script) {
        for (line, s) in &script.steps {
            self.step_at(*line, s.clone());
        }
    }

    /// Waits until every queued step ran and all output left the wire.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let until = Instant::now() + timeout;
        while Instant::now() < until {
            if self.done.load(Ordering::SeqCst) >= self.queued.load(Ordering::SeqCst)
                && self.idle.load(Ordering::SeqCst)
            {
                return true;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        false
    }

    /// The first error a step or the pty produced, if any.
    pub fn error(&self) -> Option<CardsError> {
        self.error.lock().ok().and_then(|e| e.clone())
    }

    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let _ = self.tx.send(Cmd::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Starts a simulator on a fresh pty pair; `handle.path()` is where a driver connects.
pub fn start(kind: SimKind, opts: SimOptions) -> Result<SimHandle, CardsError> {
    start_with(kind, opts, Box::new(|_| {}))
}

/// Like [`start`], calling `on_path` with every new slave path (first plug and each replug).
pub fn start_with(
    kind: SimKind,
    opts: SimOptions,
    on_path: Box<dyn FnMut(&str) + Send>,
) -> Result<SimHandle, CardsError> {
    let (tx, rx) = mpsc::channel();
    let slot = Arc::new(Mutex::new(None));
    let mut handle = SimHandle {
        slot: slot.clone(),
        tx,
        queued: Arc::new(AtomicU64::new(0)),
        done: Arc::new(AtomicU64::new(0)),
        idle: Arc::new(AtomicBool::new(true)),
        error: Arc::new(Mutex::new(None)),
        stats: Arc::new(SimStats::default()),
        thread: None,
    };
    let mut sim = Sim {
        device: devices::make(kind, &opts),
        wire: Wire::new(opts.baud),
        pty: None,
        slot,
        on_path,
        rx,
        steps: VecDeque::new(),
        wait_until: None,
        done: handle.done.clone(),
        idle: handle.idle.clone(),
        error: handle.error.clone(),
        stats: handle.stats.clone(),
    };
    sim.plug()?;
    let thread = std::thread::Builder::new()
        .name("card-sim".into())
        .spawn(move || sim.run())
        .map_err(|e| CardsError::Config { field: "sim", detail: e.to_string() })?;
    handle.thread = Some(thread);
    Ok(handle)
}

/// Runs a simulator in the calling thread for the CLI: prints nothing itself, calls `on_path`
/// with each slave path, plays `script`, then keeps serving until `stop` is set (or returns
/// right after the script when `serve_after` is false).
pub fn run(
    kind: SimKind,
    opts: SimOptions,
    script: &Script,
    on_path: Box<dyn FnMut(&str) + Send>,
    serve_after: bool,
    stop: &AtomicBool,
) -> Result<(), CardsError> {
    let handle = start_with(kind, opts, on_path)?;
    handle.play(script);
    while !stop.load(Ordering::SeqCst) {
        if let Some(e) = handle.error() {
            return Err(e);
        }
        if !serve_after && handle.wait_idle(Duration::from_millis(50)) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    handle.error().map_or(Ok(()), Err)
}

struct Sim {
    device: Box<dyn Device>,
    wire: Wire,
    /// Master (served here) and our own slave handle, kept open so the pty stays usable while
    /// no driver has it open (a master with no slave open reports hang-ups).
    pty: Option<(TTYPort, TTYPort)>,
    slot: Arc<Mutex<Option<String>>>,
    on_path: Box<dyn FnMut(&str) + Send>,
    rx: Receiver<Cmd>,
    steps: VecDeque<(usize, Step)>,
    wait_until: Option<Instant>,
    done: Arc<AtomicU64>,
    idle: Arc<AtomicBool>,
    error: Arc<Mutex<Option<CardsError>>>,
    stats: Arc<SimStats>,
}

impl Sim {
    fn plug(&mut self) -> Result<(), CardsError> {
        let (mut master, slave) = pty_pair()?;
        let path = slave.name().unwrap_or_default();
        master
            .set_timeout(Duration::from_millis(1))
            .map_err(|e| CardsError::PortOpen { path: path.clone(), detail: e.to_string() })?;
        self.pty = Some((master, slave));
        if let Ok(mut s) = self.slot.lock() {
            *s = Some(path.clone());
        }
        (self.on_path)(&path);
        Ok(())
    }

    fn unplug(&mut self) {
        self.pty = None;
        self.wire.clear();
        if let Ok(mut s) = self.slot.lock() {
            *s = None;
        }
    }

    fn fail(&self, e: CardsError) {
        if let Ok(mut slot) = self.error.lock() {
            slot.get_or_insert(e);
        }
    }

    fn run(mut self) {
        let mut buf = vec![0u8; 4096];
        loop {
            loop {
                match self.rx.try_recv() {
                    Ok(Cmd::Step(line, s)) => self.steps.push_back((line, s)),
                    Ok(Cmd::Stop) | Err(TryRecvError::Disconnected) => return,
                    Err(TryRecvError::Empty) => break,
                }
            }
            let now = Instant::now();
            if self.wait_until.is_some_and(|t| t <= now) {
                self.wait_until = None;
            }
            while self.wait_until.is_none() {
                let Some((line, step)) = self.steps.pop_front() else {
                    break;
                };
                match self.apply(&step, now) {
                    // Device errors know the step, not where it was written.
                    Err(CardsError::Script { line: 0, detail }) if line > 0 => {
                        self.fail(CardsError::Script { line, detail })
                    }
                    Err(e) => self.fail(e),
                    Ok(()) => {}
                }
                self.done.fetch_add(1, Ordering::SeqCst);
            }
            let mut got = 0;
            if let Some((master, _)) = self.pty.as_mut() {
                match self.wire.pump(master, now) {
                    Ok(n) => {
                        self.stats.bytes_out.fetch_add(n as u64, Ordering::Relaxed);
                    }
                    Err(_) => self.wire.clear(),
                }
                // Read host bytes, waiting at most until the next byte is due.
                let wait = self
                    .wire
                    .next_due()
                    .map(|t| t.saturating_duration_since(Instant::now()))
                    .unwrap_or(Duration::from_millis(5))
                    .clamp(Duration::from_millis(1), Duration::from_millis(5));
                let _ = master.set_timeout(wait);
                match master.read(&mut buf) {
                    Ok(n) => got = n,
                    Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                    // No driver has the port open right now: not an error for a device.
                    Err(_) => std::thread::sleep(wait),
                }
            } else {
                std::thread::sleep(Duration::from_millis(5));
            }
            // Read the rate after the bytes arrived: the host sets it before it writes.
            let host_baud = self.pty.as_ref().and_then(|(_, s)| s.baud_rate().ok());
            let mut ctx = DevCtx { wire: &mut self.wire, now: Instant::now(), stats: &self.stats, host_baud };
            if got > 0 {
                self.device.on_bytes(&buf[..got], &mut ctx);
            }
            if self.pty.is_some() {
                self.device.on_tick(&mut ctx);
            }
            let idle = self.steps.is_empty() && self.wait_until.is_none() && self.wire.queue.is_empty();
            self.idle.store(idle, Ordering::SeqCst);
        }
    }

    fn apply(&mut self, step: &Step, now: Instant) -> Result<(), CardsError> {
        match step {
            Step::Wait(d) => self.wait_until = Some(now + *d),
            Step::Unplug => self.unplug(),
            Step::Replug => {
                if self.pty.is_none() {
                    self.plug()?;
                }
            }
            Step::Garbage(bytes) => self.wire.send(bytes),
            Step::Drip(d) => self.wire.drip = (!d.is_zero()).then_some(*d),
            other => {
                let host_baud = None;
                let mut ctx = DevCtx { wire: &mut self.wire, now, stats: &self.stats, host_baud };
                self.device.on_step(other, &mut ctx)?;
            }
        }
        Ok(())
    }
}
