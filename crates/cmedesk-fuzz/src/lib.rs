//! A small fuzz engine that runs on stable Rust inside `cargo test`: inputs are valid seeds
//! mutated the way coverage-guided fuzzers mutate them (bit flips, interesting bytes, inserted,
//! deleted and duplicated runs, splices of two seeds, dictionary tokens, truncation) plus some
//! purely random inputs. Every input is run under `catch_unwind`; a panic is reported with the
//! input in hex and the case number, which replays with the same `FUZZ_SEED`.
//!
//! `FUZZ_CASES` sets the inputs per parser (default 3,000, for CI); the documented long run is
//! `FUZZ_CASES=1000000 cargo test -p cmedesk-fuzz --release -- --nocapture --test-threads 1`.

use std::panic::{AssertUnwindSafe, catch_unwind};

/// xorshift64*: fast, replayable.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

const INTERESTING: &[u8] =
    &[0, 1, 0x7f, 0x80, 0xff, b'0', b'9', b'X', b'x', b'-', b',', b'\n', b'\r', b' ', 0x02, 0x03, 0xaa, 0x55];

/// Inputs per parser: `FUZZ_CASES`, else `default`.
pub fn cases(default: u64) -> u64 {
    std::env::var("FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

/// The run's seed: `FUZZ_SEED`, else fixed (so CI is reproducible; the long run sets its own).
pub fn seed() -> u64 {
    std::env::var("FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x00C0_FFEE)
}

/// One mutated input from `seeds`.
pub fn mutate(rng: &mut Rng, seeds: &[Vec<u8>], dictionary: &[&[u8]], out: &mut Vec<u8>) {
    out.clear();
    if seeds.is_empty() || rng.chance(5) {
        let n = rng.below(64);
        out.extend((0..n).map(|_| rng.next_u64() as u8));
        return;
    }
    out.extend_from_slice(&seeds[rng.below(seeds.len())]);
    let rounds = 1 + rng.below(6);
    for _ in 0..rounds {
        let len = out.len();
        match rng.below(9) {
            0 if len > 0 => {
                let i = rng.below(len);
                out[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                out[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 => {
                let i = rng.below(len + 1);
                let n = 1 + rng.below(8);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
                out.splice(i..i, bytes);
            }
            3 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(16));
                out.drain(i..i + n);
            }
            4 if len > 0 => {
                // Duplicate a run (repeated fields, doubled frames).
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(32));
                let run = out[i..i + n].to_vec();
                let at = rng.below(out.len() + 1);
                out.splice(at..at, run);
            }
            5 => {
                // Splice: the head of this input, the tail of another seed.
                let other = &seeds[rng.below(seeds.len())];
                let cut = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                out.truncate(cut);
                out.extend_from_slice(&other[from..]);
            }
            6 if !dictionary.is_empty() => {
                let token = dictionary[rng.below(dictionary.len())];
                let at = rng.below(len + 1);
                out.splice(at..at, token.iter().copied());
            }
            7 if len > 0 => out.truncate(rng.below(len)),
            _ if len > 0 => {
                // Arithmetic on a byte (off-by-one lengths, counts, checksums).
                let i = rng.below(len);
                out[i] = out[i].wrapping_add(rng.below(7) as u8).wrapping_sub(3);
            }
            _ => {}
        }
    }
}

/// What a run found.
#[derive(Debug)]
pub struct Report {
    pub target: &'static str,
    pub inputs: u64,
    pub panics: Vec<(u64, String, Vec<u8>)>,
}

/// Runs `target` on `cases` mutated inputs; `target` may also assert properties (a failed
/// assertion counts as a finding, like a panic).
pub fn run(
    name: &'static str,
    cases: u64,
    seeds: &[Vec<u8>],
    dictionary: &[&[u8]],
    mut target: impl FnMut(&[u8], &mut Rng),
) -> Report {
    let mut rng = Rng::new(seed() ^ fxhash(name.as_bytes()));
    let mut input = Vec::new();
    let mut panics = Vec::new();
    // Quiet: findings are reported once, with their inputs, at the end.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for case in 0..cases {
        mutate(&mut rng, seeds, dictionary, &mut input);
        let mut inner = Rng::new(rng.next_u64());
        let result = catch_unwind(AssertUnwindSafe(|| target(&input, &mut inner)));
        if let Err(e) = result {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            if panics.len() < 5 {
                panics.push((case, msg, input.clone()));
            } else {
                break;
            }
        }
    }
    std::panic::set_hook(hook);
    Report { target: name, inputs: cases, panics }
}

fn fxhash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3))
}

/// Splits `input` into random chunks, as a serial port delivers bytes.
pub fn chunks<'a>(input: &'a [u8], rng: &mut Rng) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = input;
    while !rest.is_empty() {
        let n = 1 + rng.below(rest.len().min(64));
        let (a, b) = rest.split_at(n);
        out.push(a);
        rest = b;
    }
    out
}

/// Fails the test with every finding, the input in hex.
pub fn assert_clean(r: &Report) {
    eprintln!("fuzz {}: {} inputs, {} panics", r.target, r.inputs, r.panics.len());
    if !r.panics.is_empty() {
        let lines: Vec<String> = r
            .panics
            .iter()
            .map(|(case, msg, input)| {
                let hex: String = input.iter().map(|b| format!("{b:02x}")).collect();
                format!("case {case}: {msg}\n  input ({} bytes): {hex}", input.len())
            })
            .collect();
        panic!(
            "fuzz {} found {} panics (FUZZ_SEED={}):\n{}",
            r.target,
            r.panics.len(),
            seed(),
            lines.join("\n")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The engine finds a planted bug and reports the input.
    #[test]
    fn finds_a_planted_panic() {
        let r = run("planted", 20_000, &[b"abc".to_vec()], &[b"\xff"], |input, _| {
            assert!(!input.windows(2).any(|w| w == [b'c', 0xff]), "planted");
        });
        assert!(!r.panics.is_empty(), "the planted panic was not found");
        assert!(r.panics[0].2.windows(2).any(|w| w == [b'c', 0xff]));
        assert_eq!(r.panics[0].1, "planted");
    }

    #[test]
    fn chunks_cover_the_input_in_order() {
        let mut rng = Rng::new(3);
        let input: Vec<u8> = (0..=255).collect();
        assert_eq!(chunks(&input, &mut rng).concat(), input);
    }
}
