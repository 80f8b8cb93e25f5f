//! The errors of the spreadsheet adapter. Like the core's, each has a stable `code()` and a
//! Chinese message for officers; row-level problems are not errors but [`crate::Rejection`]s.

pub type Result<T, E = SheetsError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum SheetsError {
    #[error("unknown template {name:?}; known: {known}")]
    UnknownTemplate { name: String, known: String },
    #[error("template {name} is malformed: {reason}")]
    BadTemplate { name: String, reason: String },
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path} has no worksheet with data")]
    EmptyWorkbook { path: String },
    #[error("no header row found in the first {scanned} rows")]
    HeaderNotFound { scanned: usize },
    #[error("header row {row} lacks required columns: {missing}")]
    MissingColumns { row: u32, missing: String },
    #[error("template {template} has no import target in the core yet")]
    NotImportable { template: String, note: Option<String> },
    #[error("template {template} is imported or exported for a project: name it")]
    ProjectRequired { template: String },
    #[error("template {template} is exported for one CME year: name it")]
    YearRequired { template: String },
    #[error("template {template} has no export source in the core yet")]
    NotExportable { template: String },
    #[error("{rows} rows exceed the sheet limit of {limit}")]
    TooManyRows { rows: usize, limit: usize },
    #[error("{rejected} rows rejected; nothing was imported")]
    RowsRejected { rejected: usize },
    #[error("a header mapping is written 表头=field, not {given:?}")]
    BadMapping { given: String },
    #[error("template {template} has no field {field:?}; fields: {known}")]
    UnknownField { template: String, field: String, known: String },
    #[error("{path}: .xls is not written; export .xlsx")]
    XlsNotWritten { path: String },
    #[error("cannot write {path}: {reason}")]
    Write { path: String, reason: String },
    #[error(transparent)]
    Core(#[from] cmedesk_core::CoreError),
}

impl SheetsError {
    /// Stable machine-readable code; never reworded, only added to.
    pub fn code(&self) -> &'static str {
        match self {
            SheetsError::UnknownTemplate { .. } => "UNKNOWN_TEMPLATE",
            SheetsError::BadTemplate { .. } => "BAD_TEMPLATE",
            SheetsError::Read { .. } => "SHEET_READ",
            SheetsError::EmptyWorkbook { .. } => "SHEET_EMPTY",
            SheetsError::HeaderNotFound { .. } => "HEADER_NOT_FOUND",
            SheetsError::MissingColumns { .. } => "MISSING_COLUMNS",
            SheetsError::NotImportable { .. } => "TEMPLATE_NOT_IMPORTABLE",
            SheetsError::ProjectRequired { .. } => "PROJECT_REQUIRED",
            SheetsError::YearRequired { .. } => "YEAR_REQUIRED",
            SheetsError::NotExportable { .. } => "TEMPLATE_NOT_EXPORTABLE",
            SheetsError::TooManyRows { .. } => "TOO_MANY_ROWS",
            SheetsError::RowsRejected { .. } => "ROWS_REJECTED",
            SheetsError::BadMapping { .. } => "BAD_HEADER_MAPPING",
            SheetsError::UnknownField { .. } => "UNKNOWN_TEMPLATE_FIELD",
            SheetsError::XlsNotWritten { .. } => "XLS_NOT_WRITTEN",
            SheetsError::Write { .. } => "SHEET_WRITE",
            SheetsError::Core(e) => e.code(),
        }
    }

    pub fn message_en(&self) -> String {
        self.to_string()
    }

    pub fn message_zh(&self) -> String {
        match self {
            SheetsError::UnknownTemplate { name, known } => {
                format!("没有名为「{name}」的模板；可用模板：{known}")
            }
            SheetsError::BadTemplate { name, reason } => format!("模板 {name} 定义有误：{reason}"),
            SheetsError::Read { path, reason } => format!("无法读取表格 {path}：{reason}"),
            SheetsError::EmptyWorkbook { path } => format!("表格 {path} 中没有数据"),
            SheetsError::HeaderNotFound { scanned } => {
                format!("前{scanned}行中未找到表头（与模板列名都不匹配）")
            }
            SheetsError::MissingColumns { row, missing } => {
                format!("第{row}行表头缺少必填列：{missing}")
            }
            SheetsError::NotImportable { note: Some(note), .. } => note.clone(),
            SheetsError::NotImportable { template, note: None } => {
                format!("模板 {template} 暂不能导入（核心尚无对应数据），只能检查（--dry-run）")
            }
            SheetsError::ProjectRequired { template } if template == "attendance-detail" => {
                format!("模板 {template} 按项目导出：请指定项目（项目编号）")
            }
            SheetsError::ProjectRequired { template } => {
                format!("模板 {template} 须指定项目（学习记录按项目判断是否学完）")
            }
            SheetsError::YearRequired { template } => format!("模板 {template} 按年度导出：请指定年度"),
            SheetsError::NotExportable { template } => {
                format!("模板 {template} 暂不能导出（核心尚无对应数据）")
            }
            SheetsError::TooManyRows { rows, limit } => {
                format!("{rows}行超过工作表上限{limit}行")
            }
            SheetsError::RowsRejected { rejected } => {
                format!("有{rejected}行数据有误，未导入任何数据")
            }
            SheetsError::BadMapping { given } => {
                format!("表头对照应写成「表头=字段」，如「原单位=department」，而不是「{given}」")
            }
            SheetsError::UnknownField { template, field, known } => {
                format!("模板 {template} 没有字段「{field}」；可用字段：{known}")
            }
            SheetsError::XlsNotWritten { path } => format!(
                "不能导出为 .xls（{path}）：请导出 .xlsx（Excel 2007 及以上、WPS 均可打开），需要 .xls 时在 Excel/WPS 中另存为"
            ),
            SheetsError::Write { path, reason } => format!("无法写入 {path}：{reason}"),
            SheetsError::Core(e) => e.message_zh(),
        }
    }
}
