//! The simulated devices: a SAM ID card reader, an EM4100 reader, an ASCII-line reader and a
//! storing terminal speaking our protocol. Each reacts to host bytes, script steps and time.

use super::{DevCtx, Device, SimKind, SimOptions, Step};
use crate::codec::ascii::{AsciiConfig, NumberFormat};
use crate::codec::terminal::{
    self as proto, DeviceInfo, ErrorReply, PullPage, Reader, SwipeRecord, TerminalDecoder,
};
use crate::codec::{em4100, parse_hex, sam};
use crate::error::CardsError;
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub(super) fn make(kind: SimKind, opts: &SimOptions) -> Box<dyn Device> {
    match kind {
        SimKind::Sam => Box::new(SamReader {
            dec: sam::SamDecoder::new(),
            card: None,
            fail_reads: 0,
            accept: opts.sam_accept_bauds.clone(),
            photo_seed: 1,
        }),
        SimKind::Em4100 => {
            Box::new(EmReader { card: None, fail: 0, repeat: opts.em_repeat, next: Instant::now() })
        }
        SimKind::Ascii => Box::new(AsciiReader {
            cfg: opts.ascii.clone(),
            card: None,
            fail: 0,
            repeat: opts.ascii_repeat,
            next: Instant::now(),
        }),
        SimKind::Terminal => Box::new(Terminal::new(opts)),
    }
}

fn bad_card(step: &Step, detail: &str) -> CardsError {
    let card = match step {
        Step::Place { card, .. } => card.as_str(),
        _ => "",
    };
    CardsError::Script { line: 0, detail: format!("{} {card}: {detail}", step.verb()) }
}

fn step_unsupported(step: &Step, kind: &str) -> Result<(), CardsError> {
    Err(CardsError::Script {
        line: 0,
        detail: format!("{} does not apply to the {kind} simulator", step.verb()),
    })
}

struct SamReader {
    dec: sam::SamDecoder,
    card: Option<[u8; sam::TEXT_LEN]>,
    fail_reads: u32,
    accept: Option<Vec<u32>>,
    photo_seed: u32,
}

impl Device for SamReader {
    fn on_bytes(&mut self, data: &[u8], ctx: &mut DevCtx<'_>) {
        let frames: Vec<_> = self.dec.push(data).collect();
        for f in frames.into_iter().flatten() {
            // The command's bytes took wire time to arrive; the reply starts after them.
            let start = ctx.now + ctx.wire.time_of(f.payload.len() + 8);
            ctx.stats.commands.fetch_add(1, Ordering::Relaxed);
            if let (Some(accept), Some(baud)) = (&self.accept, ctx.host_baud)
                && !accept.contains(&baud)
            {
                // At the wrong rate a UART sees noise, and answers nothing sensible.
                ctx.wire.send_at(&[0xFF, 0x00, 0xF0], start);
                continue;
            }
            let reply = match f.command() {
                Some(sam::CMD_STATUS) => sam::reply(sam::SW_OK, &[]),
                Some(sam::CMD_SAM_ID) => sam::reply(
                    sam::SW_OK,
                    &[0x05, 0x00, 0x01, 0x00, 0x20, 0x26, 0x11, 0x22, 0, 0, 0, 1, 0, 0, 0, 1],
                ),
                Some(sam::CMD_FIND) if self.card.is_some() => sam::reply(sam::SW_FIND_OK, &[0, 0, 0, 0]),
                Some(sam::CMD_FIND) => sam::reply(sam::SW_NO_CARD, &[]),
                Some(sam::CMD_SELECT) if self.card.is_some() => sam::reply(sam::SW_OK, &[0; 8]),
                Some(sam::CMD_SELECT) => sam::reply(sam::SW_SELECT_FAIL, &[]),
                Some(sam::CMD_READ) => match &self.card {
                    Some(_) if self.fail_reads > 0 => {
                        self.fail_reads -= 1;
                        sam::reply(sam::SW_READ_FAIL, &[])
                    }
                    Some(text) => {
                        // The photo is noise: a real one is a 1 KB wavelet image we never keep.
                        let mut photo = [0u8; sam::PHOTO_LEN];
                        for b in photo.iter_mut() {
                            self.photo_seed =
                                self.photo_seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                            *b = (self.photo_seed >> 16) as u8;
                        }
                        ctx.stats.reads.fetch_add(1, Ordering::Relaxed);
                        sam::read_reply(text, &photo)
                    }
                    None => sam::reply(sam::SW_NO_CARD, &[]),
                },
                // Unknown command.
                _ => sam::reply(0x21, &[]),
            };
            ctx.wire.send_at(&reply, start);
        }
    }

    fn on_step(&mut self, step: &Step, _ctx: &mut DevCtx<'_>) -> Result<(), CardsError> {
        match step {
            Step::Place { card, name } => {
                let holder = sam::synthetic_holder(card, name.as_deref().unwrap_or("测试人员"));
                self.card = Some(sam::build_text_block(&holder));
            }
            Step::Remove => self.card = None,
            Step::FailRead(n) => self.fail_reads = *n,
            other => return step_unsupported(other, "sam"),
        }
        Ok(())
    }
}

struct EmReader {
    card: Option<[u8; 5]>,
    fail: u32,
    repeat: Duration,
    next: Instant,
}

impl Device for EmReader {
    fn on_bytes(&mut self, _data: &[u8], _ctx: &mut DevCtx<'_>) {}

    fn on_step(&mut self, step: &Step, ctx: &mut DevCtx<'_>) -> Result<(), CardsError> {
        match step {
            Step::Place { card, .. } => {
                let id: [u8; 5] = parse_hex(card)
                    .and_then(|v| v.try_into().ok())
                    .ok_or_else(|| bad_card(step, "EM4100 cards are 10 hex digits"))?;
                self.card = Some(id);
                self.next = ctx.now;
            }
            Step::Remove => self.card = None,
            Step::FailRead(n) => self.fail = *n,
            other => return step_unsupported(other, "em4100"),
        }
        Ok(())
    }

    fn on_tick(&mut self, ctx: &mut DevCtx<'_>) {
        let Some(id) = self.card else { return };
        if ctx.now < self.next {
            return;
        }
        let mut frame = em4100::encode(id);
        if self.fail > 0 {
            self.fail -= 1;
            // Corrupt the checksum digit: a bit error on the air interface.
            frame[12] = if frame[12] == b'0' { b'1' } else { b'0' };
        } else {
            ctx.stats.reads.fetch_add(1, Ordering::Relaxed);
        }
        ctx.wire.send(&frame);
        self.next = ctx.now + self.repeat;
    }
}

struct AsciiReader {
    cfg: AsciiConfig,
    /// The line the reader prints for the card on it (without terminator).
    card: Option<String>,
    fail: u32,
    repeat: Option<Duration>,
    next: Instant,
}

impl AsciiReader {
    fn emit(&mut self, ctx: &mut DevCtx<'_>) {
        let Some(text) = &self.card else { return };
        let mut text = text.clone();
        if self.fail > 0 {
            self.fail -= 1;
            text.replace_range(0..1, "?");
        } else {
            ctx.stats.reads.fetch_add(1, Ordering::Relaxed);
        }
        let mut line = text.into_bytes();
        line.extend_from_slice(&self.cfg.terminator);
        ctx.wire.send(&line);
    }

    /// The printed form of a scripted card: the UID (hex) in the configured format, or for
    /// `printed` readers the number exactly as given.
    fn printed(&self, card: &str) -> Result<String, String> {
        if self.cfg.format == NumberFormat::Printed {
            self.cfg.format.card_key(card)?;
            return Ok(card.to_string());
        }
        let uid = parse_hex(card).filter(|v| !v.is_empty()).ok_or("the UID must be hex")?;
        self.cfg
            .format
            .format(&uid)
            .ok_or_else(|| "this UID cannot be printed in the configured format".to_string())
    }
}

impl Device for AsciiReader {
    fn on_bytes(&mut self, _data: &[u8], _ctx: &mut DevCtx<'_>) {}

    fn on_step(&mut self, step: &Step, ctx: &mut DevCtx<'_>) -> Result<(), CardsError> {
        match step {
            Step::Place { card, .. } => {
                let text = self.printed(card).map_err(|d| bad_card(step, &d))?;
                self.card = Some(text);
                self.emit(ctx);
                self.next = ctx.now + self.repeat.unwrap_or_default();
            }
            Step::Remove => self.card = None,
            Step::FailRead(n) => self.fail = *n,
            other => return step_unsupported(other, "ascii"),
        }
        Ok(())
    }

    fn on_tick(&mut self, ctx: &mut DevCtx<'_>) {
        if let Some(r) = self.repeat
            && self.card.is_some()
            && ctx.now >= self.next
        {
            self.emit(ctx);
            self.next = ctx.now + r;
        }
    }
}

/// A storing terminal: gapless seqs from 1, never reused; clears only with a matching count.
struct Terminal {
    dec: TerminalDecoder,
    records: VecDeque<SwipeRecord>,
    next_seq: u32,
    cleared_through: u32,
    clock_offset: i64,
    capacity: u32,
    serial: String,
    roster: Vec<(String, String)>,
    staging: Option<(u32, Vec<(String, String)>)>,
}

impl Terminal {
    fn new(opts: &SimOptions) -> Self {
        Self {
            dec: TerminalDecoder::new(),
            records: VecDeque::new(),
            next_seq: 1,
            cleared_through: 0,
            clock_offset: 0,
            capacity: opts.terminal_capacity,
            serial: opts.terminal_serial.clone(),
            roster: Vec::new(),
            staging: None,
        }
    }

    fn device_time(&self) -> u32 {
        let host = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        (host + self.clock_offset).clamp(0, i64::from(u32::MAX)) as u32
    }

    fn store(&mut self, card_key: &str) -> Result<(), String> {
        if self.records.len() as u32 >= self.capacity {
            return Err("storage full".into());
        }
        let rec = SwipeRecord::from_card_key(self.next_seq, self.device_time(), card_key)
            .ok_or_else(|| format!("{card_key:?} is not a card key"))?;
        self.records.push_back(rec);
        self.next_seq += 1;
        Ok(())
    }

    fn handle(&mut self, kind: u8, payload: &[u8]) -> Result<Vec<u8>, ErrorReply> {
        let bad = |m: String| ErrorReply { code: proto::E_BAD_PAYLOAD, message: m, detail: 0 };
        let mut r = Reader::new(payload);
        match kind {
            proto::T_INFO => Ok(DeviceInfo {
                model: "CMEDESK-SIM".into(),
                serial: self.serial.clone(),
                firmware: "1.0".into(),
                capacity: self.capacity,
                stored: self.records.len() as u32,
                first_seq: self.records.front().map_or(0, |r| r.seq),
                last_seq: self.records.back().map_or(0, |r| r.seq),
                cleared_through: self.cleared_through,
                roster_count: self.roster.len() as u32,
            }
            .encode()),
            proto::T_CLOCK_GET => Ok(self.device_time().to_be_bytes().to_vec()),
            proto::T_CLOCK_SET => {
                let t = r.u32().map_err(bad)?;
                let old = self.device_time();
                let host =
                    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
                self.clock_offset = i64::from(t) - host;
                Ok(old.to_be_bytes().to_vec())
            }
            proto::T_ROSTER_BEGIN => {
                let total = r.u32().map_err(bad)?;
                self.staging = Some((total, Vec::new()));
                Ok(Vec::new())
            }
            proto::T_ROSTER_CHUNK => {
                let index = r.u32().map_err(bad)? as usize;
                let n = r.u16().map_err(bad)?;
                let Some((_, staged)) = self.staging.as_mut() else {
                    return Err(ErrorReply {
                        code: proto::E_ROSTER_SEQUENCE,
                        message: "no roster transfer open".into(),
                        detail: 0,
                    });
                };
                let mut entries = Vec::new();
                for _ in 0..n {
                    entries.push((r.str8().map_err(bad)?, r.str8().map_err(bad)?));
                }
                // A retried chunk arrives with an index already received: replace, don't append.
                if index > staged.len() {
                    return Err(ErrorReply {
                        code: proto::E_ROSTER_SEQUENCE,
                        message: format!("chunk starts at {index}, have {}", staged.len()),
                        detail: staged.len() as u32,
                    });
                }
                staged.truncate(index);
                staged.extend(entries);
                Ok((staged.len() as u32).to_be_bytes().to_vec())
            }
            proto::T_ROSTER_COMMIT => {
                let total = r.u32().map_err(bad)?;
                match self.staging.take() {
                    Some((announced, staged)) if announced == total && staged.len() as u32 == total => {
                        self.roster = staged;
                        Ok(total.to_be_bytes().to_vec())
                    }
                    other => {
                        let have = other.as_ref().map_or(0, |(_, s)| s.len() as u32);
                        self.staging = other;
                        Err(ErrorReply {
                            code: proto::E_COUNT_MISMATCH,
                            message: "roster count differs".into(),
                            detail: have,
                        })
                    }
                }
            }
            proto::T_PULL => {
                let after = r.u32().map_err(bad)?;
                let max = r.u16().map_err(bad)?;
                let start = self.records.partition_point(|x| x.seq <= after);
                let mut page = PullPage { records: Vec::new(), more: false };
                let mut size = 3;
                for rec in self.records.iter().skip(start) {
                    if page.records.len() >= usize::from(max) || size + rec.encoded_len() > proto::MAX_PAYLOAD
                    {
                        page.more = true;
                        break;
                    }
                    size += rec.encoded_len();
                    page.records.push(rec.clone());
                }
                Ok(page.encode())
            }
            proto::T_CLEAR => {
                let up_to = r.u32().map_err(bad)?;
                let count = r.u32().map_err(bad)?;
                let held = self.records.partition_point(|x| x.seq <= up_to) as u32;
                // A retry of a clear that already happened: nothing left up to a cleared seq.
                let retried = held == 0 && up_to <= self.cleared_through;
                if held == count || retried {
                    self.records.drain(..held as usize);
                    self.cleared_through = self.cleared_through.max(up_to);
                    Ok(held.to_be_bytes().to_vec())
                } else {
                    Err(ErrorReply {
                        code: proto::E_COUNT_MISMATCH,
                        message: format!("{held} records up to {up_to}"),
                        detail: held,
                    })
                }
            }
            other => Err(ErrorReply {
                code: proto::E_UNKNOWN_TYPE,
                message: format!("unknown type 0x{other:02X}"),
                detail: 0,
            }),
        }
    }
}

impl Device for Terminal {
    fn on_bytes(&mut self, data: &[u8], ctx: &mut DevCtx<'_>) {
        let frames: Vec<_> = self.dec.push(data).collect();
        for f in frames.into_iter().flatten() {
            ctx.stats.commands.fetch_add(1, Ordering::Relaxed);
            let start = ctx.now + ctx.wire.time_of(f.payload.len() + proto::OVERHEAD);
            let reply = match self.handle(f.kind, &f.payload) {
                Ok(p) => proto::encode(f.kind | proto::REPLY, f.req_id, &p),
                Err(e) => proto::encode(proto::T_ERROR, f.req_id, &e.encode()),
            };
            ctx.wire.send_at(&reply, start);
        }
    }

    fn on_step(&mut self, step: &Step, ctx: &mut DevCtx<'_>) -> Result<(), CardsError> {
        match step {
            Step::Place { card, .. } => {
                let key = if card.contains(':') {
                    card.clone()
                } else if card.len() == 18 {
                    format!("rid:{card}")
                } else if card.len() == 10 {
                    format!("em:{card}")
                } else {
                    format!("uid:{card}")
                };
                self.store(&key).map_err(|d| bad_card(step, &d))?;
                ctx.stats.reads.fetch_add(1, Ordering::Relaxed);
            }
            Step::Swipes(n) => {
                for i in 0..*n {
                    // Synthetic EM4100 cards cycling through 500 staff.
                    let key = format!("em:01{:08X}", 0x0010_0000 + (i % 500));
                    self.store(&key).map_err(|d| bad_card(step, &d))?;
                }
                ctx.stats.reads.fetch_add(u64::from(*n), Ordering::Relaxed);
            }
            Step::ClockOffset(s) => self.clock_offset = *s,
            Step::Remove => {}
            other => return step_unsupported(other, "terminal"),
        }
        Ok(())
    }
}
