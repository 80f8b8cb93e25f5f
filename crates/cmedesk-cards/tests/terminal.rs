//! Storing-terminal client against the simulated terminal over a pty: device info, clock offset
//! and setting, roster download in chunks, paged gapless pulls, clearing only with a matching
//! count, idempotent clear retries, and seqs that never restart after a clear.

use cmedesk_cards::codec::terminal::RosterEntry;
use cmedesk_cards::sim::{self, SimKind, SimOptions, Step};
use cmedesk_cards::{CardsError, StoringTerminal};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn terminal() -> (sim::SimHandle, StoringTerminal) {
    let sim = sim::start(SimKind::Terminal, SimOptions::for_kind(SimKind::Terminal)).expect("sim");
    let path = sim.path().expect("plugged");
    let t = StoringTerminal::open(&path, 921_600).expect("open terminal");
    (sim, t)
}

fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).expect("clock after 1970")
}

#[test]
fn info_and_clock_offset() {
    let (sim, mut t) = terminal();
    sim.step(Step::ClockOffset(-120));
    assert!(sim.wait_idle(Duration::from_secs(2)));
    let info = t.info().expect("info");
    assert_eq!(info.serial, "SIM-0001");
    assert_eq!((info.stored, info.first_seq, info.last_seq), (0, 0, 0));
    let c = t.clock_get().expect("clock");
    assert!((c.offset_ms + 120_000).abs() <= 1_500, "offset {} ms", c.offset_ms);
    // Setting the clock to the host's time brings the offset under the 1 s resolution.
    let old = t.clock_set(now_secs() as u32).expect("set");
    assert!((i64::from(old) - (now_secs() - 120)).abs() <= 2);
    let c = t.clock_get().expect("clock");
    assert!(c.offset_ms.abs() <= 1_500, "offset {} ms", c.offset_ms);
}

#[test]
fn roster_download_in_chunks() {
    let (_sim, mut t) = terminal();
    let roster: Vec<RosterEntry> = (0..1500)
        .map(|i| RosterEntry { card_key: format!("em:01{:08X}", i), name: format!("职工{i:04}") })
        .collect();
    assert_eq!(t.roster_download(&roster).expect("download"), 1500);
    assert_eq!(t.info().expect("info").roster_count, 1500);
    // A replacement roster replaces, it does not append.
    assert_eq!(t.roster_download(&roster[..10]).expect("download"), 10);
    assert_eq!(t.info().expect("info").roster_count, 10);
}

#[test]
fn pull_clear_with_count_check() {
    let (sim, mut t) = terminal();
    sim.step(Step::Swipes(1200));
    sim.step(Step::Place { card: "rid:11010519491231002X".into(), name: None });
    assert!(sim.wait_idle(Duration::from_secs(2)));
    t.page_size = 250;
    let pulled = t.pull_all(0).expect("pull");
    assert_eq!(pulled.records.len(), 1201);
    assert!(pulled.records.windows(2).all(|w| w[1].seq == w[0].seq + 1), "gapless");
    assert_eq!(pulled.records[0].seq, 1);
    assert_eq!(pulled.records[1200].card_key().as_deref(), Some("rid:11010519491231002X"));
    // Pulling again is idempotent: the same records, nothing consumed.
    assert_eq!(t.pull_all(0).expect("pull again").records, pulled.records);
    // A count that disagrees with the device clears nothing.
    let (up_to, count) = pulled.clear_args().expect("clearable");
    assert_eq!((up_to, count), (1201, 1201));
    let err = t.clear(up_to, count - 1).expect_err("mismatch");
    assert_eq!(err, CardsError::CountMismatch { up_to, expected: count - 1, device: 1201 });
    assert_eq!(err.code(), "TERMINAL_COUNT_MISMATCH");
    assert_eq!(t.info().expect("info").stored, 1201);
    // The right count clears; a retried clear (reply lost) succeeds with nothing cleared.
    assert_eq!(t.clear(up_to, count).expect("clear"), 1201);
    assert_eq!(t.clear(up_to, count).expect("retry after a lost reply"), 0);
    let info = t.info().expect("info");
    assert_eq!((info.stored, info.cleared_through), (0, 1201));
    // New swipes continue the sequence; a pull from the old cursor sees only them.
    sim.step(Step::Place { card: "em:67003B51C6".into(), name: None });
    assert!(sim.wait_idle(Duration::from_secs(2)));
    let next = t.pull_all(1201).expect("pull");
    assert_eq!(next.records.len(), 1);
    assert_eq!(next.records[0].seq, 1202);
    assert_eq!(next.clear_args(), Some((1202, 1)));
}

#[test]
fn unknown_request_and_unplugged_terminal() {
    let (sim, mut t) = terminal();
    t.timeout = Duration::from_millis(200);
    t.retries = 0;
    sim.step(Step::Unplug);
    assert!(sim.wait_idle(Duration::from_secs(2)));
    let err = t.info().expect_err("gone");
    assert_eq!(err.code(), "PORT_IO", "{err:?}");
}

#[test]
fn a_swipe_during_the_pull_stays_on_the_device() {
    let (sim, mut t) = terminal();
    sim.step(Step::Swipes(300));
    assert!(sim.wait_idle(Duration::from_secs(2)));
    let pulled = t.pull_all(0).expect("pull");
    // Someone swipes between the pull and the clear: seq 301 is above up_to, so it is neither
    // counted nor cleared.
    sim.step(Step::Place { card: "uid:04A2B3C4".into(), name: None });
    assert!(sim.wait_idle(Duration::from_secs(2)));
    let (up_to, count) = pulled.clear_args().expect("clearable");
    assert_eq!(t.clear(up_to, count).expect("clear"), 300);
    let next = t.pull_all(0).expect("pull");
    assert_eq!(next.records.len(), 1);
    assert_eq!(next.records[0].seq, 301);
    assert_eq!(next.records[0].card_key().as_deref(), Some("uid:04A2B3C4"));
}

#[test]
fn unplug_mid_pull_loses_nothing() {
    let (sim, mut t) = terminal();
    sim.step(Step::Swipes(5000));
    assert!(sim.wait_idle(Duration::from_secs(5)));
    // 5,000 records take ≈ 0.8 s on the wire at 921600 baud; pull the cable after 200 ms.
    let puller = std::thread::spawn(move || {
        let r = t.pull_all(0);
        (r, t)
    });
    std::thread::sleep(Duration::from_millis(200));
    sim.step(Step::Unplug);
    let (result, _dead) = puller.join().expect("puller thread");
    let err = result.expect_err("the pull fails, it does not return a partial batch");
    assert!(matches!(err.code(), "PORT_IO" | "DEVICE_TIMEOUT"), "{err:?}");
    // Back on a (new) path: everything is still there, nothing was cleared.
    sim.step(Step::Replug);
    assert!(sim.wait_idle(Duration::from_secs(2)));
    let mut t = StoringTerminal::open(&sim.path().expect("plugged"), 921_600).expect("reopen");
    let pulled = t.pull_all(0).expect("pull after replug");
    assert_eq!(pulled.records.len(), 5000);
    assert_eq!(pulled.clear_args(), Some((5000, 5000)));
}
