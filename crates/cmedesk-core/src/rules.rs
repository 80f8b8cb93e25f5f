//! Credit rule sets as data (`schema/rules/*.toml`), keyed by (rule set, CME year).
//!
//! Provinces and reforms change caps, rates, categories and even the CME year's dates, so rules
//! are files, not code. A file may `extends` another and override only what differs (a
//! provincial override). Files are embedded with `include_str!`, parsed with unknown keys refused,
//! resolved (inheritance) and validated; every error names the offending key.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::credits::{Centi, CreditClass, CreditError, Subject};

/// The rule files shipped with the desk: (file name, contents).
pub const EMBEDDED_RULE_FILES: &[(&str, &str)] = &[
    ("national-2006.toml", include_str!("../../../schema/rules/national-2006.toml")),
    ("national-2019.toml", include_str!("../../../schema/rules/national-2019.toml")),
    ("national-2024.toml", include_str!("../../../schema/rules/national-2024.toml")),
    ("province-example.toml", include_str!("../../../schema/rules/province-example.toml")),
];

/// Which national regime a rule set follows; decides how class minimums combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "kebab-case")]
pub enum Regime {
    /// 2006 rules: class I and class II, no substitution (R-30, R-31).
    Legacy,
    /// 2019 notice: classes may replace each other up to a share (R-20…R-22).
    #[serde(rename = "notice-2019")]
    Notice2019,
    /// 2024 reform: one credit type, credits and hours (R-01…R-08).
    #[serde(rename = "reform-2024")]
    Reform2024,
}

/// The CME years a rule set covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, rename = "RuleYears")]
#[serde(deny_unknown_fields)]
pub struct Years {
    /// First CME year covered.
    pub first: i32,
    /// Last CME year covered.
    pub last: i32,
    /// `MM-DD`: a year locks on this day of the calendar year after its end.
    pub locks_after: String,
    /// Years whose dates are not 1 January – 31 December.
    #[serde(default)]
    pub dates: Vec<YearDates>,
}

/// Explicit dates of one CME year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct YearDates {
    /// The CME year.
    pub year: i32,
    /// First day (inclusive).
    pub starts_on: NaiveDate,
    /// Last day (inclusive).
    pub ends_on: NaiveDate,
}

/// One CME year under one rule set, with its dates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct CmeYear {
    /// Rule set id.
    pub rule_set: String,
    /// The year's number.
    pub year: i32,
    /// First day (inclusive).
    pub starts_on: NaiveDate,
    /// Last day (inclusive).
    pub ends_on: NaiveDate,
    /// From this day on the year is frozen: no entry, edit or review.
    pub locks_on: NaiveDate,
}

impl CmeYear {
    /// True when the date is inside the year.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.starts_on <= date && date <= self.ends_on
    }

    /// True when the year is frozen on `today`.
    pub fn is_locked(&self, today: NaiveDate) -> bool {
        today >= self.locks_on
    }
}

/// The annual requirement (§4.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// Minimum credits a year (R-30, R-01).
    pub min_credits: Centi,
    /// Minimum hours a year (R-02); zero when not required.
    #[serde(default)]
    pub min_hours: Centi,
    /// True when credits have classes I and II (legacy, 2019); false after the 2024 reform (R-05).
    pub classes: bool,
    /// Minimum class I credits (R-30).
    #[serde(default)]
    pub class_i_min: Centi,
    /// Minimum class II credits (R-30).
    #[serde(default)]
    pub class_ii_min: Centi,
    /// Share (percent) of one class's minimum the other class may cover (R-21: 50).
    #[serde(default)]
    pub substitution_percent: Centi,
    /// Class minimums for particular title levels.
    #[serde(default)]
    pub by_title_level: Vec<TitleLevelMinimum>,
    /// R-31 national-project credits over several years.
    #[serde(default)]
    pub national_within_years: Option<NationalWithinYears>,
    /// R-22: situations in which the year counts as complete.
    #[serde(default)]
    pub deemed_complete: Vec<String>,
    /// R-50: professional subjects' minimum share of hours (percent).
    #[serde(default)]
    pub min_professional_share_percent: Option<Centi>,
}

/// Class minimums for one title level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct TitleLevelMinimum {
    /// Title level code as stored (`junior`, `intermediate`, `associate_senior`, `senior`).
    pub title_level: String,
    /// Minimum class I credits.
    pub class_i_min: Centi,
    /// Minimum class II credits.
    pub class_ii_min: Centi,
}

/// R-31: national-project credits required over a span of years.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct NationalWithinYears {
    /// Credits required.
    pub credits: Centi,
    /// Span of years, ending with the year checked.
    pub years: u32,
    /// Hospital kinds it applies to (`tertiary`, `provincial-unit`).
    pub applies_to: Vec<String>,
    /// Whether a gap makes the person non-compliant or is only reported.
    #[serde(default)]
    pub blocking: bool,
}

/// A rate: `credits` per `per` units.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, rename = "CreditRate")]
#[serde(deny_unknown_fields)]
pub struct Rate {
    /// Credits earned.
    pub credits: Centi,
    /// Units needed.
    pub per: Centi,
    /// `hour`, `session`, ...
    #[serde(default = "default_unit")]
    pub unit: String,
}

fn default_unit() -> String {
    "hour".to_string()
}

impl Rate {
    /// Credits for a quantity, rounded down to a hundredth.
    pub fn apply(&self, quantity: Centi) -> Centi {
        quantity.mul_ratio(self.credits, self.per)
    }
}

/// Project credits for one credit level (R-32…R-35, R-08).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct ProjectRate {
    /// 学分级别 name.
    pub name: String,
    /// Class of the credits, when the rule set has classes.
    #[serde(default)]
    pub class: Option<CreditClass>,
    /// Participants' rate.
    pub participant: Rate,
    /// Speakers' rate.
    pub speaker: Rate,
    /// At most this many credits per project and person (R-34).
    #[serde(default)]
    pub cap: Option<Centi>,
}

/// Manual entry limits (V-1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct ManualLimits {
    /// Hours per record.
    pub max_hours: Centi,
    /// Credits per record.
    pub max_credits: Centi,
    /// Activity name length in characters.
    pub max_name_chars: usize,
    /// Activity number length.
    pub max_number_chars: usize,
    /// Note length.
    pub max_note_chars: usize,
    /// Credits must be a multiple of this (0: any hundredth).
    #[serde(default)]
    pub step: Centi,
}

/// What an optional attendance check does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "kebab-case")]
pub enum CheckMode {
    /// Not checked.
    #[default]
    Off,
    /// Reported, credits still granted.
    Warn,
    /// No credits (Guangdong for 80% and overlaps).
    Exclude,
}

/// Optional provincial attendance checks (§4.3).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct AttendanceChecks {
    /// Presence below this percent of the project's duration excludes (0 = off).
    #[serde(default)]
    pub min_presence_percent: Centi,
    /// The person's projects overlapping in time.
    #[serde(default)]
    pub overlapping_projects: CheckMode,
    /// A speaker among the attendees granted.
    #[serde(default)]
    pub speaker_among_attendees: CheckMode,
}

/// Whether people may enter a category by hand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, rename = "CategoryEntry")]
#[serde(rename_all = "kebab-case")]
pub enum Entry {
    /// Entered by hand, then reviewed.
    Editable,
    /// Pushed by a platform; read-only.
    PlatformOnly,
}

/// Rate of a manual category; the unit is the category's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct CategoryRate {
    /// Credits earned.
    pub credits: Centi,
    /// Units needed.
    pub per: Centi,
}

/// A node of the category tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, rename = "CreditCategory")]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Stable key (`paper`, `further-study`, ...).
    pub key: String,
    /// Parent key; caps of every ancestor apply too.
    #[serde(default)]
    pub parent: Option<String>,
    /// Chinese name.
    pub name: String,
    /// Class, when the rule set has classes.
    #[serde(default)]
    pub class: Option<CreditClass>,
    /// 公需 / 专业.
    #[serde(default)]
    pub subject: Subject,
    /// Unit of quantity (`month`, `article`, `word`, `credit`, ...).
    #[serde(default)]
    pub unit: Option<String>,
    /// Credits per quantity; none means credits are entered directly.
    #[serde(default)]
    pub rate: Option<CategoryRate>,
    /// At most this many credits per record.
    #[serde(default)]
    pub cap_per_record: Option<Centi>,
    /// At most this many credits counted per year (R-06, R-35, R-36, R-38).
    #[serde(default)]
    pub cap_per_year: Option<Centi>,
    /// Evidence files expected.
    #[serde(default)]
    pub evidence: Vec<String>,
    /// Editable or platform-only.
    pub entry: Entry,
}

/// A resolved, validated rule set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct RuleSet {
    /// `national-2024`, ...
    pub id: String,
    /// The rule set it inherits from.
    pub extends: Option<String>,
    /// Chinese name.
    pub name: String,
    /// National regime.
    pub regime: Regime,
    /// Years covered.
    pub years: Years,
    /// Annual requirement.
    pub requirement: Requirement,
    /// Project rates by credit level key.
    pub project_rates: BTreeMap<String, ProjectRate>,
    /// V-1 limits.
    pub manual_limits: ManualLimits,
    /// Optional attendance checks.
    pub attendance_checks: AttendanceChecks,
    /// Category tree (flat, with parents).
    pub categories: Vec<Category>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRuleSet {
    id: String,
    #[serde(default)]
    extends: Option<String>,
    name: String,
    #[serde(default)]
    regime: Option<Regime>,
    years: Years,
    #[serde(default)]
    requirement: Option<Requirement>,
    #[serde(default)]
    project_rates: BTreeMap<String, ProjectRate>,
    #[serde(default)]
    manual_limits: Option<ManualLimits>,
    #[serde(default)]
    attendance_checks: Option<AttendanceChecks>,
    #[serde(default)]
    categories: Vec<Category>,
}

impl RuleSet {
    /// The category with this key.
    pub fn category(&self, key: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.key == key)
    }

    /// The category and its ancestors, nearest first (validation guarantees no cycles).
    pub fn category_chain(&self, key: &str) -> Vec<&Category> {
        let mut chain = Vec::new();
        let mut next = self.category(key);
        while let Some(c) = next {
            if chain.len() > self.categories.len() {
                break;
            }
            chain.push(c);
            next = c.parent.as_deref().and_then(|p| self.category(p));
        }
        chain
    }

    /// The project rate for a credit level key.
    pub fn project_rate(&self, credit_level: &str) -> Result<&ProjectRate, CreditError> {
        self.project_rates.get(credit_level).ok_or_else(|| CreditError::RateMissing {
            rule_set: self.id.clone(),
            credit_level: credit_level.to_string(),
        })
    }

    /// Class minimums for a title level (the general ones when no override exists).
    pub fn class_minimums(&self, title_level: Option<&str>) -> (Centi, Centi) {
        let r = &self.requirement;
        title_level
            .and_then(|t| r.by_title_level.iter().find(|m| m.title_level == t))
            .map(|m| (m.class_i_min, m.class_ii_min))
            .unwrap_or((r.class_i_min, r.class_ii_min))
    }

    /// True when the rule set covers the year.
    pub fn covers(&self, year: i32) -> bool {
        self.years.first <= year && year <= self.years.last
    }

    /// The CME year with its dates.
    pub fn year(&self, year: i32) -> Result<CmeYear, CreditError> {
        if !self.covers(year) {
            return Err(CreditError::RuleYearUnknown { rule_set: self.id.clone(), year });
        }
        let (starts_on, ends_on) = match self.years.dates.iter().find(|d| d.year == year) {
            Some(d) => (d.starts_on, d.ends_on),
            None => match (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31)) {
                (Some(s), Some(e)) => (s, e),
                _ => {
                    return Err(CreditError::RuleYearUnknown { rule_set: self.id.clone(), year });
                }
            },
        };
        let locks_on = lock_date(&self.years.locks_after, ends_on.year() + 1).ok_or_else(|| {
            CreditError::RuleInvalid {
                rule_set: self.id.clone(),
                key: "years.locks_after".into(),
                message: "not a MM-DD date".into(),
            }
        })?;
        Ok(CmeYear { rule_set: self.id.clone(), year, starts_on, ends_on, locks_on })
    }

    /// The CME year containing a date.
    pub fn year_of(&self, date: NaiveDate) -> Result<CmeYear, CreditError> {
        // A year's dates are within a few months of its number: look at the neighbours only.
        for y in [date.year(), date.year() + 1, date.year() - 1] {
            if let Ok(cy) = self.year(y)
                && cy.contains(date)
            {
                return Ok(cy);
            }
        }
        Err(CreditError::DateOutsideYears { rule_set: self.id.clone(), date })
    }
}

/// `MM-DD` in a given year; 29 February falls back to 28 February in common years.
fn lock_date(month_day: &str, year: i32) -> Option<NaiveDate> {
    let (m, d) = month_day.split_once('-')?;
    let (m, d): (u32, u32) = (m.parse().ok()?, d.parse().ok()?);
    NaiveDate::from_ymd_opt(year, m, d)
        .or_else(|| (m == 2 && d == 29).then(|| NaiveDate::from_ymd_opt(year, 2, 28)).flatten())
}

/// All rule sets, resolved.
#[derive(Clone, Debug, Default)]
pub struct RuleBook {
    sets: BTreeMap<String, RuleSet>,
}

impl RuleBook {
    /// The rule sets shipped in `schema/rules`.
    pub fn embedded() -> Result<RuleBook, CreditError> {
        RuleBook::from_sources(EMBEDDED_RULE_FILES)
    }

    /// Parses, resolves and validates rule files given as (file name, TOML text).
    pub fn from_sources(sources: &[(&str, &str)]) -> Result<RuleBook, CreditError> {
        let mut raw: BTreeMap<String, RawRuleSet> = BTreeMap::new();
        for (file, text) in sources {
            let parsed: RawRuleSet = toml::from_str(text).map_err(|e| CreditError::RuleFileParse {
                file: (*file).to_string(),
                message: e.to_string(),
            })?;
            if raw.contains_key(&parsed.id) {
                return Err(CreditError::RuleInvalid {
                    rule_set: parsed.id.clone(),
                    key: "id".into(),
                    message: format!("defined twice (again in {file})"),
                });
            }
            raw.insert(parsed.id.clone(), parsed);
        }
        let mut book = RuleBook::default();
        let ids: Vec<String> = raw.keys().cloned().collect();
        for id in ids {
            resolve(&id, &raw, &mut book.sets, &mut Vec::new())?;
        }
        Ok(book)
    }

    /// A rule set by id.
    pub fn get(&self, id: &str) -> Result<&RuleSet, CreditError> {
        self.sets.get(id).ok_or_else(|| CreditError::RuleSetUnknown { rule_set: id.to_string() })
    }

    /// Ids of all rule sets.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.sets.keys().map(String::as_str)
    }

    /// The national rule set (no `extends` outside the national family) covering a year.
    pub fn national_for_year(&self, year: i32) -> Result<&RuleSet, CreditError> {
        self.sets
            .values()
            .find(|s| s.id.starts_with("national-") && s.covers(year))
            .ok_or_else(|| CreditError::RuleYearUnknown { rule_set: "national".into(), year })
    }
}

fn resolve(
    id: &str,
    raw: &BTreeMap<String, RawRuleSet>,
    done: &mut BTreeMap<String, RuleSet>,
    stack: &mut Vec<String>,
) -> Result<(), CreditError> {
    if done.contains_key(id) {
        return Ok(());
    }
    if stack.iter().any(|s| s == id) {
        return Err(CreditError::RuleInvalid {
            rule_set: id.to_string(),
            key: "extends".into(),
            message: format!("inheritance cycle: {} → {id}", stack.join(" → ")),
        });
    }
    let Some(r) = raw.get(id) else {
        let child = stack.last().cloned().unwrap_or_default();
        return Err(CreditError::RuleInvalid {
            rule_set: child,
            key: "extends".into(),
            message: format!("unknown rule set {id}"),
        });
    };
    let parent = match &r.extends {
        Some(p) => {
            stack.push(id.to_string());
            resolve(p, raw, done, stack)?;
            stack.pop();
            done.get(p).cloned()
        }
        None => None,
    };
    let missing = |key: &str| CreditError::RuleInvalid {
        rule_set: id.to_string(),
        key: key.to_string(),
        message: "missing (and not inherited)".into(),
    };
    let mut set = match parent {
        Some(mut p) => {
            p.id = r.id.clone();
            p.extends = r.extends.clone();
            p.name = r.name.clone();
            p.years = r.years.clone();
            if let Some(g) = r.regime {
                p.regime = g;
            }
            if let Some(q) = &r.requirement {
                p.requirement = q.clone();
            }
            for (k, v) in &r.project_rates {
                p.project_rates.insert(k.clone(), v.clone());
            }
            if let Some(m) = &r.manual_limits {
                p.manual_limits = m.clone();
            }
            if let Some(a) = &r.attendance_checks {
                p.attendance_checks = a.clone();
            }
            for c in &r.categories {
                match p.categories.iter_mut().find(|x| x.key == c.key) {
                    Some(existing) => *existing = c.clone(),
                    None => p.categories.push(c.clone()),
                }
            }
            p
        }
        None => RuleSet {
            id: r.id.clone(),
            extends: None,
            name: r.name.clone(),
            regime: r.regime.ok_or_else(|| missing("regime"))?,
            years: r.years.clone(),
            requirement: r.requirement.clone().ok_or_else(|| missing("requirement"))?,
            project_rates: r.project_rates.clone(),
            manual_limits: r.manual_limits.clone().ok_or_else(|| missing("manual_limits"))?,
            attendance_checks: r.attendance_checks.clone().unwrap_or_default(),
            categories: r.categories.clone(),
        },
    };
    // Classes do not exist after the reform: drop them so no record can carry one.
    if !set.requirement.classes {
        for c in &mut set.categories {
            c.class = None;
        }
        for rate in set.project_rates.values_mut() {
            rate.class = None;
        }
    }
    validate(&set)?;
    done.insert(id.to_string(), set);
    Ok(())
}

fn validate(s: &RuleSet) -> Result<(), CreditError> {
    let bad = |key: String, message: &str| CreditError::RuleInvalid {
        rule_set: s.id.clone(),
        key,
        message: message.to_string(),
    };
    if s.id.is_empty() || !s.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Err(bad("id".into(), "use lowercase letters, digits and '-'"));
    }
    // Years.
    if s.years.first > s.years.last {
        return Err(bad("years.first".into(), "after years.last"));
    }
    if lock_date(&s.years.locks_after, 2001).is_none() && s.years.locks_after != "02-29" {
        return Err(bad("years.locks_after".into(), "not a MM-DD date"));
    }
    let mut seen = BTreeSet::new();
    for d in &s.years.dates {
        let key = format!("years.dates[{}]", d.year);
        if !seen.insert(d.year) {
            return Err(bad(key, "listed twice"));
        }
        if !s.covers(d.year) {
            return Err(bad(key, "outside years.first..years.last"));
        }
        if d.starts_on > d.ends_on {
            return Err(bad(format!("{key}.ends_on"), "before starts_on"));
        }
        if (d.ends_on - d.starts_on).num_days() > 366 {
            return Err(bad(format!("{key}.ends_on"), "a CME year spans at most 366 days"));
        }
    }
    let mut prev: Option<CmeYear> = None;
    for y in s.years.first..=s.years.last {
        let cy = s.year(y)?;
        if let Some(p) = &prev
            && cy.starts_on <= p.ends_on
        {
            return Err(bad(format!("years.dates[{y}].starts_on"), "overlaps the previous CME year"));
        }
        prev = Some(cy);
    }
    // Requirement.
    let q = &s.requirement;
    if q.min_credits < Centi::ZERO || q.min_hours < Centi::ZERO {
        return Err(bad("requirement.min_credits".into(), "must not be negative"));
    }
    if q.substitution_percent < Centi::ZERO || q.substitution_percent > Centi::units(100) {
        return Err(bad("requirement.substitution_percent".into(), "must be between 0 and 100"));
    }
    if let Some(p) = q.min_professional_share_percent
        && (p < Centi::ZERO || p > Centi::units(100))
    {
        return Err(bad("requirement.min_professional_share_percent".into(), "must be between 0 and 100"));
    }
    match (s.regime, q.classes) {
        (Regime::Reform2024, true) => {
            return Err(bad("requirement.classes".into(), "the 2024 reform has one credit type (R-05)"));
        }
        (Regime::Legacy | Regime::Notice2019, false) => {
            return Err(bad("requirement.classes".into(), "legacy and 2019 rules have class I and II"));
        }
        _ => {}
    }
    if let Some(n) = &q.national_within_years
        && (n.years == 0 || !n.credits.is_positive())
    {
        return Err(bad("requirement.national_within_years".into(), "credits and years must be positive"));
    }
    // Project rates.
    for (level, r) in &s.project_rates {
        for (who, rate) in [("participant", &r.participant), ("speaker", &r.speaker)] {
            if !rate.per.is_positive() || !rate.credits.is_positive() {
                return Err(bad(format!("project_rates.{level}.{who}"), "credits and per must be positive"));
            }
        }
        if let Some(c) = r.cap
            && !c.is_positive()
        {
            return Err(bad(format!("project_rates.{level}.cap"), "must be positive"));
        }
    }
    // Manual limits.
    let m = &s.manual_limits;
    if !m.max_credits.is_positive() || !m.max_hours.is_positive() || m.step < Centi::ZERO {
        return Err(bad(
            "manual_limits".into(),
            "max_credits and max_hours must be positive, step not negative",
        ));
    }
    let p = s.attendance_checks.min_presence_percent;
    if p < Centi::ZERO || p > Centi::units(100) {
        return Err(bad("attendance_checks.min_presence_percent".into(), "must be between 0 and 100"));
    }
    // Categories: unique keys, known parents, no cycles, sane amounts.
    let mut keys = BTreeSet::new();
    for c in &s.categories {
        if c.key.is_empty() || !keys.insert(c.key.as_str()) {
            return Err(bad(format!("categories[{}].key", c.key), "empty or defined twice"));
        }
    }
    for c in &s.categories {
        let key = format!("categories[{}]", c.key);
        if let Some(p) = &c.parent
            && !keys.contains(p.as_str())
        {
            return Err(bad(format!("{key}.parent"), "unknown parent category"));
        }
        if let Some(r) = &c.rate
            && (!r.per.is_positive() || !r.credits.is_positive())
        {
            return Err(bad(format!("{key}.rate"), "credits and per must be positive"));
        }
        for (name, cap) in [("cap_per_record", c.cap_per_record), ("cap_per_year", c.cap_per_year)] {
            if let Some(cap) = cap
                && !cap.is_positive()
            {
                return Err(bad(format!("{key}.{name}"), "must be positive"));
            }
        }
        // Walk up: more steps than categories means a cycle.
        let mut steps = 0;
        let mut cur = c.parent.as_deref();
        while let Some(p) = cur {
            steps += 1;
            if steps > s.categories.len() {
                return Err(bad(format!("{key}.parent"), "parent chain has a cycle"));
            }
            cur = s.category(p).and_then(|x| x.parent.as_deref());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book() -> RuleBook {
        RuleBook::embedded().expect("embedded rules are valid")
    }

    #[test]
    fn embedded_rule_sets_resolve() {
        let b = book();
        let ids: Vec<&str> = b.ids().collect();
        assert_eq!(ids, ["national-2006", "national-2019", "national-2024", "province-example"]);
    }

    #[test]
    fn r30_legacy_requirement_has_classes_without_substitution() {
        let s = book().get("national-2006").cloned().expect("present");
        assert_eq!(s.requirement.min_credits, Centi::units(25));
        assert_eq!(s.class_minimums(None), (Centi::units(5), Centi::units(15)));
        assert_eq!(s.class_minimums(Some("senior")), (Centi::units(10), Centi::units(15)));
        assert_eq!(s.requirement.substitution_percent, Centi::ZERO);
    }

    #[test]
    fn r32_r33_r34_project_rates() {
        let b = book();
        let s = b.get("national-2006").expect("present");
        let nat = s.project_rate("national").expect("national rate");
        // R-32: 1 credit per 3 h, speakers 2 per hour; R-34: cap 25.
        assert_eq!(nat.participant.apply(Centi::units(24)), Centi::units(8));
        assert_eq!(nat.speaker.apply(Centi::units(3)), Centi::units(6));
        assert_eq!(nat.cap, Some(Centi::units(25)));
        // R-33: 1 per 6 h, speakers 1 per hour.
        let prov = s.project_rate("provincial").expect("provincial rate");
        assert_eq!(prov.participant.apply(Centi::units(24)), Centi::units(4));
        assert_eq!(prov.speaker.apply(Centi::units(3)), Centi::units(3));
        assert!(s.project_rate("county").is_err());
    }

    #[test]
    fn r20_r21_r22_notice_2019_inherits_and_overrides() {
        let b = book();
        let s = b.get("national-2019").expect("present");
        assert_eq!(s.regime, Regime::Notice2019);
        assert_eq!(s.requirement.substitution_percent, Centi::units(50));
        assert!(s.requirement.deemed_complete.iter().any(|d| d == "residency"));
        // Inherited categories and rates.
        assert!(s.category("further-study").is_some());
        assert!(s.project_rates.contains_key("national"));
    }

    #[test]
    fn r01_r02_r05_r06_r08_reform_2024() {
        let b = book();
        let s = b.get("national-2024").expect("present");
        assert_eq!(s.requirement.min_credits, Centi::units(25));
        assert_eq!(s.requirement.min_hours, Centi::units(90));
        assert!(!s.requirement.classes);
        // R-05: no class left anywhere.
        assert!(s.categories.iter().all(|c| c.class.is_none()));
        assert!(s.project_rates.values().all(|r| r.class.is_none()));
        // R-06 self-study cap 10, R-36 review sub-category 5 under it.
        assert_eq!(s.category("self-study").and_then(|c| c.cap_per_year), Some(Centi::units(10)));
        let chain: Vec<&str> = s.category_chain("self-study-review").iter().map(|c| c.key.as_str()).collect();
        assert_eq!(chain, ["self-study-review", "self-study"]);
        // R-08: 3 h = 1 credit for provincial projects too.
        let prov = s.project_rate("provincial").expect("provincial");
        assert_eq!(prov.participant.apply(Centi::units(12)), Centi::units(4));
        assert_eq!(b.national_for_year(2026).expect("covered").id, "national-2024");
        assert_eq!(b.national_for_year(2010).expect("covered").id, "national-2006");
    }

    #[test]
    fn provincial_override_changes_only_what_it_says() {
        let b = book();
        let p = b.get("province-example").expect("present");
        assert_eq!(p.extends.as_deref(), Some("national-2024"));
        // Override: 1 per 6 h, cap 10; inherited: national rate.
        let prov = p.project_rate("provincial").expect("provincial");
        assert_eq!(prov.participant.per, Centi::units(6));
        assert_eq!(prov.cap, Some(Centi::units(10)));
        assert_eq!(p.project_rate("national").expect("national").participant.per, Centi::units(3));
        assert_eq!(p.manual_limits.max_credits, Centi::units(25));
        assert_eq!(p.manual_limits.step, Centi(50));
        assert_eq!(p.category("further-study").and_then(|c| c.cap_per_year), Some(Centi::units(20)));
        assert!(p.category("paper").is_some());
        // Year 2026 runs Oct 2025 – Sep 2026.
        let y = p.year(2026).expect("2026");
        assert_eq!(y.starts_on, NaiveDate::from_ymd_opt(2025, 10, 1).expect("date"));
        let d = NaiveDate::from_ymd_opt(2025, 11, 15).expect("date");
        assert_eq!(p.year_of(d).expect("covered").year, 2026);
        assert_eq!(y.locks_on, NaiveDate::from_ymd_opt(2027, 1, 31).expect("date"));
    }

    #[test]
    fn default_year_dates_and_lock() {
        let b = book();
        let s = b.get("national-2024").expect("present");
        let y = s.year(2025).expect("2025");
        assert_eq!(y.starts_on, NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"));
        assert_eq!(y.ends_on, NaiveDate::from_ymd_opt(2025, 12, 31).expect("date"));
        assert_eq!(y.locks_on, NaiveDate::from_ymd_opt(2026, 3, 31).expect("date"));
        assert!(!y.is_locked(NaiveDate::from_ymd_opt(2026, 3, 30).expect("date")));
        assert!(y.is_locked(NaiveDate::from_ymd_opt(2026, 3, 31).expect("date")));
        assert_eq!(s.year(2040).unwrap_err().code(), "RULE_YEAR_UNKNOWN");
    }

    const BASE: &str = r#"
id = "t"
name = "t"
regime = "reform-2024"
[years]
first = 2025
last = 2026
locks_after = "03-31"
[requirement]
min_credits = 25
classes = false
[manual_limits]
max_hours = 150
max_credits = 99
max_name_chars = 300
max_number_chars = 30
max_note_chars = 180
"#;

    fn err_of(extra: &str) -> CreditError {
        RuleBook::from_sources(&[("t.toml", &format!("{BASE}{extra}"))]).expect_err("must be refused")
    }

    #[test]
    fn errors_name_the_key() {
        assert!(RuleBook::from_sources(&[("t.toml", BASE)]).is_ok());
        let e =
            err_of("[[categories]]\nkey = \"a\"\nname = \"A\"\nentry = \"editable\"\nparent = \"nope\"\n");
        assert_eq!(e.field(), Some("categories[a].parent"));
        let e = err_of(
            "[[categories]]\nkey = \"a\"\nname = \"A\"\nentry = \"editable\"\nrate = { credits = 1, per = 0 }\n",
        );
        assert_eq!(e.field(), Some("categories[a].rate"));
        let e = err_of(
            "[project_rates.national]\nname = \"n\"\nparticipant = { credits = 1, per = -3 }\nspeaker = { credits = 2, per = 1 }\n",
        );
        assert_eq!(e.field(), Some("project_rates.national.participant"));
        let e =
            err_of("[[years.dates]]\nyear = 2026\nstarts_on = \"2025-06-01\"\nends_on = \"2026-05-31\"\n");
        assert_eq!(e.field(), Some("years.dates[2026].starts_on"));
        // Unknown keys are refused with the key in the message.
        let e = err_of("[attendance_checks]\nmin_presence = 80\n");
        assert_eq!(e.code(), "RULE_FILE_PARSE");
        assert!(e.message_en().contains("min_presence"), "{}", e.message_en());
        // Parent/child cycles.
        let e = err_of(
            "[[categories]]\nkey = \"a\"\nname = \"A\"\nentry = \"editable\"\nparent = \"b\"\n[[categories]]\nkey = \"b\"\nname = \"B\"\nentry = \"editable\"\nparent = \"a\"\n",
        );
        assert_eq!(e.field(), Some("categories[a].parent"));
        // Classes contradict the reform.
        let text = BASE.replace("classes = false", "classes = true");
        let e = RuleBook::from_sources(&[("t.toml", &text)]).expect_err("refused");
        assert_eq!(e.field(), Some("requirement.classes"));
        // Unknown parent rule set.
        let text = BASE.replace("name = \"t\"", "name = \"t\"\nextends = \"ghost\"");
        let e = RuleBook::from_sources(&[("t.toml", &text)]).expect_err("refused");
        assert_eq!(e.field(), Some("extends"));
    }
}
