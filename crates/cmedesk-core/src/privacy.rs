//! Personal data shown to operators: 身份证号 masked (`1101**********002X`) in every list,
//! export, message and log by default. The full number is shown only through an [`IdView::Full`],
//! which only [`reveal`] can make: it checks [`Permission::ViewFullIdNumbers`] and writes the view
//! to the audit log (who, when, for what) before anything is shown.
//!
//! Masking works on text and JSON as the shells print them, not per DTO field, so a new list or
//! message cannot forget it: every run of 18 characters (17 digits + digit/X) or 15 digits that
//! stands alone and carries a plausible birth date is masked, wherever it appears (a `rid:` card
//! key, an audit row's before/after, an error message echoing the input).

use serde::Serialize;
use serde_json::Value;

use crate::{
    actor::{Actor, Permission},
    error::Result,
    store::Desk,
};

/// How ID numbers are shown. `Full` can only be obtained from [`reveal`], so holding one proves
/// the view was allowed and audited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdView {
    Masked,
    Full(FullIdGrant),
}

/// Proof that a full view was allowed and written to the audit log; not constructible outside
/// this module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullIdGrant {
    audit_entity_id: String,
}

impl FullIdGrant {
    /// The `id_number_view` audit entry that recorded this view.
    pub fn audit_entity_id(&self) -> &str {
        &self.audit_entity_id
    }
}

impl IdView {
    pub fn is_full(&self) -> bool {
        matches!(self, IdView::Full(_))
    }

    /// `text` as this view shows it.
    pub fn text(&self, text: &str) -> String {
        match self {
            IdView::Full(_) => text.to_string(),
            IdView::Masked => mask_text(text),
        }
    }

    /// Masks every string inside `value` unless the view is full.
    pub fn json(&self, value: &mut Value) {
        if !self.is_full() {
            mask_json(value);
        }
    }
}

#[derive(Serialize)]
struct ViewRecord<'a> {
    operator: &'a str,
    role: &'a str,
    purpose: &'a str,
}

/// Grants a full view of ID numbers for `purpose` (e.g. the command line), after checking the
/// operator's role, and records it in the audit log. Refused: nothing is written.
pub fn reveal(desk: &mut Desk, actor: &Actor, purpose: &str) -> Result<IdView> {
    actor.require(Permission::ViewFullIdNumbers)?;
    let record = ViewRecord {
        operator: &actor.operator.username,
        role: actor.operator.role.as_str(),
        purpose: purpose.trim(),
    };
    let id = desk.change(actor, |c| {
        let id = c.new_id();
        c.record("id_number.view_full", "id_number_view", &id, None, Some(&record))?;
        Ok(id)
    })?;
    Ok(IdView::Full(FullIdGrant { audit_entity_id: id }))
}

/// Masks one ID number: the first four and last four characters stay (see
/// [`crate::id_number::mask`]).
pub fn mask_id(id: &str) -> String {
    crate::id_number::mask(id)
}

/// A value as a shell hands it to a screen: serialized, then every ID number in it masked. For
/// the small DTOs of the desktop (a person's detail, audit entries, a card record); the roster
/// uses [`mask_staff_row`], which skips the JSON round trip for 10,000 rows.
pub fn masked_json<T: Serialize>(value: &T) -> Result<Value> {
    // Only maps with non-text keys fail to serialize; no DTO of ours has one.
    let mut v = serde_json::to_value(value).map_err(|e| crate::error::CoreError::Corrupt(e.to_string()))?;
    mask_json(&mut v);
    Ok(v)
}

/// A roster row with its ID number masked (and a `rid:<ID number>` card key).
pub fn mask_staff_row(row: &mut crate::staff::StaffRow) {
    mask_staff(&mut row.staff);
    if let Some(card) = &mut row.card_key {
        *card = mask_text(card);
    }
}

/// A person with the ID number masked; the note is free text and may quote one.
pub fn mask_staff(staff: &mut crate::staff::Staff) {
    staff.id_number = mask_id(&staff.id_number);
    if let Some(note) = &mut staff.note {
        *note = mask_text(note);
    }
}

/// An edit form shows the masked number; sent back unchanged it means "keep the stored one", so
/// a form never needs the full number to save a phone number.
pub fn keep_unless_changed(stored: &str, submitted: &str) -> String {
    if submitted.trim() == mask_id(stored) { stored.to_owned() } else { submitted.to_owned() }
}

/// Masks every ID-number-looking token in `text`.
pub fn mask_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let at_boundary = i == 0 || !chars[i - 1].is_ascii_alphanumeric();
        if at_boundary && let Some(len) = id_like_at(&chars[i..]) {
            let token: String = chars[i..i + len].iter().collect();
            out.push_str(&mask_id(&token));
            i += len;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Masks every string (and object key) in a JSON value in place.
pub fn mask_json(value: &mut Value) {
    match value {
        Value::String(s) => {
            if might_hold_id(s) {
                *s = mask_text(s);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_json),
        Value::Object(map) => {
            // Keys rarely hold ID numbers, but a map keyed by person must not leak them either.
            if map.keys().any(|k| might_hold_id(k)) {
                let entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
                for (k, mut v) in entries {
                    mask_json(&mut v);
                    map.insert(mask_text(&k), v);
                }
            } else {
                map.values_mut().for_each(mask_json);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Cheap pre-check: at least 15 ASCII digits somewhere.
fn might_hold_id(s: &str) -> bool {
    s.len() >= 15 && s.bytes().filter(u8::is_ascii_digit).count() >= 14
}

/// The length (18 or 15) of an ID-number-looking token starting at `c[0]`, if it ends at a
/// boundary and its birth date part is plausible.
fn id_like_at(c: &[char]) -> Option<usize> {
    let digits = c.iter().take_while(|ch| ch.is_ascii_digit()).count();
    let ends = |n: usize| c.get(n).is_none_or(|ch| !ch.is_ascii_alphanumeric());
    // 18: 17 digits then a digit or X.
    if digits >= 17 {
        let last = c.get(17).copied();
        let eighteen = match last {
            Some(ch) if ch.is_ascii_digit() => digits == 18,
            Some('X' | 'x') => digits == 17,
            _ => false,
        };
        if eighteen && ends(18) && plausible_date(&c[6..14], true) {
            return Some(18);
        }
    }
    if digits == 15 && ends(15) && plausible_date(&c[6..12], false) {
        return Some(15);
    }
    None
}

fn plausible_date(d: &[char], four_digit_year: bool) -> bool {
    let n = |s: &[char]| s.iter().fold(0u32, |acc, ch| acc * 10 + ch.to_digit(10).unwrap_or(99));
    let (year_ok, rest) = if four_digit_year {
        let y = n(&d[..4]);
        ((1800..=2199).contains(&y), &d[4..])
    } else {
        (true, &d[2..])
    };
    let month = n(&rest[..2]);
    let day = n(&rest[2..4]);
    year_ok && (1..=12).contains(&month) && (1..=31).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_ids_in_text_and_card_keys() {
        assert_eq!(mask_text("11010519491231002X"), "1101**********002X");
        assert_eq!(
            mask_text("身份证号已存在：11010519491231002x；卡 rid:440524188001010014"),
            "身份证号已存在：1101**********002x；卡 rid:4405**********0014"
        );
        // 15-digit (first generation) numbers too.
        assert_eq!(mask_text("旧号 110105491231002"), "旧号 1101*******1002");
    }

    #[test]
    fn leaves_other_numbers_alone() {
        for s in [
            "ic:1234567890123456", // 16 digits
            "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
            "abc110105194912310021",    // glued to letters
            "1101051949123100212",      // 19 digits
            "110105199913310021",       // month 13
            "seq 12345678901234567890", // 20 digits
            "2026-11-22T07:30:00.000+08:00",
        ] {
            assert_eq!(mask_text(s), s, "{s}");
        }
    }

    #[test]
    fn masks_json_strings_and_keys() {
        let mut v = serde_json::json!({
            "staff": [{ "id_number": "11010519491231002X", "name": "张三", "age": 110105194912310021u64 }],
            "370101190102039973": { "card_key": "rid:370101190102039973" }
        });
        mask_json(&mut v);
        let s = v.to_string();
        assert!(!s.contains("11010519491231002X") && !s.contains("370101190102039973"), "{s}");
        assert!(s.contains("1101**********002X") && s.contains("rid:3701**********9973"), "{s}");
        // Numbers are not ID numbers (the core always stores them as text).
        assert!(s.contains("110105194912310021"));
    }

    #[test]
    fn roster_rows_and_dtos_are_masked_for_screens() {
        let staff = crate::staff::Staff {
            id: "s1".into(),
            name: "张三".into(),
            gender: crate::id_number::Gender::Male,
            id_number: "11010519491231002X".into(),
            birth_date: chrono::NaiveDate::from_ymd_opt(1949, 12, 31).unwrap(),
            department_id: "d1".into(),
            title: None,
            title_level: None,
            profession: None,
            phone: Some("13800138000".into()),
            status: crate::staff::StaffStatus::Active,
            note: Some("原号 11010519491231002X".into()),
        };
        let mut row = crate::staff::StaffRow {
            staff: staff.clone(),
            department_name: "内科".into(),
            card_key: Some("rid:11010519491231002X".into()),
        };
        mask_staff_row(&mut row);
        assert_eq!(row.staff.id_number, "1101**********002X");
        assert_eq!(row.card_key.as_deref(), Some("rid:1101**********002X"));
        assert_eq!(row.staff.note.as_deref(), Some("原号 1101**********002X"));
        assert_eq!(row.staff.phone.as_deref(), Some("13800138000"));
        let v = masked_json(&staff).unwrap().to_string();
        assert!(!v.contains("11010519491231002X") && v.contains("1101**********002X"), "{v}");
    }

    #[test]
    fn an_unchanged_masked_number_keeps_the_stored_one() {
        assert_eq!(keep_unless_changed("11010519491231002X", "1101**********002X"), "11010519491231002X");
        assert_eq!(keep_unless_changed("11010519491231002X", "110105194912310037"), "110105194912310037");
    }
}
