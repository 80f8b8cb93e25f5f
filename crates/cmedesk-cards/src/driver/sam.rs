//! SAM (resident ID card) driver: baud probe with the status command, then a polling state
//! machine — find, select, read, then wait for the card to leave the field (a find answering
//! `80`) before the same card may count again. Select and read failures are retried; a device
//! that stops answering counts as gone so the supervisor reconnects and re-probes.

use super::{Ctx, Exit, Rejection, read_port};
use crate::ReaderEvent;
use crate::card::{CardRead, ReaderKind};
use crate::codec::sam::{self, SamDecoder, SamFrame};
use crate::error::CardsError;
use serialport::SerialPort;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

/// Upper bound of one exchange however slowly its bytes trickle in.
const MAX_EXCHANGE: Duration = Duration::from_secs(10);

/// A reply, or why there was none.
enum Reply {
    Frame(SamFrame, Instant),
    Timeout,
    Corrupt(crate::error::DecodeError),
}

struct Link {
    dec: SamDecoder,
    buf: Vec<u8>,
    /// Decoded but not yet consumed frames (a reply may arrive together with a late one).
    pending: std::collections::VecDeque<Result<SamFrame, crate::error::DecodeError>>,
}

impl Link {
    fn new() -> Self {
        Self { dec: SamDecoder::new(), buf: vec![0u8; 2048], pending: Default::default() }
    }

    /// Sends a command and waits for the next frame.
    fn transact(
        &mut self,
        stop: &AtomicBool,
        port: &mut dyn SerialPort,
        cmd: [u8; 2],
        timeout: Duration,
    ) -> Result<Reply, Exit> {
        // Anything still queued or half-received belongs to an earlier, abandoned exchange (a
        // reply that came after its timeout): drop it so replies never pair with the wrong
        // command. The SAM protocol has no request ids, hence also `fits` below.
        self.pending.clear();
        let _ = port.clear(serialport::ClearBuffer::Input);
        self.dec = SamDecoder::new();
        let frame = sam::command(cmd);
        if let Err(e) = port.write_all(&frame).and_then(|_| port.flush()) {
            return Err(Exit::Lost(e.to_string()));
        }
        let start = Instant::now();
        let mut deadline = start + timeout;
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Ok(match item {
                    Ok(f) => Reply::Frame(f, Instant::now()),
                    Err(e) => Reply::Corrupt(e),
                });
            }
            if Instant::now() >= deadline {
                return Ok(Reply::Timeout);
            }
            let n = read_port(stop, port, &mut self.buf)?;
            if n == 0 {
                continue;
            }
            let at = Instant::now();
            // Bytes are still coming (a slow or dripping line): the timeout counts from the
            // last byte, bounded so endless noise cannot hold the exchange open.
            deadline = (at + timeout).min(start + MAX_EXCHANGE);
            for item in self.dec.push(&self.buf[..n]) {
                match item {
                    Ok(f) if !fits(cmd, &f) => {}
                    Ok(f) => {
                        if self.pending.is_empty() {
                            // Stamp with the arrival of the bytes that completed it.
                            return Ok(Reply::Frame(f, at)).inspect(|_| self.pending.clear());
                        }
                        self.pending.push_back(Ok(f));
                    }
                    Err(crate::error::DecodeError::Garbage { .. }) => {}
                    Err(e) => self.pending.push_back(Err(e)),
                }
            }
        }
    }
}

/// Whether a reply can answer `cmd`: successful replies have a fixed data length per command
/// (find 4, select 8, status 0, read at least the two block lengths), so a stale success reply
/// of another command is recognised and skipped. Failure replies carry no data and are taken.
fn fits(cmd: [u8; 2], f: &SamFrame) -> bool {
    let data = f.data().len();
    match (cmd, f.sw3()) {
        (_, None) => false,
        (sam::CMD_FIND, Some(sam::SW_FIND_OK)) => data == 4,
        (_, Some(sam::SW_FIND_OK)) => false,
        (sam::CMD_SELECT, Some(sam::SW_OK)) => data == 8,
        (sam::CMD_STATUS, Some(sam::SW_OK)) => data == 0,
        (sam::CMD_READ, Some(sam::SW_OK)) => data >= 4,
        (sam::CMD_FIND, Some(sam::SW_OK)) => false,
        _ => true,
    }
}

/// Finds the baud rate at which the reader answers the status command. Returns the inner error
/// when nothing answers; `Err(Exit)` only when stopped.
pub(super) fn probe(ctx: &Ctx, port: &mut dyn SerialPort) -> Result<Result<u32, CardsError>, Exit> {
    let mut link = Link::new();
    for &baud in &ctx.cfg.sam.probe_bauds {
        if let Err(e) = port.set_baud_rate(baud) {
            return Ok(Err(CardsError::Io { path: port.name().unwrap_or_default(), detail: e.to_string() }));
        }
        // Two tries per rate: the first command after power-up is often lost.
        for _ in 0..2 {
            match link.transact(&ctx.stop, port, sam::CMD_STATUS, ctx.cfg.sam.reply_timeout) {
                Ok(Reply::Frame(f, _)) if f.sw3() == Some(sam::SW_OK) => return Ok(Ok(baud)),
                Ok(_) => {}
                Err(Exit::Stopped) => return Err(Exit::Stopped),
                Err(Exit::Lost(detail)) => {
                    return Ok(Err(CardsError::Io { path: port.name().unwrap_or_default(), detail }));
                }
            }
        }
    }
    Ok(Err(CardsError::Timeout {
        what: "ID card reader status probe at every baud rate".into(),
        millis: ctx.cfg.sam.reply_timeout.as_millis() as u64,
    }))
}

pub(super) fn run(ctx: &Ctx, port: &mut dyn SerialPort) -> Exit {
    match run_inner(ctx, port) {
        Ok(()) => Exit::Stopped,
        Err(e) => e,
    }
}

fn run_inner(ctx: &Ctx, port: &mut dyn SerialPort) -> Result<(), Exit> {
    let opts = &ctx.cfg.sam;
    let mut link = Link::new();
    // True after a read until a find says the field is empty.
    let mut card_in_field = false;
    let mut silent = 0u32;
    let mut next_poll = Instant::now();
    loop {
        let now = Instant::now();
        if next_poll > now {
            ctx.sleep(next_poll - now);
        }
        if ctx.stopped() {
            return Err(Exit::Stopped);
        }
        next_poll = Instant::now() + opts.poll_interval;
        let find = link.transact(&ctx.stop, port, sam::CMD_FIND, opts.reply_timeout)?;
        let sw = match find {
            Reply::Frame(f, _) => {
                silent = 0;
                f.sw3()
            }
            Reply::Timeout => {
                silent += 1;
                if silent >= opts.max_silent {
                    return Err(Exit::Lost(format!("reader stopped answering ({silent} commands)")));
                }
                continue;
            }
            Reply::Corrupt(_) => continue,
        };
        match sw {
            Some(sam::SW_NO_CARD) => card_in_field = false,
            Some(sam::SW_FIND_OK) if !card_in_field => {
                // Whatever happens, this presentation is handled once: a card we could not read
                // must also leave the field before we try it again.
                card_in_field = true;
                read_card(ctx, port, &mut link)?;
            }
            _ => {}
        }
    }
}

/// Select + read with retries; emits a `Card` or a `Rejected`.
fn read_card(ctx: &Ctx, port: &mut dyn SerialPort, link: &mut Link) -> Result<(), Exit> {
    let opts = &ctx.cfg.sam;
    let mut last_error =
        CardsError::Timeout { what: "ID card read".into(), millis: opts.reply_timeout.as_millis() as u64 };
    for attempt in 0..opts.attempts.max(1) {
        if attempt > 0 {
            // A failed select usually means the card was moved: find it again first.
            match link.transact(&ctx.stop, port, sam::CMD_FIND, opts.reply_timeout)? {
                Reply::Frame(f, _) if f.sw3() == Some(sam::SW_NO_CARD) => {
                    ctx.reject(Rejection::Card(last_error));
                    return Ok(());
                }
                _ => {}
            }
        }
        match link.transact(&ctx.stop, port, sam::CMD_SELECT, opts.reply_timeout)? {
            Reply::Frame(f, _) if f.sw3() == Some(sam::SW_OK) => {}
            Reply::Frame(f, _) => {
                last_error = CardsError::ReadFailed { sw3: f.sw3().unwrap_or(0) };
                continue;
            }
            Reply::Timeout => continue,
            Reply::Corrupt(e) => {
                last_error = CardsError::Protocol { detail: e.to_string() };
                continue;
            }
        }
        // The read reply is 1,295 bytes: about 112 ms of wire time at 115200 baud.
        let timeout = opts.reply_timeout + Duration::from_millis(200);
        match link.transact(&ctx.stop, port, sam::CMD_READ, timeout)? {
            Reply::Frame(f, at) if f.sw3() == Some(sam::SW_OK) => {
                let parsed = f.take_text_block().and_then(|text| {
                    let holder = sam::parse_text_block(&text)?;
                    Ok((text, holder))
                });
                match parsed {
                    Ok((text, holder)) => {
                        ctx.send(ReaderEvent::Card(CardRead {
                            reader_id: ctx.cfg.reader_id.clone(),
                            reader: ReaderKind::Sam,
                            card_key: sam::card_key(&holder),
                            raw: text.to_vec(),
                            frame_end: at,
                            holder: Some(Box::new(holder)),
                        }));
                    }
                    // A card that reads cleanly but carries a bad number will not improve.
                    Err(e) => ctx.reject(Rejection::Card(e)),
                }
                return Ok(());
            }
            Reply::Frame(f, _) => last_error = CardsError::ReadFailed { sw3: f.sw3().unwrap_or(0) },
            Reply::Timeout => {}
            Reply::Corrupt(e) => last_error = CardsError::Protocol { detail: e.to_string() },
        }
    }
    ctx.reject(Rejection::Card(last_error));
    Ok(())
}

/// What [`read_once`] returns: the holder, the 256-byte text block, and when the read reply's
/// last byte arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdCardReadout {
    pub holder: crate::card::IdCardHolder,
    pub text: Vec<u8>,
    pub frame_end: Instant,
}

/// One find → select → read exchange on an open port, outside the supervisor (diagnostics,
/// the read-cycle benchmark). Uses the same exchange code as the driver. `Ok(None)`: no card.
pub fn read_once(
    port: &mut dyn SerialPort,
    reply_timeout: Duration,
) -> Result<Option<IdCardReadout>, CardsError> {
    let stop = AtomicBool::new(false);
    let mut link = Link::new();
    let path = port.name().unwrap_or_default();
    let lost = |e: Exit| match e {
        Exit::Lost(detail) => CardsError::Io { path: path.clone(), detail },
        Exit::Stopped => CardsError::Io { path: path.clone(), detail: "stopped".into() },
    };
    let mut step = |cmd: [u8; 2], timeout: Duration| -> Result<(SamFrame, Instant), CardsError> {
        match link.transact(&stop, port, cmd, timeout).map_err(lost)? {
            Reply::Frame(f, at) => Ok((f, at)),
            Reply::Timeout => Err(CardsError::Timeout {
                what: format!("command {:02X} {:02X}", cmd[0], cmd[1]),
                millis: timeout.as_millis() as u64,
            }),
            Reply::Corrupt(e) => Err(CardsError::Protocol { detail: e.to_string() }),
        }
    };
    let (find, _) = step(sam::CMD_FIND, reply_timeout)?;
    if find.sw3() != Some(sam::SW_FIND_OK) {
        return Ok(None);
    }
    let (select, _) = step(sam::CMD_SELECT, reply_timeout)?;
    if select.sw3() != Some(sam::SW_OK) {
        return Err(CardsError::ReadFailed { sw3: select.sw3().unwrap_or(0) });
    }
    let (read, at) = step(sam::CMD_READ, reply_timeout + Duration::from_millis(200))?;
    if read.sw3() != Some(sam::SW_OK) {
        return Err(CardsError::ReadFailed { sw3: read.sw3().unwrap_or(0) });
    }
    let text = read.take_text_block()?;
    let holder = sam::parse_text_block(&text)?;
    Ok(Some(IdCardReadout { holder, text: text.to_vec(), frame_end: at }))
}
