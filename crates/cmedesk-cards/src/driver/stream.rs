//! Drivers for readers that talk unprompted: EM4100 (RDM6300 frames) and ASCII-line readers.
//! Both repeat while a card stays on the reader or may bounce; a card counts again only after
//! `repeat_silence` without frames of it, while a different card counts at once.

use super::{Ctx, Exit, Rejection};
use crate::ReaderEvent;
use crate::card::{CardRead, ReaderKind};
use crate::codec::ascii::AsciiDecoder;
use crate::codec::em4100::Em4100Decoder;
use crate::error::DecodeError;
use serialport::SerialPort;
use std::time::Instant;

enum Decoder {
    Em(Em4100Decoder),
    Ascii(AsciiDecoder),
}

pub(super) fn run(ctx: &Ctx, port: &mut dyn SerialPort) -> Exit {
    let mut dec = match ctx.cfg.kind {
        ReaderKind::Ascii => match AsciiDecoder::new(ctx.cfg.ascii.clone()) {
            Ok(d) => Decoder::Ascii(d),
            // Checked at spawn; kept as an exit rather than a panic.
            Err(e) => return Exit::Lost(e.to_string()),
        },
        _ => Decoder::Em(Em4100Decoder::new()),
    };
    let mut buf = vec![0u8; 1024];
    // Last card seen and when its last frame arrived.
    let mut last: Option<(String, Instant)> = None;
    loop {
        let n = match ctx.read(port, &mut buf) {
            Ok(n) => n,
            Err(exit) => return exit,
        };
        if n == 0 {
            continue;
        }
        let at = Instant::now();
        let mut reads: Vec<Result<(String, Vec<u8>), DecodeError>> = Vec::new();
        match &mut dec {
            Decoder::Em(d) => {
                reads.extend(d.push(&buf[..n]).map(|r| r.map(|f| (f.card_key(), f.raw.to_vec()))))
            }
            Decoder::Ascii(d) => reads.extend(d.push(&buf[..n]).map(|r| r.map(|f| (f.card_key(), f.raw)))),
        }
        for r in reads {
            match r {
                Ok((card_key, raw)) => {
                    let repeat = matches!(&last, Some((k, t)) if *k == card_key
                        && at.duration_since(*t) < ctx.cfg.repeat_silence);
                    last = Some((card_key.clone(), at));
                    if repeat {
                        continue;
                    }
                    ctx.send(ReaderEvent::Card(CardRead {
                        reader_id: ctx.cfg.reader_id.clone(),
                        reader: ctx.cfg.kind,
                        card_key,
                        raw,
                        frame_end: at,
                        holder: None,
                    }));
                }
                Err(DecodeError::Garbage { .. }) => {}
                Err(e) => ctx.reject(Rejection::Decode(e)),
            }
        }
    }
}
