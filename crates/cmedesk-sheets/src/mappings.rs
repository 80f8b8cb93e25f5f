//! Remembered header mappings (表头对照): an officer maps a header the template does not know
//! (`原单位` → `department`) once; the core keeps it per template, and every later import of that
//! template reads the header the same way. This module checks the field against the template and
//! folds the header exactly as the reader compares it.

use std::collections::HashMap;

use cmedesk_core::{Actor, Desk, header_mappings};

use crate::{
    error::{Result, SheetsError},
    template::{Template, fold_header},
};

/// Parses a user's `表头=field` (as typed after `--map`).
pub fn parse_pair(raw: &str) -> Result<(String, String)> {
    let bad = || SheetsError::BadMapping { given: raw.to_string() };
    let (header, field) = raw.split_once('=').or_else(|| raw.split_once('＝')).ok_or_else(bad)?;
    let (header, field) = (header.trim(), field.trim());
    if fold_header(header).is_empty() || field.is_empty() {
        return Err(bad());
    }
    Ok((header.to_string(), field.to_string()))
}

/// Checks that `field` is one of `template`'s fields.
pub fn check_field(template: &Template, field: &str) -> Result<()> {
    if template.column(field).is_some() {
        return Ok(());
    }
    Err(SheetsError::UnknownField {
        template: template.name.clone(),
        field: field.to_string(),
        known: template
            .columns
            .iter()
            .map(|c| format!("{}({})", c.field, c.header))
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// Remembers that `header` means `field` in `template` (through the core: audited, synced).
pub fn remember(
    desk: &mut Desk,
    actor: &Actor,
    template: &Template,
    header: &str,
    field: &str,
) -> Result<header_mappings::HeaderMapping> {
    check_field(template, field)?;
    let folded = fold_header(header);
    if folded.is_empty() {
        return Err(SheetsError::BadMapping { given: format!("{header}={field}") });
    }
    Ok(header_mappings::remember(desk, actor, &template.name, &folded, field)?)
}

/// Forgets a remembered header of `template`.
pub fn forget(
    desk: &mut Desk,
    actor: &Actor,
    template: &Template,
    header: &str,
) -> Result<header_mappings::HeaderMapping> {
    Ok(header_mappings::forget(desk, actor, &template.name, &fold_header(header))?)
}

/// The remembered mappings of `template`, folded header → field, ready for
/// [`crate::ReadOptions::header_map`]. A remembered field the template no longer has is skipped.
pub fn remembered(desk: &Desk, template: &Template) -> Result<HashMap<String, String>> {
    Ok(header_mappings::list(desk, Some(&template.name))?
        .into_iter()
        .filter(|m| template.column(&m.field).is_some())
        .map(|m| (m.header, m.field))
        .collect())
}
