//! Paginated flow of table rows: rows move whole to the next page when they do not fit, the
//! table's header row is repeated at the top of every page, and only a row taller than a whole
//! page is split (between its text lines, never through one).

use printpdf::FontId;

use crate::canvas::{Canvas, PAGE_H, mm};
use crate::error::PrintError;
use crate::fonts::{FontSet, Glyph};
use crate::layout::{break_lines, width};

/// Horizontal alignment inside a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Flush left (text).
    Left,
    /// Centred (dates, numbers, column titles).
    Center,
}

/// Text metrics of a table.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Font size, pt.
    pub size: f32,
    /// Line advance, pt.
    pub line_h: f32,
    /// Cell padding left/right, pt.
    pub pad_x: f32,
    /// Cell padding top/bottom, pt.
    pub pad_y: f32,
}

/// A cell request: where it sits and what it says.
#[derive(Debug, Clone)]
pub struct Segment<'t> {
    /// Left edge, pt from the page's left.
    pub x: f32,
    /// Width, pt.
    pub w: f32,
    /// Text (wrapped to the width).
    pub text: &'t str,
    /// Alignment.
    pub align: Align,
}

#[derive(Debug, Clone)]
struct LaidCell {
    x: f32,
    w: f32,
    align: Align,
    lines: Vec<Vec<Glyph>>,
}

/// A row shaped and wrapped, ready to place.
#[derive(Debug, Clone)]
pub struct RowLayout {
    cells: Vec<LaidCell>,
    style: Style,
}

impl RowLayout {
    /// Shapes and wraps every cell.
    pub fn new(
        fonts: &FontSet,
        segments: &[Segment<'_>],
        style: Style,
    ) -> Result<RowLayout, PrintError> {
        let mut cells = Vec::with_capacity(segments.len());
        for s in segments {
            let glyphs = fonts.shape(s.text)?;
            let inner = (s.w - 2.0 * style.pad_x).max(style.size);
            let lines = break_lines(&glyphs, style.size, inner)
                .into_iter()
                .map(|r| glyphs[r].to_vec())
                .collect();
            cells.push(LaidCell {
                x: s.x,
                w: s.w,
                align: s.align,
                lines,
            });
        }
        Ok(RowLayout { cells, style })
    }

    fn line_count(&self) -> usize {
        self.cells
            .iter()
            .map(|c| c.lines.len())
            .max()
            .unwrap_or(1)
            .max(1)
    }

    fn height_of(&self, lines: usize) -> f32 {
        lines as f32 * self.style.line_h + 2.0 * self.style.pad_y
    }

    /// Full height, pt.
    pub fn height(&self) -> f32 {
        self.height_of(self.line_count())
    }

    /// Every line of every cell as text (for checks and previews).
    pub fn cell_lines(&self) -> Vec<Vec<String>> {
        self.cells
            .iter()
            .map(|c| {
                c.lines
                    .iter()
                    .map(|l| l.iter().map(|g| g.ch).collect())
                    .collect()
            })
            .collect()
    }

    fn draw_part(
        &self,
        canvas: &mut Canvas,
        font_ids: &[FontId],
        top: f32,
        first: usize,
        count: usize,
    ) {
        let st = self.style;
        let h = self.height_of(count);
        for cell in &self.cells {
            canvas.rect(cell.x, top, cell.w, h, 0.6);
            for (k, line) in cell.lines.iter().skip(first).take(count).enumerate() {
                let lw = width(line, st.size);
                let x = match cell.align {
                    Align::Left => cell.x + st.pad_x,
                    Align::Center => cell.x + ((cell.w - lw) / 2.0).max(st.pad_x),
                };
                let baseline =
                    top + st.pad_y + k as f32 * st.line_h + st.line_h * 0.5 + st.size * 0.36;
                canvas.text(font_ids, line, x, baseline, st.size);
            }
        }
    }
}

/// Pages being filled top to bottom.
pub struct Flow<'a> {
    /// Fonts used for shaping.
    pub fonts: &'a FontSet,
    /// The document's font resources, index-aligned with `fonts.fonts`.
    pub font_ids: &'a [FontId],
    /// Finished and current pages.
    pub pages: Vec<Canvas>,
    /// Cursor, pt from the top of the current page.
    pub y: f32,
    /// Where body content starts on continuation pages.
    top: f32,
    /// Lowest y body content may reach (footer and margin below).
    pub bottom: f32,
    /// Drawn at the top of each continuation page (running title).
    running_title: Option<(Vec<Glyph>, f32)>,
    /// Repeated at the top of every page while a table is open.
    pub table_header: Option<RowLayout>,
}

impl<'a> Flow<'a> {
    /// A flow with one empty page; content starts at `first_y` on page 1.
    pub fn new(fonts: &'a FontSet, font_ids: &'a [FontId], first_y: f32) -> Flow<'a> {
        Flow {
            fonts,
            font_ids,
            pages: vec![Canvas::new()],
            y: first_y,
            top: mm(14.0),
            bottom: PAGE_H - mm(22.0),
            running_title: None,
            table_header: None,
        }
    }

    /// Text shown at the top of continuation pages, e.g. `学分登记手册（续） 陈示例 2025`.
    pub fn set_running_title(&mut self, text: &str, size: f32) -> Result<(), PrintError> {
        self.running_title = Some((self.fonts.shape(text)?, size));
        Ok(())
    }

    /// The page being drawn.
    pub fn canvas(&mut self) -> &mut Canvas {
        if self.pages.is_empty() {
            self.pages.push(Canvas::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Starts a new page, with the running title and the table header when a table is open.
    pub fn new_page(&mut self) {
        self.pages.push(Canvas::new());
        self.y = self.top;
        if let Some((title, size)) = self.running_title.clone() {
            let ids = self.font_ids;
            let baseline = self.y + size;
            self.canvas().text(ids, &title, mm(15.0), baseline, size);
            self.y += size + mm(3.0);
        }
        if let Some(header) = self.table_header.clone() {
            let ids = self.font_ids;
            let n = header.line_count();
            let y = self.y;
            header.draw_part(self.canvas(), ids, y, 0, n);
            self.y += header.height();
        }
    }

    fn body_height_fresh(&self) -> f32 {
        let title = self
            .running_title
            .as_ref()
            .map(|(_, s)| s + mm(3.0))
            .unwrap_or(0.0);
        let header = self
            .table_header
            .as_ref()
            .map(|h| h.height())
            .unwrap_or(0.0);
        self.bottom - self.top - title - header
    }

    /// Makes sure `height` fits below the cursor, starting a new page if not.
    pub fn ensure(&mut self, height: f32) {
        if self.y + height > self.bottom {
            self.new_page();
        }
    }

    /// Opens a table: draws its header row now and repeats it on every following page until
    /// [`Flow::close_table`].
    pub fn open_table(&mut self, header: RowLayout) {
        // A header alone at a page's foot is useless: require room for it and one line more.
        self.ensure(header.height() + header.style.line_h * 2.0);
        let ids = self.font_ids;
        let y = self.y;
        let n = header.line_count();
        header.draw_part(self.canvas(), ids, y, 0, n);
        self.y += header.height();
        self.table_header = Some(header);
    }

    /// Closes the table: continuation pages stop repeating its header.
    pub fn close_table(&mut self) {
        self.table_header = None;
    }

    /// Places a row: whole on this page, else whole on the next; split between lines only
    /// when the row is taller than an entire page.
    pub fn row(&mut self, row: &RowLayout) {
        let total = row.line_count();
        if self.y + row.height() > self.bottom && row.height() <= self.body_height_fresh() {
            self.new_page();
        }
        let mut first = 0;
        while first < total {
            let room = self.bottom - self.y - 2.0 * row.style.pad_y;
            let fits = ((room / row.style.line_h).floor().max(0.0)) as usize;
            if fits == 0 {
                self.new_page();
                let room = self.bottom - self.y - 2.0 * row.style.pad_y;
                if room < row.style.line_h {
                    // The page cannot hold even one line (absurd margins); stop, never loop.
                    return;
                }
                continue;
            }
            let count = fits.min(total - first);
            let ids = self.font_ids;
            let y = self.y;
            row.draw_part(self.canvas(), ids, y, first, count);
            self.y += row.height_of(count);
            first += count;
            if first < total {
                self.new_page();
            }
        }
    }

    /// Draws the footer on every page; `text(i, n)` gives page i's (1-based) footer.
    pub fn footers(
        &mut self,
        size: f32,
        text: impl Fn(usize, usize) -> String,
    ) -> Result<(), PrintError> {
        let n = self.pages.len();
        for i in 0..n {
            let glyphs = self.fonts.shape(&text(i + 1, n))?;
            let w = width(&glyphs, size);
            let x = (crate::canvas::PAGE_W - w) / 2.0;
            self.pages[i].text(self.font_ids, &glyphs, x, PAGE_H - mm(12.0), size);
        }
        Ok(())
    }

    /// A single line of text at the cursor's height (no wrapping); returns its width.
    pub fn text_at(
        &mut self,
        text: &str,
        x: f32,
        baseline: f32,
        size: f32,
    ) -> Result<f32, PrintError> {
        let glyphs = self.fonts.shape(text)?;
        let ids = self.font_ids;
        self.canvas().text(ids, &glyphs, x, baseline, size);
        Ok(width(&glyphs, size))
    }

    /// Centred single line of text.
    pub fn text_centered(
        &mut self,
        text: &str,
        baseline: f32,
        size: f32,
    ) -> Result<(), PrintError> {
        let glyphs = self.fonts.shape(text)?;
        let x = (crate::canvas::PAGE_W - width(&glyphs, size)) / 2.0;
        let ids = self.font_ids;
        self.canvas().text(ids, &glyphs, x, baseline, size);
        Ok(())
    }
}
