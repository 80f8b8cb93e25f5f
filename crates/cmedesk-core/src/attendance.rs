//! Attendance analysis (考勤分析, W4): from a project's swipes, holding periods and attendance
//! windows, decide who attended validly and say for everyone else why not.
//!
//! Rules (004 §3.2, 003): a person is valid only with a counted swipe inside *every* window; a
//! swipe counts only when its local date is inside a holding period, it is not a repeat flagged by
//! the terminal and it has not been voided; repeats inside a window count once. Optional
//! provincial checks (§4.3): presence below a share of the project's duration, the person's
//! projects overlapping in time, a speaker among the attendees.
//!
//! Pure functions over plain input. Built to scale (1,000,000 swipes, 10,000 people, 20 windows):
//! swipes are interned, sorted once by (person, time) and swept; a window lookup is a binary
//! search over the windows' elementary intervals. No step compares swipes with each other.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::credits::{Centi, CreditError};
use crate::rules::{AttendanceChecks, CheckMode};

/// 举办周期: a date span (inclusive) in which the project is actually held.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, rename = "AnalysisPeriod")]
pub struct HoldingPeriod {
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
}

/// 刷卡周期: a time range (inclusive) in which a swipe must exist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, rename = "AnalysisWindow")]
pub struct AttendanceWindow {
    /// What officers call it (`第1天上午签到`).
    pub label: String,
    /// Start (inclusive).
    pub starts_at: DateTime<FixedOffset>,
    /// End (inclusive).
    pub ends_at: DateTime<FixedOffset>,
}

/// Who swiped: a staff member known through the roster, or a card the roster does not know.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "kind", content = "key", rename_all = "snake_case")]
pub enum Swiper {
    /// A staff id.
    Staff(String),
    /// The card key (`uid:…`, `rid:…`, `em:…`) of a card not mapped to anybody.
    UnknownCard(String),
}

/// State of a swipe event as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, rename = "AnalysisSwipeStatus")]
#[serde(rename_all = "snake_case")]
pub enum SwipeStatus {
    /// A normal swipe.
    Recorded,
    /// A repeat read the terminal or ingest flagged (card left on the reader, double tap).
    Duplicate,
    /// Voided by a later correction event; ignored entirely.
    Voided,
}

/// One swipe as the analysis needs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, rename = "AnalysisSwipe")]
pub struct SwipeInput {
    /// Swipe event id.
    pub swipe_id: String,
    /// Who.
    pub swiper: Swiper,
    /// When, with the terminal's UTC offset (the local date decides the holding period).
    pub at: DateTime<FixedOffset>,
    /// Status.
    pub status: SwipeStatus,
}

/// Time a person spent in another project, for the overlap check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct OtherProject {
    /// The staff member.
    pub staff_id: String,
    /// The other project's code.
    pub project_code: String,
    /// Start of their attendance there.
    pub starts_at: DateTime<FixedOffset>,
    /// End of their attendance there.
    pub ends_at: DateTime<FixedOffset>,
}

/// Everything one analysis looks at.
#[derive(Clone, Copy, Debug)]
pub struct AnalysisInput<'a> {
    /// Holding periods (at least one; swipes outside all of them never count).
    pub periods: &'a [HoldingPeriod],
    /// Attendance windows; none means any counted swipe makes a person valid.
    pub windows: &'a [AttendanceWindow],
    /// The project's swipes.
    pub swipes: &'a [SwipeInput],
    /// Registered participants: reported with "no swipe" when they never swiped.
    pub expected: &'a [String],
    /// Project duration in minutes, for the presence check.
    pub duration_minutes: Option<i64>,
    /// The people's time in other projects, for the overlap check.
    pub other_projects: &'a [OtherProject],
    /// Speakers of the project (staff ids).
    pub speakers: &'a [String],
    /// Which optional checks run.
    pub checks: &'a AttendanceChecks,
    /// Counted swipes closer than this to the previous one are the same swipe (seconds).
    pub repeat_gap_seconds: i64,
}

/// Why a person is not valid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum InvalidReason {
    /// Registered but never swiped.
    NoSwipe,
    /// The card is not in the roster.
    UnknownCard {
        /// The card key.
        card_key: String,
    },
    /// No counted swipe in window N (1-based).
    MissingWindow {
        /// Window number, 1-based as officers count.
        window: usize,
        /// Its label.
        label: String,
    },
    /// Swipes dated outside every holding period (dropped).
    OutsidePeriod {
        /// How many.
        swipes: u32,
    },
    /// The only swipes in the period were repeats.
    OnlyDuplicates {
        /// How many.
        swipes: u32,
    },
}

impl InvalidReason {
    /// The sentence officers read.
    pub fn message_zh(&self) -> String {
        match self {
            InvalidReason::NoSwipe => "未刷卡".into(),
            InvalidReason::UnknownCard { card_key } => format!("卡号 {card_key} 未登记"),
            InvalidReason::MissingWindow { window, label } => {
                format!("第 {window} 个刷卡周期（{label}）内无刷卡")
            }
            InvalidReason::OutsidePeriod { swipes } => {
                format!("{swipes} 次刷卡不在项目举办周期内")
            }
            InvalidReason::OnlyDuplicates { swipes } => format!("仅有 {swipes} 次重复刷卡"),
        }
    }
}

/// Result of an optional check on a person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum CheckFlag {
    /// Presence below the required share of the project's duration.
    PresenceBelow {
        /// Minutes between first and last counted swipe, summed per day.
        #[ts(type = "number")]
        presence_minutes: i64,
        /// Minutes required.
        #[ts(type = "number")]
        required_minutes: i64,
        /// Warn or exclude.
        mode: CheckMode,
    },
    /// The person's time here overlaps another project.
    OverlappingProject {
        /// The other project.
        project_code: String,
        /// Warn or exclude.
        mode: CheckMode,
    },
    /// A speaker of the project is among the valid attendees.
    SpeakerAmongAttendees {
        /// Warn or exclude.
        mode: CheckMode,
    },
}

impl CheckFlag {
    /// The check's mode.
    pub fn mode(&self) -> CheckMode {
        match self {
            CheckFlag::PresenceBelow { mode, .. }
            | CheckFlag::OverlappingProject { mode, .. }
            | CheckFlag::SpeakerAmongAttendees { mode } => *mode,
        }
    }

    /// The sentence officers read.
    pub fn message_zh(&self) -> String {
        match self {
            CheckFlag::PresenceBelow { presence_minutes, required_minutes, .. } => {
                format!("出勤 {presence_minutes} 分钟，不足要求的 {required_minutes} 分钟")
            }
            CheckFlag::OverlappingProject { project_code, .. } => {
                format!("与项目 {project_code} 时间重叠")
            }
            CheckFlag::SpeakerAmongAttendees { .. } => "主讲人出现在学员名单中".into(),
        }
    }
}

/// The analysis of one person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct PersonAttendance {
    /// Who.
    pub swiper: Swiper,
    /// A counted swipe in every window.
    pub valid: bool,
    /// Why not valid (empty when valid).
    pub reasons: Vec<InvalidReason>,
    /// Optional checks that fired.
    pub flags: Vec<CheckFlag>,
    /// First counted swipe id in each window (None: missing).
    pub window_swipes: Vec<Option<String>>,
    /// Counted swipes, repeats collapsed.
    pub counted_swipes: u32,
    /// First counted swipe.
    pub first_at: Option<DateTime<FixedOffset>>,
    /// Last counted swipe.
    pub last_at: Option<DateTime<FixedOffset>>,
    /// Minutes between first and last counted swipe, summed over days.
    #[ts(type = "number")]
    pub presence_minutes: i64,
}

impl PersonAttendance {
    /// The staff id, when the person is known.
    pub fn staff_id(&self) -> Option<&str> {
        match &self.swiper {
            Swiper::Staff(s) => Some(s),
            Swiper::UnknownCard(_) => None,
        }
    }

    /// True when a check set to `exclude` fired.
    pub fn excluded_by_check(&self) -> bool {
        self.flags.iter().any(|f| f.mode() == CheckMode::Exclude)
    }
}

/// The analysis of a project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct AttendanceAnalysis {
    /// Everybody who swiped or was expected, staff first (by id), then unknown cards.
    pub people: Vec<PersonAttendance>,
    /// People valid.
    pub valid_count: usize,
    /// People not valid.
    pub invalid_count: usize,
    /// Swipes looked at.
    pub swipes_total: usize,
    /// Swipes dropped for being outside the holding periods.
    pub swipes_outside_period: usize,
    /// Swipes dropped as repeats.
    pub swipes_duplicate: usize,
    /// Swipes of unknown cards.
    pub swipes_unknown_card: usize,
}

/// FNV-1a: interning a million short ids is the analysis' hottest step, and these keys come
/// from the desk's own database, so a fast non-keyed hash is fine here.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// Maps an instant to the windows containing it, by binary search over elementary intervals.
struct WindowIndex {
    /// Sorted boundaries (seconds); segment i is [bounds[i], bounds[i+1]).
    bounds: Vec<i64>,
    /// Windows covering each segment.
    segments: Vec<Vec<u16>>,
}

impl WindowIndex {
    fn new(windows: &[(i64, i64)]) -> WindowIndex {
        let mut bounds: Vec<i64> = windows.iter().flat_map(|&(s, e)| [s, e.saturating_add(1)]).collect();
        bounds.sort_unstable();
        bounds.dedup();
        let segments = bounds
            .windows(2)
            .map(|b| {
                windows
                    .iter()
                    .enumerate()
                    .filter(|(_, (s, e))| *s <= b[0] && b[0] <= *e)
                    .filter_map(|(i, _)| u16::try_from(i).ok())
                    .collect()
            })
            .collect();
        WindowIndex { bounds, segments }
    }

    fn lookup(&self, t: i64) -> &[u16] {
        // Index of the last boundary ≤ t.
        let i = self.bounds.partition_point(|&b| b <= t);
        if i == 0 || i >= self.bounds.len() {
            return &[];
        }
        &self.segments[i - 1]
    }
}

/// Sorted, merged holding periods as day numbers.
fn period_days(periods: &[HoldingPeriod]) -> Vec<(i32, i32)> {
    let mut v: Vec<(i32, i32)> =
        periods.iter().map(|p| (p.starts_on.num_days_from_ce(), p.ends_on.num_days_from_ce())).collect();
    v.sort_unstable();
    let mut merged: Vec<(i32, i32)> = Vec::with_capacity(v.len());
    for (s, e) in v {
        match merged.last_mut() {
            Some(last) if s <= last.1.saturating_add(1) => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

fn in_periods(days: &[(i32, i32)], day: i32) -> bool {
    let i = days.partition_point(|&(s, _)| s <= day);
    i > 0 && day <= days[i - 1].1
}

/// Runs the analysis. Fails only on malformed periods or windows.
pub fn analyze(input: &AnalysisInput<'_>) -> Result<AttendanceAnalysis, CreditError> {
    for (i, p) in input.periods.iter().enumerate() {
        if p.ends_on < p.starts_on {
            return Err(CreditError::PeriodInvalid { index: i + 1 });
        }
    }
    for (i, w) in input.windows.iter().enumerate() {
        if w.ends_at < w.starts_at {
            return Err(CreditError::WindowInvalid { index: i + 1 });
        }
    }
    if input.windows.len() > usize::from(u16::MAX) {
        return Err(CreditError::WindowInvalid { index: usize::from(u16::MAX) + 1 });
    }
    let days = period_days(input.periods);
    let win_secs: Vec<(i64, i64)> =
        input.windows.iter().map(|w| (w.starts_at.timestamp(), w.ends_at.timestamp())).collect();
    let index = WindowIndex::new(&win_secs);

    // Intern people: index into `people`.
    let mut ids: FastMap<&Swiper, u32> =
        FastMap::with_capacity_and_hasher(input.expected.len() + 1024, BuildHasherDefault::default());
    let mut people: Vec<&Swiper> = Vec::new();
    // (person, time, swipe index)
    let mut keyed: Vec<(u32, i64, u32)> = Vec::with_capacity(input.swipes.len());
    let mut unknown_swipes = 0usize;
    for (i, s) in input.swipes.iter().enumerate() {
        if matches!(s.swiper, Swiper::UnknownCard(_)) {
            unknown_swipes += 1;
        }
        let next = people.len() as u32;
        let p = *ids.entry(&s.swiper).or_insert_with(|| {
            people.push(&s.swiper);
            next
        });
        let Ok(i) = u32::try_from(i) else {
            // More than 4 billion swipes for one project cannot be real input; stop counting.
            break;
        };
        keyed.push((p, s.at.timestamp(), i));
    }
    keyed.sort_unstable();

    let expected_swipers: Vec<Swiper> = input.expected.iter().map(|s| Swiper::Staff(s.clone())).collect();
    let mut others: HashMap<&str, Vec<&OtherProject>> = HashMap::new();
    for o in input.other_projects {
        others.entry(o.staff_id.as_str()).or_default().push(o);
    }
    let speakers: std::collections::HashSet<&str> = input.speakers.iter().map(String::as_str).collect();

    let mut out: Vec<PersonAttendance> = Vec::with_capacity(people.len() + input.expected.len());
    let (mut outside_total, mut dup_total) = (0usize, 0usize);
    let mut start = 0;
    while start < keyed.len() {
        let person = keyed[start].0;
        let mut end = start;
        while end < keyed.len() && keyed[end].0 == person {
            end += 1;
        }
        let swiper = people[person as usize];
        let group = &keyed[start..end];
        start = end;

        let mut window_swipes: Vec<Option<String>> = vec![None; input.windows.len()];
        let (mut outside, mut dups, mut counted) = (0u32, 0u32, 0u32);
        let mut last_counted: Option<i64> = None;
        let (mut first_at, mut last_at) = (None, None);
        let mut presence_secs = 0i64;
        let mut day_span: Option<(i32, i64, i64)> = None;
        for &(_, t, si) in group {
            let s = &input.swipes[si as usize];
            match s.status {
                SwipeStatus::Voided => continue,
                SwipeStatus::Duplicate => {
                    dups += 1;
                    continue;
                }
                SwipeStatus::Recorded => {}
            }
            let day = s.at.date_naive().num_days_from_ce();
            if !in_periods(&days, day) {
                outside += 1;
                continue;
            }
            if last_counted.is_none_or(|prev| t - prev >= input.repeat_gap_seconds) {
                counted += 1;
            }
            last_counted = Some(t);
            if first_at.is_none() {
                first_at = Some(s.at);
            }
            last_at = Some(s.at);
            for &w in index.lookup(t) {
                let slot = &mut window_swipes[usize::from(w)];
                if slot.is_none() {
                    *slot = Some(s.swipe_id.clone());
                }
            }
            day_span = match day_span {
                Some((d, a, _)) if d == day => Some((d, a, t)),
                Some((_, a, b)) => {
                    presence_secs += b - a;
                    Some((day, t, t))
                }
                None => Some((day, t, t)),
            };
        }
        if let Some((_, a, b)) = day_span {
            presence_secs += b - a;
        }
        outside_total += outside as usize;
        dup_total += dups as usize;

        let mut reasons = Vec::new();
        let valid = match swiper {
            Swiper::UnknownCard(card_key) => {
                reasons.push(InvalidReason::UnknownCard { card_key: card_key.clone() });
                false
            }
            Swiper::Staff(_) => {
                let all_windows = window_swipes.iter().all(Option::is_some);
                let valid = counted > 0 && all_windows;
                if !valid {
                    for (i, w) in window_swipes.iter().enumerate() {
                        if w.is_none() {
                            reasons.push(InvalidReason::MissingWindow {
                                window: i + 1,
                                label: input.windows[i].label.clone(),
                            });
                        }
                    }
                    if outside > 0 {
                        reasons.push(InvalidReason::OutsidePeriod { swipes: outside });
                    }
                    if counted == 0 && dups > 0 {
                        reasons.push(InvalidReason::OnlyDuplicates { swipes: dups });
                    }
                    if reasons.is_empty() {
                        // Only voided swipes: as good as none.
                        reasons.push(InvalidReason::NoSwipe);
                    }
                }
                valid
            }
        };
        let presence_minutes = presence_secs / 60;
        let mut flags = Vec::new();
        if let Swiper::Staff(staff_id) = swiper {
            person_checks(
                input,
                staff_id,
                valid,
                (first_at, last_at),
                presence_minutes,
                &others,
                &speakers,
                &mut flags,
            );
        }
        out.push(PersonAttendance {
            swiper: swiper.clone(),
            valid,
            reasons,
            flags,
            window_swipes,
            counted_swipes: counted,
            first_at,
            last_at,
            presence_minutes,
        });
    }
    for e in &expected_swipers {
        if !ids.contains_key(e) {
            out.push(PersonAttendance {
                swiper: e.clone(),
                valid: false,
                reasons: vec![InvalidReason::NoSwipe],
                flags: Vec::new(),
                window_swipes: vec![None; input.windows.len()],
                counted_swipes: 0,
                first_at: None,
                last_at: None,
                presence_minutes: 0,
            });
        }
    }
    out.sort_unstable_by(|a, b| a.swiper.cmp(&b.swiper));
    out.dedup_by(|a, b| a.swiper == b.swiper);
    let valid_count = out.iter().filter(|p| p.valid).count();
    Ok(AttendanceAnalysis {
        invalid_count: out.len() - valid_count,
        valid_count,
        people: out,
        swipes_total: input.swipes.len(),
        swipes_outside_period: outside_total,
        swipes_duplicate: dup_total,
        swipes_unknown_card: unknown_swipes,
    })
}

#[allow(clippy::too_many_arguments)]
fn person_checks(
    input: &AnalysisInput<'_>,
    staff_id: &str,
    valid: bool,
    (first_at, last_at): (Option<DateTime<FixedOffset>>, Option<DateTime<FixedOffset>>),
    presence_minutes: i64,
    others: &HashMap<&str, Vec<&OtherProject>>,
    speakers: &std::collections::HashSet<&str>,
    flags: &mut Vec<CheckFlag>,
) {
    let checks = input.checks;
    if !valid {
        // Checks explain why a *valid* person still gets no credit; the invalid already have reasons.
        return;
    }
    if checks.min_presence_percent.is_positive()
        && let Some(duration) = input.duration_minutes
    {
        // required = duration × percent / 100, percent held in hundredths.
        let required = Centi::units(duration)
            .mul_ratio(checks.min_presence_percent, Centi::units(100))
            .hundredths()
            .div_euclid(100);
        // Compare exactly: presence × 100 × 100 < duration × percent-in-hundredths.
        let below = i128::from(presence_minutes) * 10_000
            < i128::from(duration) * i128::from(checks.min_presence_percent.hundredths());
        if below {
            flags.push(CheckFlag::PresenceBelow {
                presence_minutes,
                required_minutes: required,
                // Guangdong: below the share means no credit, so this check always excludes.
                mode: CheckMode::Exclude,
            });
        }
    }
    if checks.overlapping_projects != CheckMode::Off
        && let (Some(a), Some(b)) = (first_at, last_at)
        && let Some(list) = others.get(staff_id)
    {
        for o in list {
            if o.starts_at <= b && a <= o.ends_at {
                flags.push(CheckFlag::OverlappingProject {
                    project_code: o.project_code.clone(),
                    mode: checks.overlapping_projects,
                });
            }
        }
    }
    if checks.speaker_among_attendees != CheckMode::Off && speakers.contains(staff_id) {
        flags.push(CheckFlag::SpeakerAmongAttendees { mode: checks.speaker_among_attendees });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).expect("test timestamp")
    }
    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }
    fn sw(id: &str, who: &str, at: &str) -> SwipeInput {
        SwipeInput {
            swipe_id: id.into(),
            swiper: if let Some(card) = who.strip_prefix("card:") {
                Swiper::UnknownCard(card.into())
            } else {
                Swiper::Staff(who.into())
            },
            at: t(at),
            status: SwipeStatus::Recorded,
        }
    }
    fn window(label: &str, a: &str, b: &str) -> AttendanceWindow {
        AttendanceWindow { label: label.into(), starts_at: t(a), ends_at: t(b) }
    }

    /// Two-day project 2025-06-10..11, windows: day-1 morning sign-in, day-2 afternoon sign-out.
    fn project() -> (Vec<HoldingPeriod>, Vec<AttendanceWindow>) {
        (
            vec![HoldingPeriod { starts_on: d("2025-06-10"), ends_on: d("2025-06-11") }],
            vec![
                window("第1天签到", "2025-06-10T07:00:00+08:00", "2025-06-10T09:00:00+08:00"),
                window("第2天签退", "2025-06-11T16:00:00+08:00", "2025-06-11T18:00:00+08:00"),
            ],
        )
    }

    fn run(
        swipes: &[SwipeInput],
        expected: &[String],
        checks: &AttendanceChecks,
        others: &[OtherProject],
        speakers: &[String],
    ) -> AttendanceAnalysis {
        let (periods, windows) = project();
        analyze(&AnalysisInput {
            periods: &periods,
            windows: &windows,
            swipes,
            expected,
            duration_minutes: Some(2 * 8 * 60),
            other_projects: others,
            speakers,
            checks,
            repeat_gap_seconds: 60,
        })
        .expect("valid input")
    }

    fn person<'a>(a: &'a AttendanceAnalysis, who: &Swiper) -> &'a PersonAttendance {
        a.people.iter().find(|p| &p.swiper == who).expect("person present")
    }

    #[test]
    fn w4_valid_needs_a_swipe_in_every_window_table() {
        let checks = AttendanceChecks::default();
        // (case, swipes, expected valid, expected reasons)
        let cases: Vec<(&str, Vec<SwipeInput>, bool, Vec<InvalidReason>)> = vec![
            (
                "both windows",
                vec![sw("a", "s1", "2025-06-10T08:00:00+08:00"), sw("b", "s1", "2025-06-11T17:00:00+08:00")],
                true,
                vec![],
            ),
            (
                "missing second window (003: swiped but no credit)",
                vec![sw("a", "s1", "2025-06-10T08:00:00+08:00")],
                false,
                vec![InvalidReason::MissingWindow { window: 2, label: "第2天签退".into() }],
            ),
            (
                "second swipe after the period",
                vec![sw("a", "s1", "2025-06-10T08:00:00+08:00"), sw("b", "s1", "2025-06-12T17:00:00+08:00")],
                false,
                vec![
                    InvalidReason::MissingWindow { window: 2, label: "第2天签退".into() },
                    InvalidReason::OutsidePeriod { swipes: 1 },
                ],
            ),
            (
                "in period, between windows only",
                vec![sw("a", "s1", "2025-06-10T12:00:00+08:00")],
                false,
                vec![
                    InvalidReason::MissingWindow { window: 1, label: "第1天签到".into() },
                    InvalidReason::MissingWindow { window: 2, label: "第2天签退".into() },
                ],
            ),
            (
                "window bounds are inclusive",
                vec![sw("a", "s1", "2025-06-10T07:00:00+08:00"), sw("b", "s1", "2025-06-11T18:00:00+08:00")],
                true,
                vec![],
            ),
            (
                "same instant in another offset still counts (UTC 00:30 = 08:30 +08)",
                vec![sw("a", "s1", "2025-06-10T00:30:00+00:00"), sw("b", "s1", "2025-06-11T17:00:00+08:00")],
                true,
                vec![],
            ),
        ];
        for (case, swipes, valid, reasons) in cases {
            let a = run(&swipes, &[], &checks, &[], &[]);
            let p = person(&a, &Swiper::Staff("s1".into()));
            assert_eq!(p.valid, valid, "{case}");
            assert_eq!(p.reasons, reasons, "{case}");
        }
    }

    #[test]
    fn w4_repeats_duplicates_unknown_cards_and_no_shows() {
        let checks = AttendanceChecks::default();
        let mut dup = sw("d1", "s2", "2025-06-10T08:00:00+08:00");
        dup.status = SwipeStatus::Duplicate;
        let mut voided = sw("v1", "s3", "2025-06-10T08:00:00+08:00");
        voided.status = SwipeStatus::Voided;
        let swipes = vec![
            // s1: three quick repeats in window 1, then window 2: valid, 2 counted swipes.
            sw("a1", "s1", "2025-06-10T08:00:00+08:00"),
            sw("a2", "s1", "2025-06-10T08:00:20+08:00"),
            sw("a3", "s1", "2025-06-10T08:00:40+08:00"),
            sw("a4", "s1", "2025-06-11T17:00:00+08:00"),
            dup,
            voided,
            sw("u1", "card:uid:DEADBEEF", "2025-06-10T08:00:00+08:00"),
        ];
        let expected = vec!["s1".to_string(), "s4".to_string()];
        let a = run(&swipes, &expected, &checks, &[], &[]);
        let s1 = person(&a, &Swiper::Staff("s1".into()));
        assert!(s1.valid);
        assert_eq!(s1.counted_swipes, 2);
        assert_eq!(s1.window_swipes, vec![Some("a1".into()), Some("a4".into())]);
        let s2 = person(&a, &Swiper::Staff("s2".into()));
        assert!(s2.reasons.contains(&InvalidReason::OnlyDuplicates { swipes: 1 }));
        let s3 = person(&a, &Swiper::Staff("s3".into()));
        assert!(s3.reasons.contains(&InvalidReason::MissingWindow { window: 1, label: "第1天签到".into() }));
        let s4 = person(&a, &Swiper::Staff("s4".into()));
        assert_eq!(s4.reasons, vec![InvalidReason::NoSwipe]);
        let u = person(&a, &Swiper::UnknownCard("uid:DEADBEEF".into()));
        assert_eq!(u.reasons, vec![InvalidReason::UnknownCard { card_key: "uid:DEADBEEF".into() }]);
        assert_eq!((a.valid_count, a.invalid_count), (1, 4));
        assert_eq!((a.swipes_duplicate, a.swipes_unknown_card), (1, 1));
        // Staff sorted first by id, then unknown cards.
        let order: Vec<&Swiper> = a.people.iter().map(|p| &p.swiper).collect();
        assert_eq!(order[0], &Swiper::Staff("s1".into()));
        assert!(matches!(order[4], Swiper::UnknownCard(_)));
    }

    #[test]
    fn s4_3_guangdong_presence_overlap_and_speaker_checks() {
        let checks = AttendanceChecks {
            min_presence_percent: Centi::units(80),
            overlapping_projects: CheckMode::Exclude,
            speaker_among_attendees: CheckMode::Warn,
        };
        let swipes = vec![
            // s1: 08:00–17:00 both days = 2 × 540 = 1080 min ≥ 80% of 960 → fine.
            sw("a", "s1", "2025-06-10T08:00:00+08:00"),
            sw("b", "s1", "2025-06-10T17:00:00+08:00"),
            sw("c", "s1", "2025-06-11T08:00:00+08:00"),
            sw("e", "s1", "2025-06-11T17:00:00+08:00"),
            // s2: 08:00–09:00 day 1, 16:00–17:00 day 2 = 120 min < 768 → excluded.
            sw("f", "s2", "2025-06-10T08:00:00+08:00"),
            sw("g", "s2", "2025-06-10T09:00:00+08:00"),
            sw("h", "s2", "2025-06-11T16:00:00+08:00"),
            sw("i", "s2", "2025-06-11T17:00:00+08:00"),
        ];
        let others = vec![OtherProject {
            staff_id: "s1".into(),
            project_code: "2025-03-01-009(省)".into(),
            starts_at: t("2025-06-11T13:00:00+08:00"),
            ends_at: t("2025-06-11T15:00:00+08:00"),
        }];
        let a = run(&swipes, &[], &checks, &others, &["s1".into()]);
        let s1 = person(&a, &Swiper::Staff("s1".into()));
        assert!(s1.valid);
        assert_eq!(s1.presence_minutes, 1080);
        assert_eq!(
            s1.flags,
            vec![
                CheckFlag::OverlappingProject {
                    project_code: "2025-03-01-009(省)".into(),
                    mode: CheckMode::Exclude
                },
                CheckFlag::SpeakerAmongAttendees { mode: CheckMode::Warn },
            ]
        );
        assert!(s1.excluded_by_check());
        let s2 = person(&a, &Swiper::Staff("s2".into()));
        assert_eq!(
            s2.flags,
            vec![CheckFlag::PresenceBelow {
                presence_minutes: 120,
                required_minutes: 768,
                mode: CheckMode::Exclude
            }]
        );
    }

    #[test]
    fn malformed_windows_and_periods_are_refused() {
        let (periods, mut windows) = project();
        windows[1].ends_at = t("2025-06-11T15:00:00+08:00");
        let checks = AttendanceChecks::default();
        let input = AnalysisInput {
            periods: &periods,
            windows: &windows,
            swipes: &[],
            expected: &[],
            duration_minutes: None,
            other_projects: &[],
            speakers: &[],
            checks: &checks,
            repeat_gap_seconds: 60,
        };
        let e = analyze(&input).expect_err("refused");
        assert_eq!((e.code(), e.field()), ("ATTENDANCE_WINDOW_INVALID", Some("attendance_windows")));
    }
}
