//! The simulator script format: one step per line, `#` starts a comment, blank lines ignored.
//!
//! ```text
//! place CARD [NAME]   put a card on the reader (SAM: ID number [+ name]; EM4100: 10 hex digits;
//!                     ASCII: UID hex; terminal: a card key rid:/em:/uid: or any of the above,
//!                     stored as one swipe)
//! remove              take the card away
//! garbage HEX         send raw bytes (spaces allowed): line noise
//! drip MS             from now on send one byte every MS milliseconds (0: back to wire pace)
//! fail-read N         the next N reads fail (SAM: read status 41; EM4100/ASCII: corrupt frames)
//! unplug              drop the pseudo-terminal (the driver sees a hang-up)
//! replug              come back on a new pseudo-terminal path
//! wait MS             pause the script
//! swipes N            terminal: store N synthetic swipes
//! clock-offset S      terminal: device clock runs S seconds ahead of the host (negative: behind)
//! ```

use crate::codec::parse_hex;
use crate::error::CardsError;
use std::time::Duration;

/// One scripted action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Place { card: String, name: Option<String> },
    Remove,
    Garbage(Vec<u8>),
    Drip(Duration),
    FailRead(u32),
    Unplug,
    Replug,
    Wait(Duration),
    Swipes(u32),
    ClockOffset(i64),
}

impl Step {
    /// The script verb of this step, for messages.
    pub fn verb(&self) -> &'static str {
        match self {
            Self::Place { .. } => "place",
            Self::Remove => "remove",
            Self::Garbage(_) => "garbage",
            Self::Drip(_) => "drip",
            Self::FailRead(_) => "fail-read",
            Self::Unplug => "unplug",
            Self::Replug => "replug",
            Self::Wait(_) => "wait",
            Self::Swipes(_) => "swipes",
            Self::ClockOffset(_) => "clock-offset",
        }
    }
}

/// A parsed script: steps with their 1-based line numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    pub steps: Vec<(usize, Step)>,
}

impl Script {
    pub fn parse(text: &str) -> Result<Self, CardsError> {
        let mut steps = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line_no = i + 1;
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let err = |detail: String| CardsError::Script { line: line_no, detail };
            let mut words = line.split_whitespace();
            let verb = words.next().unwrap_or("");
            let rest: Vec<&str> = words.collect();
            let number = |what: &str| -> Result<i64, CardsError> {
                match rest.as_slice() {
                    [n] => n
                        .parse::<i64>()
                        .map_err(|_| err(format!("{verb}: {what} must be a number, got {n:?}"))),
                    _ => Err(err(format!("{verb} takes one argument ({what})"))),
                }
            };
            let unsigned = |what: &str| -> Result<u64, CardsError> {
                let n = number(what)?;
                u64::try_from(n).map_err(|_| err(format!("{verb}: {what} must not be negative")))
            };
            let step = match verb {
                "place" => match rest.as_slice() {
                    [] => return Err(err("place needs a card number".into())),
                    [card, name @ ..] => Step::Place {
                        card: (*card).to_string(),
                        name: (!name.is_empty()).then(|| name.join(" ")),
                    },
                },
                "remove" if rest.is_empty() => Step::Remove,
                "unplug" if rest.is_empty() => Step::Unplug,
                "replug" if rest.is_empty() => Step::Replug,
                "garbage" => {
                    let hex = rest.join("");
                    let bytes = parse_hex(&hex)
                        .filter(|b| !b.is_empty())
                        .ok_or_else(|| err(format!("garbage: {hex:?} is not hex bytes")))?;
                    Step::Garbage(bytes)
                }
                "drip" => Step::Drip(Duration::from_millis(unsigned("milliseconds")?)),
                "wait" => Step::Wait(Duration::from_millis(unsigned("milliseconds")?)),
                "fail-read" => Step::FailRead(
                    u32::try_from(unsigned("count")?).map_err(|_| err("count too large".into()))?,
                ),
                "swipes" => Step::Swipes(
                    u32::try_from(unsigned("count")?).map_err(|_| err("count too large".into()))?,
                ),
                "clock-offset" => Step::ClockOffset(number("seconds")?),
                "remove" | "unplug" | "replug" => {
                    return Err(err(format!("{verb} takes no arguments")));
                }
                other => return Err(err(format!("unknown step {other:?}"))),
            };
            steps.push((line_no, step));
        }
        Ok(Self { steps })
    }
}
