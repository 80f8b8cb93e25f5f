//! Lays out a credit registration booklet (学分登记手册) from the core's [`BookletModel`]:
//! title and header, the six-column table with its header repeated on every page, the totals
//! row, the stamp space on the last page and the footer `姓名 卡号 第 i 页 / 共 n 页`.

use cmedesk_core::booklet::BookletModel;
use printpdf::{FontId, PdfPage};

use crate::canvas::{PAGE_W, mm};
use crate::error::PrintError;
use crate::flow::{Align, Flow, RowLayout, Segment, Style};
use crate::fonts::FontSet;

/// Column titles, as in seed 003.
pub const COLUMNS: [&str; 6] = ["起止时间", "形式", "内容", "成绩", "学时(分)", "承办单位"];
/// Column widths in mm (180 mm table on A4 with 15 mm margins).
// 承办单位 is wide enough for a ten-character hospital name on one line (示例大学附属第一医院).
const WIDTHS_MM: [f32; 6] = [25.0, 29.0, 46.0, 19.0, 25.0, 36.0];
const ALIGN: [Align; 6] =
    [Align::Center, Align::Left, Align::Left, Align::Center, Align::Center, Align::Left];
/// What an empty year's booklet says instead of rows.
pub const EMPTY_YEAR_TEXT: &str = "本年度无学分记录";
/// The title at the top of page 1.
pub const TITLE: &str = "继续医学教育学分登记手册";

const TABLE: Style = Style { size: 9.0, line_h: 12.5, pad_x: 4.0, pad_y: 3.0 };

fn column_x() -> [f32; 7] {
    let mut xs = [0f32; 7];
    xs[0] = mm(15.0);
    for i in 0..6 {
        xs[i + 1] = xs[i] + mm(WIDTHS_MM[i]);
    }
    xs
}

/// Draws `model` as A4 pages with the fonts in `fonts` (resource ids in `font_ids`).
pub fn booklet_pages(
    model: &BookletModel,
    fonts: &FontSet,
    font_ids: &[FontId],
) -> Result<Vec<PdfPage>, PrintError> {
    let h = &model.header;
    let xs = column_x();
    let mut flow = Flow::new(fonts, font_ids, mm(56.0));

    flow.text_centered(TITLE, mm(24.0), 18.0)?;
    // No unit configured: a line to write it on by hand, next to the stamp.
    let unit =
        if h.unit.trim().is_empty() { "＿＿＿＿＿＿＿＿＿＿＿＿" } else { h.unit.as_str() };
    flow.text_at(&format!("所在单位：{unit}（盖章）"), mm(15.0), mm(38.0), 11.0)?;
    flow.text_at(&format!("姓名：{}", h.name), mm(15.0), mm(47.0), 11.0)?;
    flow.text_at(&format!("卡号：{}", h.card_no), mm(80.0), mm(47.0), 11.0)?;
    flow.text_at(&format!("年度：{}", h.year), mm(150.0), mm(47.0), 11.0)?;
    flow.set_running_title(&format!("{TITLE}（续）  {}  {}  {}年度", h.name, h.card_no, h.year), 9.0)?;

    let row_of = |texts: [&str; 6], header: bool| -> Result<RowLayout, PrintError> {
        let segs: Vec<Segment<'_>> = (0..6)
            .map(|i| Segment {
                x: xs[i],
                w: xs[i + 1] - xs[i],
                text: texts[i],
                align: if header { Align::Center } else { ALIGN[i] },
            })
            .collect();
        RowLayout::new(fonts, &segs, TABLE)
    };

    flow.open_table(row_of(COLUMNS, true)?);
    if model.is_empty() {
        let empty = RowLayout::new(
            fonts,
            &[Segment { x: xs[0], w: xs[6] - xs[0], text: EMPTY_YEAR_TEXT, align: Align::Center }],
            TABLE,
        )?;
        flow.row(&empty);
    }
    for r in &model.rows {
        let period = r.period_text();
        let hc = r.hours_credits_text();
        let row = row_of([&period, &r.form, &r.content, &r.grade, &hc, &r.organizer], false)?;
        flow.row(&row);
    }
    let t = &model.totals;
    let general = format!("公需科目 {}", t.general.text());
    let professional = format!("专业科目 {}", t.professional.text());
    let year = format!("年度累计完成 {}", t.year.text());
    let totals = RowLayout::new(
        fonts,
        &[
            Segment { x: xs[0], w: xs[2] - xs[0], text: &general, align: Align::Left },
            Segment { x: xs[2], w: xs[4] - xs[2], text: &professional, align: Align::Left },
            Segment { x: xs[4], w: xs[6] - xs[4], text: &year, align: Align::Left },
        ],
        TABLE,
    )?;
    flow.row(&totals);
    flow.close_table();

    // Stamp space: the office signs and stamps the last page.
    let stamp_h = mm(36.0);
    flow.ensure(stamp_h + mm(4.0));
    let top = flow.y + mm(6.0);
    flow.text_at("审核意见：", mm(15.0), top + mm(6.0), 10.5)?;
    flow.text_at("经办人：", mm(15.0), top + mm(18.0), 10.5)?;
    flow.text_at("日期：      年    月    日", mm(15.0), top + mm(28.0), 10.5)?;
    let box_w = mm(58.0);
    let box_x = PAGE_W - mm(15.0) - box_w;
    flow.canvas().rect(box_x, top, box_w, mm(32.0), 0.4);
    flow.text_at("单位盖章", box_x + mm(3.0), top + mm(6.0), 9.0)?;
    flow.y = top + stamp_h;

    let (name, card) = (h.name.clone(), h.card_no.clone());
    flow.footers(9.0, |i, n| format!("{name} {card} 第 {i} 页 / 共 {n} 页"))?;
    Ok(flow.pages.into_iter().map(|c| c.into_page()).collect())
}
