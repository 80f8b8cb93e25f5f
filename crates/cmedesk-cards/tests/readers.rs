//! Reader drivers against the simulators on pseudo-terminal pairs, through the real
//! `serialport::new(path).open()` path: SAM state machine (read once per presentation, failed
//! reads then success, baud probe, invalid numbers), EM4100 repeat suppression, ASCII formats,
//! garbage and slow drip, unplug mid-frame and replug on a new path, busy and missing ports.

mod common;

use cmedesk_cards::codec::ascii::{AsciiConfig, NumberFormat};
use cmedesk_cards::driver::Rejection;
use cmedesk_cards::sim::{self, SimKind, SimOptions, Step};
use cmedesk_cards::{
    PortLocator, ReaderConfig, ReaderEvent, ReaderHandle, ReaderKind, ReaderStatus, id_number, ports,
};
use common::{Events, T, cards};
use std::sync::mpsc;
use std::time::Duration;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn place(card: &str) -> Step {
    Step::Place { card: card.to_string(), name: None }
}

/// After a disconnect the driver closes its port (within one reconnect interval), freeing the
/// pty number; holding a fresh pair makes the replugged device come back under another number,
/// as a USB adapter re-enumerating as ttyUSB1 would.
fn hold_freed_pty() -> (serialport::TTYPort, serialport::TTYPort) {
    std::thread::sleep(ms(100));
    sim::pty_pair().expect("pty")
}

fn sam_config(locator: PortLocator) -> ReaderConfig {
    let mut cfg = ReaderConfig::new("desk-sam", ReaderKind::Sam, locator);
    // Faster than the 300 ms a real reader wants, to keep the suite short; the state machine is
    // the same.
    cfg.sam.poll_interval = ms(60);
    cfg.sam.reply_timeout = ms(300);
    cfg.reconnect_interval = ms(50);
    cfg
}

fn start(cfg: ReaderConfig) -> (ReaderHandle, Events) {
    let (tx, rx) = mpsc::channel();
    (ReaderHandle::spawn(cfg, tx).expect("reader starts"), Events::new(rx))
}

#[test]
fn sam_reads_a_card_once_per_presentation() {
    let sim = sim::start(SimKind::Sam, SimOptions::for_kind(SimKind::Sam)).expect("sim");
    let (reader, mut ev) = start(sam_config(PortLocator::Slot(sim.slot())));
    let (path, baud) = ev.connected(T).expect("connected");
    assert_eq!(Some(path), sim.path());
    assert_eq!(baud, 115_200);
    let id = id_number::complete("51010719850615432").expect("id");
    sim.step(Step::Place { card: id.clone(), name: Some("李华".into()) });
    let card = ev.card(T).expect("card read");
    assert_eq!(card.card_key, format!("rid:{id}"));
    assert_eq!(card.reader, ReaderKind::Sam);
    let holder = card.holder.expect("holder");
    assert_eq!(holder.name, "李华");
    assert_eq!(card.raw.len(), 256, "text block only: the photo is never kept");
    // The card stays on the reader: no second read however long it sits there.
    assert!(cards(&ev.drain_for(ms(600))).is_empty());
    // It leaves and comes back: counts again.
    sim.step(Step::Remove);
    sim.step(Step::Wait(ms(200)));
    sim.step(place(&id));
    let again = ev.card(T).expect("second presentation");
    assert_eq!(again.card_key, format!("rid:{id}"));
    assert_eq!(sim.stats.reads.load(std::sync::atomic::Ordering::SeqCst), 2);
    reader.stop();
}

#[test]
fn sam_failed_reads_are_retried_then_rejected() {
    let sim = sim::start(SimKind::Sam, SimOptions::for_kind(SimKind::Sam)).expect("sim");
    let (reader, mut ev) = start(sam_config(PortLocator::Slot(sim.slot())));
    ev.connected(T).expect("connected");
    let id = id_number::complete("11010119700101001").expect("id");
    // Two failures then success: one card, no rejection (3 attempts).
    sim.step(Step::FailRead(2));
    sim.step(place(&id));
    let card = ev.card(T).expect("read after two failures");
    assert_eq!(card.card_key, format!("rid:{id}"));
    assert!(!ev.log.iter().any(|e| matches!(e, ReaderEvent::Rejected { .. })));
    sim.step(Step::Remove);
    sim.step(Step::Wait(ms(200)));
    // Five failures: rejected with the card's status, once, and no card event.
    sim.step(Step::FailRead(5));
    sim.step(place(&id));
    let r = ev.rejection(T).expect("rejection");
    assert_eq!(r, Rejection::Card(cmedesk_cards::CardsError::ReadFailed { sw3: 0x41 }));
    assert!(cards(&ev.drain_for(ms(400))).is_empty());
    reader.stop();
}

#[test]
fn sam_slow_drip_and_garbage_before_frames() {
    let sim = sim::start(SimKind::Sam, SimOptions::for_kind(SimKind::Sam)).expect("sim");
    let (reader, mut ev) = start(sam_config(PortLocator::Slot(sim.slot())));
    ev.connected(T).expect("connected");
    // Noise on the line, then every byte 1 ms apart: the 1,295-byte read reply takes ≈ 1.3 s,
    // far beyond the 300 ms reply timeout, and still arrives because bytes keep coming.
    sim.step(Step::Garbage(vec![0xAA, 0xAA, 0x00, 0x96, 0x69, 0xFF]));
    sim.step(Step::Drip(ms(1)));
    let id = id_number::complete("51010719850615432").expect("id");
    sim.step(place(&id));
    let card = ev.card(T).expect("card through a slow drip");
    assert_eq!(card.card_key, format!("rid:{id}"));
    reader.stop();
}

#[test]
fn sam_invalid_id_number_is_rejected() {
    let sim = sim::start(SimKind::Sam, SimOptions::for_kind(SimKind::Sam)).expect("sim");
    let (reader, mut ev) = start(sam_config(PortLocator::Slot(sim.slot())));
    ev.connected(T).expect("connected");
    sim.step(place("510107198506154320"));
    match ev.rejection(T).expect("rejected") {
        Rejection::Card(e) => assert_eq!(e.code(), "CARD_INVALID_ID_NUMBER"),
        other => panic!("unexpected {other:?}"),
    }
    reader.stop();
}

#[test]
fn sam_baud_probe_finds_the_readers_rate() {
    let mut opts = SimOptions::for_kind(SimKind::Sam);
    opts.sam_accept_bauds = Some(vec![38_400]);
    let sim = sim::start(SimKind::Sam, opts).expect("sim");
    let mut cfg = sam_config(PortLocator::Slot(sim.slot()));
    cfg.sam.reply_timeout = ms(150);
    let (reader, mut ev) = start(cfg);
    let (_, baud) = ev.connected(T).expect("connected");
    assert_eq!(baud, 38_400);
    let id = id_number::complete("44030519951231987").expect("id");
    sim.step(place(&id));
    assert_eq!(ev.card(T).expect("card").card_key, format!("rid:{id}"));
    reader.stop();
}

#[test]
fn sam_unplug_and_replug_on_a_new_path() {
    let sim = sim::start(SimKind::Sam, SimOptions::for_kind(SimKind::Sam)).expect("sim");
    let first_path = sim.path().expect("plugged");
    let (reader, mut ev) = start(sam_config(PortLocator::Slot(sim.slot())));
    ev.connected(T).expect("connected");
    sim.step(Step::Unplug);
    ev.wait_for(T, |e| matches!(e, ReaderEvent::Status { status: ReaderStatus::Disconnected { .. }, .. }))
        .expect("disconnected");
    // Another device takes the freed pty number, so the reader returns on a different path.
    let _other = hold_freed_pty();
    sim.step(Step::Replug);
    let (path, _) = ev.connected(T).expect("reconnected");
    assert_ne!(path, first_path, "the device came back on a new path");
    let id = id_number::complete("51010719850615432").expect("id");
    sim.step(place(&id));
    assert_eq!(ev.card(T).expect("card after replug").card_key, format!("rid:{id}"));
    reader.stop();
}

#[test]
fn sam_unplug_mid_read_reply_then_replug() {
    let sim = sim::start(SimKind::Sam, SimOptions::for_kind(SimKind::Sam)).expect("sim");
    let (reader, mut ev) = start(sam_config(PortLocator::Slot(sim.slot())));
    ev.connected(T).expect("connected");
    // 1 ms per byte: find and select take ≈ 35 ms, the 1,295-byte read reply ≈ 1.3 s, so 400 ms
    // after the card is placed the reply is partly on the wire when the cable is pulled.
    sim.step(Step::Drip(ms(1)));
    let id = id_number::complete("51012219900307124").expect("id");
    sim.step(place(&id));
    sim.step(Step::Wait(ms(400)));
    sim.step(Step::Unplug);
    ev.wait_for(T, |e| matches!(e, ReaderEvent::Status { status: ReaderStatus::Disconnected { .. }, .. }))
        .expect("disconnected");
    assert!(cards(&ev.log).is_empty(), "a cut read reply is no card");
    assert!(
        !ev.log.iter().any(|e| matches!(e, ReaderEvent::Rejected { .. })),
        "nor a rejection: {:?}",
        ev.log
    );
    sim.step(Step::Drip(Duration::ZERO));
    sim.step(Step::Replug);
    ev.connected(T).expect("reconnected");
    // The card is still on the reader: read once after the replug, and only once.
    assert_eq!(ev.card(T).expect("card after replug").card_key, format!("rid:{id}"));
    assert!(cards(&ev.drain_for(ms(400))).is_empty());
    reader.stop();
}

fn em_config(locator: PortLocator) -> ReaderConfig {
    let mut cfg = ReaderConfig::new("desk-em", ReaderKind::Em4100, locator);
    cfg.reconnect_interval = ms(50);
    cfg
}

#[test]
fn em4100_repeats_are_suppressed_until_silence() {
    let sim = sim::start(SimKind::Em4100, SimOptions::for_kind(SimKind::Em4100)).expect("sim");
    let (reader, mut ev) = start(em_config(PortLocator::Slot(sim.slot())));
    ev.connected(T).expect("connected");
    sim.step(place("67003B51C6"));
    let c = ev.card(T).expect("card");
    assert_eq!(c.card_key, "em:67003B51C6");
    assert_eq!(c.raw, [&[0x02][..], b"67003B51C6CB", &[0x03]].concat());
    // The reader repeats the frame every 100 ms while the card stays: no more events.
    assert!(cards(&ev.drain_for(ms(800))).is_empty());
    assert!(sim.stats.reads.load(std::sync::atomic::Ordering::SeqCst) >= 5, "the simulator did repeat");
    // Another card counts at once.
    sim.step(place("0100ABCDEF"));
    assert_eq!(ev.card(T).expect("other card").card_key, "em:0100ABCDEF");
    // Lifted for more than 500 ms, the same card counts again.
    sim.step(Step::Remove);
    sim.step(Step::Wait(ms(700)));
    sim.step(place("0100ABCDEF"));
    assert_eq!(ev.card(T).expect("again").card_key, "em:0100ABCDEF");
    reader.stop();
}

#[test]
fn em4100_garbage_bad_checksums_and_slow_drip() {
    let sim = sim::start(SimKind::Em4100, SimOptions::for_kind(SimKind::Em4100)).expect("sim");
    let (reader, mut ev) = start(em_config(PortLocator::Slot(sim.slot())));
    ev.connected(T).expect("connected");
    sim.step(Step::Garbage(vec![0xFF, 0x00, 0x41, 0x02, 0x30]));
    sim.step(Step::FailRead(2));
    sim.step(Step::Drip(ms(4)));
    sim.step(place("1234567890"));
    let c = ev.card(T).expect("card after garbage, two corrupt frames and a slow drip");
    assert_eq!(c.card_key, "em:1234567890");
    let rejected: Vec<_> = ev.log.iter().filter(|e| matches!(e, ReaderEvent::Rejected { .. })).collect();
    assert!(rejected.len() >= 2, "corrupt frames are reported: {rejected:?}");
    assert!(rejected.iter().any(|e| matches!(
        e,
        ReaderEvent::Rejected {
            rejection: Rejection::Decode(cmedesk_cards::DecodeError::BadChecksum { .. }),
            ..
        }
    )));
    reader.stop();
}

#[test]
fn em4100_unplug_mid_frame_then_replug() {
    let sim = sim::start(SimKind::Em4100, SimOptions::for_kind(SimKind::Em4100)).expect("sim");
    let first_path = sim.path().expect("plugged");
    let (reader, mut ev) = start(em_config(PortLocator::Slot(sim.slot())));
    ev.connected(T).expect("connected");
    // 10 ms per byte: after 45 ms about four bytes of the 14-byte frame are out.
    sim.step(Step::Drip(ms(10)));
    sim.step(place("67003B51C6"));
    sim.step(Step::Wait(ms(45)));
    sim.step(Step::Unplug);
    ev.wait_for(T, |e| matches!(e, ReaderEvent::Status { status: ReaderStatus::Disconnected { .. }, .. }))
        .expect("disconnected");
    assert!(cards(&ev.log).is_empty(), "half a frame is no card");
    let _other = hold_freed_pty();
    sim.step(Step::Drip(Duration::ZERO));
    sim.step(Step::Replug);
    let (path, _) = ev.connected(T).expect("reconnected");
    assert_ne!(path, first_path);
    // The card is still on the reader: its frames resume and count once.
    assert_eq!(ev.card(T).expect("card after replug").card_key, "em:67003B51C6");
    assert_eq!(cards(&ev.drain_for(ms(400))).len(), 0);
    reader.stop();
}

#[test]
fn ascii_reader_reversed_hex_with_cr() {
    let mut opts = SimOptions::for_kind(SimKind::Ascii);
    let ascii = AsciiConfig { terminator: b"\r".to_vec(), format: NumberFormat::ReversedHex, max_len: 32 };
    opts.ascii = ascii.clone();
    let sim = sim::start(SimKind::Ascii, opts).expect("sim");
    let mut cfg = ReaderConfig::new("desk-ascii", ReaderKind::Ascii, PortLocator::Slot(sim.slot()));
    cfg.ascii = ascii;
    let (reader, mut ev) = start(cfg);
    ev.connected(T).expect("connected");
    sim.step(place("04A2B3C4"));
    let c = ev.card(T).expect("card");
    assert_eq!(c.card_key, "uid:04A2B3C4");
    assert_eq!(c.raw, b"C4B3A204\r");
    reader.stop();
}

#[test]
fn ascii_reader_printed_decimal_keeps_the_number() {
    // A desktop reader typing the 10-digit number printed on staff IC cards, ETX-terminated,
    // repeating while the card stays: ic:<digits>, once.
    let mut opts = SimOptions::for_kind(SimKind::Ascii);
    let ascii = AsciiConfig { terminator: vec![0x03], format: NumberFormat::Printed, max_len: 32 };
    opts.ascii = ascii.clone();
    opts.ascii_repeat = Some(ms(150));
    let sim = sim::start(SimKind::Ascii, opts).expect("sim");
    let mut cfg = ReaderConfig::new("desk-ic", ReaderKind::Ascii, PortLocator::Slot(sim.slot()));
    cfg.ascii = ascii;
    let (reader, mut ev) = start(cfg);
    ev.connected(T).expect("connected");
    sim.step(place("0077771716"));
    assert_eq!(ev.card(T).expect("card").card_key, "ic:0077771716");
    assert!(cards(&ev.drain_for(ms(600))).is_empty(), "repeats suppressed");
    reader.stop();
}

#[test]
fn busy_port_is_a_clear_error_and_recovers() {
    let sim = sim::start(SimKind::Em4100, SimOptions::for_kind(SimKind::Em4100)).expect("sim");
    let path = sim.path().expect("plugged");
    let holder = ports::open(&path, 9600, ms(50)).expect("first open");
    // A second open of the same port fails as busy, with the stable code.
    let Err(err) = ports::open(&path, 9600, ms(50)) else {
        panic!("second open must fail");
    };
    assert_eq!(err.code(), "PORT_BUSY");
    assert!(err.message_zh().contains("被占用"));
    let (reader, mut ev) = start(em_config(PortLocator::Path(path.clone())));
    let e = ev
        .wait_for(T, |e| matches!(e, ReaderEvent::Status { status: ReaderStatus::Error(_), .. }))
        .expect("error status");
    assert!(matches!(
        e,
        ReaderEvent::Status { status: ReaderStatus::Error(cmedesk_cards::CardsError::PortBusy { .. }), .. }
    ));
    // Reported once, not on every retry.
    let repeats = ev
        .drain_for(ms(300))
        .iter()
        .filter(|e| matches!(e, ReaderEvent::Status { status: ReaderStatus::Error(_), .. }))
        .count();
    assert_eq!(repeats, 0);
    drop(holder);
    ev.connected(T).expect("connects once the port is free");
    reader.stop();
}

#[test]
fn missing_port_and_listing() {
    let Err(err) = ports::open("/dev/ttyCMEDESK-none", 9600, ms(50)) else {
        panic!("a missing port must not open");
    };
    assert_eq!(err.code(), "PORT_NOT_FOUND");
    assert_eq!(err.field(), Some("port"));
    let (reader, mut ev) = start(em_config(PortLocator::Path("/dev/ttyCMEDESK-none".into())));
    let e = ev.wait_for(T, |e| matches!(e, ReaderEvent::Status { .. })).expect("status");
    assert!(matches!(
        e,
        ReaderEvent::Status {
            status: ReaderStatus::Error(cmedesk_cards::CardsError::PortNotFound { .. }),
            ..
        }
    ));
    reader.stop();
    // Listing works without libudev; ptys are not listed (hence the manual path).
    let sim = sim::start(SimKind::Em4100, SimOptions::for_kind(SimKind::Em4100)).expect("sim");
    let listed = ports::list_ports().expect("listing");
    assert!(!listed.iter().any(|p| Some(&p.path) == sim.path().as_ref()));
}

#[test]
fn events_serialize_for_the_ui() {
    let sim = sim::start(SimKind::Em4100, SimOptions::for_kind(SimKind::Em4100)).expect("sim");
    let (reader, mut ev) = start(em_config(PortLocator::Slot(sim.slot())));
    ev.connected(T).expect("connected");
    sim.step(place("67003B51C6"));
    ev.card(T).expect("card");
    reader.stop();
    let json: Vec<String> = ev.log.iter().map(|e| serde_json::to_string(e).expect("serializes")).collect();
    assert!(
        json[0].starts_with(r#"{"type":"status","reader_id":"desk-em","status":{"state":"connected""#),
        "{}",
        json[0]
    );
    assert!(
        json.iter().any(|j| j.contains(r#""type":"card""#) && j.contains(r#""card_key":"em:67003B51C6""#)),
        "{json:?}"
    );
    let busy = ReaderEvent::Status {
        reader_id: "k".into(),
        status: ReaderStatus::Error(cmedesk_cards::CardsError::PortBusy { path: "/dev/ttyUSB0".into() }),
    };
    let v: serde_json::Value = serde_json::to_value(&busy).expect("serializes");
    assert_eq!(v["status"]["state"], "error");
    assert_eq!(v["status"]["code"], "PORT_BUSY");
    assert_eq!(v["status"]["field"], "port");
}
