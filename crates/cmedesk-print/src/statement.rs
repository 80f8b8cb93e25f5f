//! Lays out a credit statement (学分记录明细表, seed 003): the person, the rows, the totals,
//! then the verification block — the short 验证码, the print time, a QR code drawn as vector
//! squares carrying the signed code, the full code in small type (for typing when no scanner
//! is at hand) and the notice that it is a proof of study, not a credit certificate.

use cmedesk_core::statement::{Statement, VerificationCode};
use printpdf::{FontId, PdfPage};
use qrcode::{Color as QrColor, EcLevel, QrCode};

use crate::canvas::{Canvas, mm};
use crate::error::PrintError;
use crate::flow::{Align, Flow, RowLayout, Segment, Style};
use crate::fonts::FontSet;

/// The statement's title.
pub const TITLE: &str = "继续医学教育学分记录明细表";
/// Printed under the verification block (seed 003's wording).
pub const NOTICE: &str = "非学分证书，仅作为学习证明。";
/// Column titles.
pub const COLUMNS: [&str; 6] = ["项目名称", "项目编号", "学分类别", "分数", "学时", "学分发放时间"];
const WIDTHS_MM: [f32; 6] = [58.0, 38.0, 22.0, 18.0, 18.0, 26.0];
const ALIGN: [Align; 6] =
    [Align::Left, Align::Left, Align::Center, Align::Center, Align::Center, Align::Center];
const TABLE: Style = Style { size: 9.0, line_h: 12.5, pad_x: 4.0, pad_y: 3.0 };

/// Draws a QR code with its top-left corner at (x, y), `size` pt wide including nothing
/// outside the symbol (leave a quiet zone around it). Dark modules of a row are merged into
/// one rectangle: fewer operators, no hairline gaps between modules when rendered.
pub fn draw_qr(canvas: &mut Canvas, payload: &str, x: f32, y: f32, size: f32) -> Result<(), PrintError> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
        .map_err(|e| PrintError::Qr(e.to_string()))?;
    let n = code.width();
    let colors = code.to_colors();
    let module = size / n as f32;
    canvas.grey(0.0);
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if colors.get(row * n + col) == Some(&QrColor::Dark) {
                let start = col;
                while col < n && colors.get(row * n + col) == Some(&QrColor::Dark) {
                    col += 1;
                }
                // A hair of overlap closes anti-aliasing seams between adjacent rows.
                canvas.fill(
                    x + start as f32 * module,
                    y + row as f32 * module,
                    (col - start) as f32 * module,
                    module + 0.05,
                );
            } else {
                col += 1;
            }
        }
    }
    Ok(())
}

/// Draws `statement` with its verification code as A4 pages.
pub fn statement_pages(
    statement: &Statement,
    code: &VerificationCode,
    fonts: &FontSet,
    font_ids: &[FontId],
) -> Result<Vec<PdfPage>, PrintError> {
    let mut flow = Flow::new(fonts, font_ids, mm(32.0));
    flow.text_centered(TITLE, mm(22.0), 16.0)?;
    flow.set_running_title(&format!("{TITLE}（续）  {}", statement.name), 9.0)?;

    let x0 = mm(15.0);
    let info = |a: &str, b: &str, c: &str, d: &str| -> Result<RowLayout, PrintError> {
        let w = [mm(25.0), mm(65.0), mm(25.0), mm(65.0)];
        let texts = [a, b, c, d];
        let mut x = x0;
        let mut segs = Vec::with_capacity(4);
        for i in 0..4 {
            segs.push(Segment {
                x,
                w: w[i],
                text: texts[i],
                align: if i % 2 == 0 { Align::Center } else { Align::Left },
            });
            x += w[i];
        }
        RowLayout::new(fonts, &segs, TABLE)
    };
    flow.row(&info("姓名", &statement.name, "性别", &statement.gender)?);
    flow.row(&info("身份证号", &statement.id_number_shown, "单位名称", &statement.unit)?);
    flow.y += mm(4.0);

    let mut xs = [x0; 7];
    for i in 0..6 {
        xs[i + 1] = xs[i] + mm(WIDTHS_MM[i]);
    }
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
    for r in &statement.rows {
        let credits = r.credits.to_string();
        let hours = r.hours.to_string();
        let granted = r.granted_on.format("%Y-%m-%d").to_string();
        flow.row(&row_of(
            [&r.project_name, &r.project_code, &r.category, &credits, &hours, &granted],
            false,
        )?);
    }
    let count = format!("合计 {} 项", statement.rows.len());
    let credits = statement.total_credits().to_string();
    let hours = statement.total_hours().to_string();
    let total = RowLayout::new(
        fonts,
        &[
            Segment { x: xs[0], w: xs[3] - xs[0], text: &count, align: Align::Left },
            Segment { x: xs[3], w: xs[4] - xs[3], text: &credits, align: Align::Center },
            Segment { x: xs[4], w: xs[5] - xs[4], text: &hours, align: Align::Center },
            Segment { x: xs[5], w: xs[6] - xs[5], text: "", align: Align::Center },
        ],
        TABLE,
    )?;
    flow.row(&total);
    flow.close_table();

    // Verification block, kept together on one page.
    let qr = mm(34.0);
    flow.ensure(qr + mm(22.0));
    let top = flow.y + mm(6.0);
    let text = code.to_text();
    draw_qr(flow.canvas(), &text, x0, top, qr)?;
    let tx = x0 + qr + mm(6.0);
    flow.text_at(&format!("验证码：{}", code.short_code()), tx, top + mm(5.0), 11.0)?;
    flow.text_at(
        &format!("打印时间：{}", statement.printed_at.format("%Y-%m-%d %H:%M")),
        tx,
        top + mm(11.0),
        10.0,
    )?;
    flow.text_at(
        &format!("签发密钥：{}    扫描二维码或运行 cmedesk verify 核验", code.summary.key_id_hex()),
        tx,
        top + mm(17.0),
        9.0,
    )?;
    let small = 6.5;
    let glyphs = fonts.shape(&text)?;
    let mut baseline = top + mm(23.0);
    // The code is one long token: fill each line to the margin rather than breaking after
    // `CME1:` (which line breaking would, `:` being closing punctuation).
    let max = mm(195.0) - tx;
    let mut ranges = Vec::new();
    let (mut start, mut used) = (0, 0.0);
    for (i, g) in glyphs.iter().enumerate() {
        let w = g.advance_em * small;
        if used + w > max && i > start {
            ranges.push(start..i);
            (start, used) = (i, 0.0);
        }
        used += w;
    }
    ranges.push(start..glyphs.len());
    for range in ranges {
        let ids = flow.font_ids;
        flow.canvas().text(ids, &glyphs[range], tx, baseline, small);
        baseline += small * 1.3;
    }
    flow.y = top + qr.max(baseline - top) + mm(4.0);
    flow.text_at(NOTICE, x0, flow.y + mm(4.0), 10.5)?;
    flow.y += mm(8.0);

    let name = statement.name.clone();
    flow.footers(9.0, |i, n| format!("{name} 学分记录明细表 第 {i} 页 / 共 {n} 页"))?;
    Ok(flow.pages.into_iter().map(|c| c.into_page()).collect())
}
