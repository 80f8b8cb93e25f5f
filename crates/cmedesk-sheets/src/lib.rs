//! CME Desk spreadsheets (表格导入导出): provincial and hospital templates defined in
//! `schema/templates/*.toml`, imported from `.xlsx`/`.xls` (calamine) into the core's input types
//! and exported from the core's query results (rust_xlsxwriter). No SQL and no business rules
//! here: the core validates and stores; this crate finds headers, cleans cells, and names every
//! problem by the row and column an officer sees in Excel.

pub mod domain;
pub mod error;
pub mod export;
pub mod first_rows;
pub mod import;
pub mod mappings;
pub mod read;
pub mod remote;
pub mod report;
pub mod reports;
pub mod template;
pub mod value;
pub mod wizard;

pub use error::{Result, SheetsError};
pub use export::{Exported, write as write_xlsx};
pub use import::{ImportOptions, ImportReport, Preview, import, preview};
pub use read::{Parsed, ReadOptions, Rejection, Warning};
pub use template::{ColumnType, Template};
pub use value::Value;

/// True when [`export`] can fill `template` from the desk today.
pub fn exportable(template: &Template) -> bool {
    matches!(template.target, Some(template::Target::Staff | template::Target::ApprovedProject))
        || matches!(
            template.name.as_str(),
            "credit-list" | "compliance-report" | "annual-review" | "attendance-detail"
        )
}

/// What an export covers: `year` filters the approved list and the credit list (and is needed by
/// the reports), `department` the roster, the credit list and the reports, `staff` (id, ID
/// number or card key) the credit list to one person (个人学分), `project` (id or 项目编号) names
/// the project of a 考勤明细.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExportScope<'a> {
    pub year: Option<i32>,
    pub department: Option<&'a str>,
    pub staff: Option<&'a str>,
    pub project: Option<&'a str>,
}

/// Exports `template` from the desk to `path` for `scope`. Templates whose data the core does
/// not hold yet are refused.
pub fn export(
    desk: &cmedesk_core::Desk,
    template: &Template,
    scope: &ExportScope<'_>,
    path: &std::path::Path,
) -> Result<Exported> {
    export::write(template, &export_rows(desk, template, scope)?, path)
}

fn export_rows(
    desk: &cmedesk_core::Desk,
    template: &Template,
    scope: &ExportScope<'_>,
) -> Result<Vec<Vec<Value>>> {
    let ExportScope { year, department, staff, project } = *scope;
    Ok(match (template.target, template.name.as_str()) {
        (Some(template::Target::Staff), _) => domain::staff_rows(desk, template, department)?,
        (Some(template::Target::ApprovedProject), _) => domain::approved_rows(desk, template, year)?,
        (None, "credit-list") => domain::credit_rows(desk, template, year, department, staff)?,
        (None, "compliance-report") => reports::compliance_rows(desk, template, year, department)?,
        (None, "annual-review") => reports::annual_review_rows(desk, template, year, department)?,
        (None, "attendance-detail") => reports::attendance_rows(desk, template, project)?,
        (Some(template::Target::RemoteLearning) | None, _) => {
            return Err(SheetsError::NotExportable { template: template.name.clone() });
        }
    })
}

/// [`export`] as an operator sees it: 身份证号 (and `rid:` card keys) masked in every text cell
/// unless `view` is a full view granted and audited by [`cmedesk_core::privacy::reveal`].
/// A masked export cannot be imported back; that is the point of it.
pub fn export_for_view(
    desk: &cmedesk_core::Desk,
    template: &Template,
    scope: &ExportScope<'_>,
    path: &std::path::Path,
    view: &cmedesk_core::privacy::IdView,
) -> Result<Exported> {
    let mut rows = export_rows(desk, template, scope)?;
    if !view.is_full() {
        for cell in rows.iter_mut().flatten() {
            if let Value::Text(t) = cell {
                *t = view.text(t);
            }
        }
    }
    export::write(template, &rows, path)
}
