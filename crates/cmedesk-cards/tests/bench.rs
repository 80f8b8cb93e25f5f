//! Benchmarks that print figures (run in release, they are `#[ignore]`d in the normal suite):
//!
//! ```text
//! cargo test --release -p cmedesk-cards --test bench -- --ignored --nocapture --test-threads 1
//! ```
//!
//! - ID card read cycle (find → select → read) on the SAM simulator paced at 115200 baud, against
//!   its wire time (target ≤ 1.3×);
//! - storing-terminal pull of 10,000 records over the pty (target ≥ 5,000 records/s);
//! - frame end → event latency of the EM4100 driver;
//! - decode throughput per codec.

use cmedesk_cards::codec::ascii::{AsciiConfig, AsciiDecoder};
use cmedesk_cards::codec::em4100::{self, Em4100Decoder};
use cmedesk_cards::codec::sam::{self, SamDecoder};
use cmedesk_cards::codec::terminal::{self as proto, PullPage, SwipeRecord, TerminalDecoder};
use cmedesk_cards::driver::read_once;
use cmedesk_cards::sim::{self, SimKind, SimOptions, Step};
use cmedesk_cards::{
    PortLocator, ReaderConfig, ReaderEvent, ReaderHandle, ReaderKind, StoringTerminal, id_number, ports,
};
use std::time::{Duration, Instant};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[test]
#[ignore = "benchmark: run in release with --ignored --nocapture"]
fn bench_id_card_read_cycle_vs_wire_time() {
    let sim = sim::start(SimKind::Sam, SimOptions::for_kind(SimKind::Sam)).expect("sim");
    let id = id_number::complete("51010719850615432").expect("id");
    sim.step(Step::Place { card: id.clone(), name: Some("李华".into()) });
    assert!(sim.wait_idle(Duration::from_secs(2)));
    let path = sim.path().expect("plugged");
    let mut port = ports::open(&path, 115_200, Duration::from_millis(50)).expect("open");
    // find 10 + 15, select 10 + 19, read 10 + 1295 bytes at 10 bits per byte.
    let wire_bytes = 10 + 15 + 10 + 19 + 10 + 1295;
    let wire_ms = wire_bytes as f64 * 10.0 / 115_200.0 * 1000.0;
    let mut cycles = Vec::new();
    for _ in 0..30 {
        let t0 = Instant::now();
        let r = read_once(port.as_mut(), Duration::from_millis(500)).expect("cycle").expect("card present");
        cycles.push(r.frame_end.duration_since(t0).as_secs_f64() * 1000.0);
        assert_eq!(r.holder.id_number, id);
    }
    cycles.sort_by(f64::total_cmp);
    let median = percentile(&cycles, 0.5);
    println!(
        "BENCH sam_read_cycle: wire {wire_ms:.2} ms ({wire_bytes} bytes @115200), measured median {median:.2} ms, \
         p90 {:.2} ms, max {:.2} ms, ratio {:.3}x (target <= 1.3x)",
        percentile(&cycles, 0.9),
        cycles[cycles.len() - 1],
        median / wire_ms
    );
    assert!(median / wire_ms <= 1.3, "read cycle {median:.1} ms vs wire {wire_ms:.1} ms");
}

fn pull_10k(baud: u32) -> f64 {
    let mut opts = SimOptions::for_kind(SimKind::Terminal);
    opts.baud = baud;
    let sim = sim::start(SimKind::Terminal, opts).expect("sim");
    sim.step(Step::Swipes(10_000));
    assert!(sim.wait_idle(Duration::from_secs(5)));
    let mut t = StoringTerminal::open(&sim.path().expect("plugged"), 921_600).expect("open");
    let t0 = Instant::now();
    let pulled = t.pull_all(0).expect("pull");
    let secs = t0.elapsed().as_secs_f64();
    assert_eq!(pulled.records.len(), 10_000);
    let (up_to, count) = pulled.clear_args().expect("clearable");
    assert_eq!(t.clear(up_to, count).expect("clear"), 10_000);
    10_000.0 / secs
}

#[test]
#[ignore = "benchmark: run in release with --ignored --nocapture"]
fn bench_terminal_pull_10k() {
    // EM4100 records are 15 bytes; 10,000 of them plus framing at 921600 baud ≈ 1.65 s of wire.
    let paced = pull_10k(921_600);
    let unpaced = pull_10k(0);
    println!(
        "BENCH terminal_pull_10k: {paced:.0} records/s paced at 921600 baud (wire limit ≈ {:.0}/s), \
         {unpaced:.0} records/s unpaced pty (target >= 5000/s)",
        92_160.0 / 15.0
    );
    assert!(paced >= 5_000.0);
}

#[test]
#[ignore = "benchmark: run in release with --ignored --nocapture"]
fn bench_em4100_frame_end_to_event() {
    let sim = sim::start(SimKind::Em4100, SimOptions::for_kind(SimKind::Em4100)).expect("sim");
    let (tx, rx) = std::sync::mpsc::channel();
    let mut cfg = ReaderConfig::new("bench", ReaderKind::Em4100, PortLocator::Slot(sim.slot()));
    cfg.repeat_silence = Duration::from_millis(0);
    let reader = ReaderHandle::spawn(cfg, tx).expect("reader");
    let mut lat = Vec::new();
    sim.step(Step::Place { card: "67003B51C6".into(), name: None });
    let until = Instant::now() + Duration::from_secs(8);
    while lat.len() < 60 && Instant::now() < until {
        if let Ok(ReaderEvent::Card(c)) = rx.recv_timeout(Duration::from_millis(500)) {
            lat.push(c.frame_end.elapsed().as_secs_f64() * 1000.0);
        }
    }
    reader.stop();
    lat.sort_by(f64::total_cmp);
    println!(
        "BENCH em4100_frame_end_to_event: n={} p50 {:.3} ms p99 {:.3} ms max {:.3} ms",
        lat.len(),
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat[lat.len() - 1]
    );
}

fn throughput(name: &str, stream: &[u8], frames: usize, mut decode: impl FnMut(&[u8]) -> usize) {
    let reps = 20;
    let t0 = Instant::now();
    let mut got = 0;
    for _ in 0..reps {
        // Realistic pieces: 64-byte reads.
        got = stream.chunks(64).map(&mut decode).sum::<usize>();
    }
    let secs = t0.elapsed().as_secs_f64() / reps as f64;
    assert!(got >= frames);
    println!(
        "BENCH decode_{name}: {:.1} MB/s, {:.0} frames/s",
        stream.len() as f64 / secs / 1e6,
        frames as f64 / secs
    );
}

#[test]
#[ignore = "benchmark: run in release with --ignored --nocapture"]
fn bench_decode_throughput() {
    let id = id_number::complete("51010719850615432").expect("id");
    let text = sam::build_text_block(&sam::synthetic_holder(&id, "李华"));
    let read = sam::read_reply(&text, &[7u8; sam::PHOTO_LEN]);
    let s: Vec<u8> = std::iter::repeat_n(read, 2000).flatten().collect();
    let mut d = SamDecoder::new();
    throughput("sam_read_reply", &s, 2000, |c| d.push(c).filter(Result::is_ok).count());

    let s: Vec<u8> =
        (0..100_000u32).flat_map(|i| em4100::encode([1, 0, 0, (i >> 8) as u8, i as u8])).collect();
    let mut d = Em4100Decoder::new();
    throughput("em4100", &s, 100_000, |c| d.push(c).filter(Result::is_ok).count());

    let s: Vec<u8> = (0..100_000u32)
        .flat_map(|i| format!("{:08X}\r\n", i.wrapping_mul(2_654_435_761)).into_bytes())
        .collect();
    let mut d = AsciiDecoder::new(AsciiConfig::default()).expect("config");
    throughput("ascii_hex", &s, 100_000, |c| d.push(c).filter(Result::is_ok).count());

    let page = PullPage {
        records: (0..500)
            .map(|i| SwipeRecord::from_card_key(i + 1, 1_790_000_000 + i, "em:0100ABCDEF").expect("key"))
            .collect(),
        more: true,
    };
    let frame = proto::encode(proto::T_PULL | proto::REPLY, 1, &page.encode());
    let s: Vec<u8> = std::iter::repeat_n(frame, 400).flatten().collect();
    let mut d = TerminalDecoder::new();
    throughput("terminal_pull_page", &s, 400, |c| d.push(c).filter(Result::is_ok).count());
}
