//! A small flowing-layout PDF writer on top of `pdf-writer`: headings, label/value lines,
//! wrapped paragraphs, tables, images; A4 pages that break by themselves.
//!
//! Text uses the viewer's built-in Helvetica (nothing to embed) with an encoding of our own:
//! ASCII as usual and, in the upper half, the letters of the languages our customers write
//! (Polish, Czech, Slovak, Slovenian, Croatian, Italian, German…) by their standard glyph
//! names, so viewers draw them and text extraction reads them back as Unicode.

use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

mod image;
mod text;

pub use image::Image;
use image::ImageData;
use text::EXTRA;
pub use text::{encode, text_width, wrap};

pub const PAGE_WIDTH: f32 = 595.0;

pub const PAGE_HEIGHT: f32 = 842.0;

pub const MARGIN: f32 = 48.0;

pub const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;

const REGULAR: Name = Name(b"F1");

const BOLD: Name = Name(b"F2");

/// A column of a table: its header, width in points, and whether it is right-aligned.
pub struct Column<'a> {
    pub header: &'a str,
    pub width: f32,
    pub right: bool,
}

/// The document being laid out, top to bottom.
pub struct Document {
    pages: Vec<(Vec<u8>, Vec<usize>)>,
    content: Content,
    page_images: Vec<usize>,
    images: Vec<Image>,
    /// The baseline of the next line, from the bottom of the page.
    y: f32,
    footer: String,
}

impl Document {
    /// A document whose pages carry `footer` and their number at the bottom.
    pub fn new(footer: &str) -> Self {
        Self {
            pages: Vec::new(),
            content: Content::new(),
            page_images: Vec::new(),
            images: Vec::new(),
            y: PAGE_HEIGHT - MARGIN,
            footer: footer.to_owned(),
        }
    }

    fn break_page(&mut self) {
        let content = std::mem::replace(&mut self.content, Content::new());
        self.pages.push((content.finish().to_vec(), std::mem::take(&mut self.page_images)));
        self.y = PAGE_HEIGHT - MARGIN;
    }

    /// Starts a new page unless `height` points still fit on this one.
    pub fn ensure(&mut self, height: f32) {
        if self.y - height < MARGIN + 14.0 {
            self.break_page();
        }
    }

    /// Where the next line goes (points from the bottom of the page).
    pub fn cursor(&self) -> f32 {
        self.y
    }

    pub fn space(&mut self, points: f32) {
        self.y -= points;
    }

    /// Text at an exact position (no flow).
    pub fn text_at(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        self.content.begin_text();
        self.content.set_font(if bold { BOLD } else { REGULAR }, size);
        self.content.next_line(x, y);
        self.content.show(Str(&encode(text)));
        self.content.end_text();
    }

    fn grey(&mut self, on: bool) {
        let v = if on { 0.4 } else { 0.0 };
        self.content.set_fill_rgb(v, v, v);
    }

    /// A section title with a rule under it, on the page where its first lines fit.
    pub fn heading(&mut self, text: &str) {
        self.heading_keeping(text, 36.0);
    }

    /// A section title kept on one page with the `following` points of content after it.
    pub fn heading_keeping(&mut self, text: &str, following: f32) {
        self.ensure(31.0 + following);
        self.space(10.0);
        self.text_at(MARGIN, self.y - 11.0, 11.0, true, text);
        self.y -= 15.0;
        self.rule(0.5);
        self.y -= 6.0;
    }

    /// A horizontal line across the page at the current position.
    pub fn rule(&mut self, width: f32) {
        self.content.set_line_width(width);
        self.content.move_to(MARGIN, self.y);
        self.content.line_to(PAGE_WIDTH - MARGIN, self.y);
        self.content.stroke();
    }

    /// `label` in grey and `value` beside it, wrapped within its column.
    pub fn field(&mut self, label: &str, value: &str) {
        const LABEL: f32 = 110.0;
        let lines = wrap(value, 9.5, false, CONTENT_WIDTH - LABEL);
        self.ensure(12.5 * lines.len() as f32);
        self.grey(true);
        self.text_at(MARGIN, self.y - 9.5, 9.0, false, label);
        self.grey(false);
        for line in lines {
            self.text_at(MARGIN + LABEL, self.y - 9.5, 9.5, false, &line);
            self.y -= 12.5;
        }
    }

    /// A wrapped paragraph across the content width.
    pub fn paragraph(&mut self, text: &str, size: f32) {
        for line in wrap(text, size, false, CONTENT_WIDTH) {
            self.ensure(size * 1.35);
            self.text_at(MARGIN, self.y - size, size, false, &line);
            self.y -= size * 1.35;
        }
    }

    /// A table with a bold header row; cells wrap within their column; a `total` row, when
    /// given, is bold under a rule.
    pub fn table(&mut self, columns: &[Column], rows: &[Vec<String>], total: Option<&[String]>) {
        const LINE: f32 = 11.5;
        let headers: Vec<String> = columns.iter().map(|c| c.header.to_owned()).collect();
        self.ensure(LINE * 3.0);
        self.table_row(columns, &headers, true);
        self.y -= 2.0;
        self.rule(0.3);
        self.y -= 2.0;
        for row in rows {
            self.table_row(columns, row, false);
        }
        if let Some(total) = total {
            self.ensure(LINE + 4.0);
            self.y -= 2.0;
            self.rule(0.3);
            self.y -= 2.0;
            self.table_row(columns, total, true);
        }
    }

    fn table_row(&mut self, columns: &[Column], cells: &[String], bold: bool) {
        const SIZE: f32 = 9.0;
        const LINE: f32 = 11.5;
        let wrapped: Vec<Vec<String>> = columns.iter().zip(cells).map(|(c, text)| wrap(text, SIZE, bold, c.width - 6.0)).collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(1) as f32 * LINE;
        self.ensure(height);
        let mut x = MARGIN;
        for (column, lines) in columns.iter().zip(&wrapped) {
            for (n, line) in lines.iter().enumerate() {
                let lx = if column.right { x + column.width - 4.0 - text_width(line, SIZE, bold) } else { x };
                self.text_at(lx, self.y - SIZE - n as f32 * LINE, SIZE, bold, line);
            }
            x += column.width;
        }
        self.y -= height + 1.5;
    }

    /// Registers an image for [`Document::image`]; answers its handle.
    pub fn add_image(&mut self, image: Image) -> usize {
        self.images.push(image);
        self.images.len() - 1
    }

    /// The size an image takes to fit `max_w` × `max_h` keeping its proportions.
    pub fn fit(&self, image: usize, max_w: f32, max_h: f32) -> (f32, f32) {
        let img = &self.images[image];
        let scale = (max_w / img.width as f32).min(max_h / img.height as f32);
        (img.width as f32 * scale, img.height as f32 * scale)
    }

    /// Draws a registered image with its lower left corner at (`x`, `y`).
    pub fn image(&mut self, image: usize, x: f32, y: f32, w: f32, h: f32) {
        if !self.page_images.contains(&image) {
            self.page_images.push(image);
        }
        self.content.save_state();
        self.content.transform([w, 0.0, 0.0, h, x, y]);
        self.content.x_object(Name(format!("Im{image}").as_bytes()));
        self.content.restore_state();
    }

    /// Images in rows of `per_row`, each fitted into a square cell, captions under them.
    pub fn image_grid(&mut self, images: &[(usize, String)], per_row: usize, cell: f32) {
        let gap = (CONTENT_WIDTH - cell * per_row as f32) / (per_row.max(2) - 1) as f32;
        for row in images.chunks(per_row) {
            self.ensure(cell + 16.0);
            for (n, (image, caption)) in row.iter().enumerate() {
                let (w, h) = self.fit(*image, cell, cell);
                let x = MARGIN + n as f32 * (cell + gap);
                self.image(*image, x + (cell - w) / 2.0, self.y - cell + (cell - h) / 2.0, w, h);
                self.grey(true);
                let caption = wrap(caption, 7.5, false, cell).into_iter().next().unwrap_or_default();
                self.text_at(x, self.y - cell - 10.0, 7.5, false, &caption);
                self.grey(false);
            }
            self.y -= cell + 18.0;
        }
    }

    /// The finished file, titled `title`.
    pub fn finish(mut self, title: &str) -> Vec<u8> {
        self.break_page();
        let mut pdf = Pdf::new();
        let mut next = 1;
        let mut alloc = || {
            next += 1;
            Ref::new(next)
        };
        let catalog = Ref::new(1);
        let tree = alloc();
        let (regular, bold) = (alloc(), alloc());
        let info = alloc();
        let image_refs: Vec<(Ref, Option<Ref>)> =
            self.images.iter().map(|i| (alloc(), matches!(i.data, ImageData::Pixels { alpha: Some(_), .. }).then(&mut alloc))).collect();
        let page_refs: Vec<(Ref, Ref)> = self.pages.iter().map(|_| (alloc(), alloc())).collect();

        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree).kids(page_refs.iter().map(|(p, _)| *p)).count(i32::try_from(page_refs.len()).unwrap_or(i32::MAX));
        for (font, base) in [(regular, "Helvetica"), (bold, "Helvetica-Bold")] {
            let mut f = pdf.type1_font(font);
            f.base_font(Name(base.as_bytes()));
            let mut encoding = f.encoding_custom();
            encoding.base_encoding(Name(b"WinAnsiEncoding"));
            encoding.differences().consecutive(128, EXTRA.iter().map(|(_, name, _)| Name(name.as_bytes())));
        }
        pdf.document_info(info).title(TextStr(title)).producer(TextStr("Servdesk"));
        for (image, (id, mask)) in self.images.iter().zip(&image_refs) {
            match &image.data {
                ImageData::Jpeg { bytes, components } => {
                    let mut x = pdf.image_xobject(*id, bytes);
                    x.filter(Filter::DctDecode);
                    x.width(image.width as i32).height(image.height as i32).bits_per_component(8);
                    match components {
                        1 => x.color_space().device_gray(),
                        4 => x.color_space().device_cmyk(),
                        _ => x.color_space().device_rgb(),
                    };
                }
                ImageData::Pixels { rgb, alpha } => {
                    let mut x = pdf.image_xobject(*id, rgb);
                    x.filter(Filter::FlateDecode);
                    x.width(image.width as i32).height(image.height as i32).bits_per_component(8);
                    x.color_space().device_rgb();
                    if let Some(mask) = mask {
                        x.s_mask(*mask);
                    }
                    x.finish();
                    if let (Some(mask), Some(alpha)) = (mask, alpha) {
                        let mut m = pdf.image_xobject(*mask, alpha);
                        m.filter(Filter::FlateDecode);
                        m.width(image.width as i32).height(image.height as i32).bits_per_component(8);
                        m.color_space().device_gray();
                    }
                }
            }
        }
        let count = self.pages.len();
        for (n, ((content, images), (page_id, content_id))) in self.pages.into_iter().zip(&page_refs).enumerate() {
            let mut page = pdf.page(*page_id);
            page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT)).parent(tree).contents(*content_id);
            let mut resources = page.resources();
            resources.fonts().pair(REGULAR, regular).pair(BOLD, bold);
            let mut objects = resources.x_objects();
            for i in images {
                objects.pair(Name(format!("Im{i}").as_bytes()), image_refs[i].0);
            }
            objects.finish();
            resources.finish();
            page.finish();
            let mut footer = Content::new();
            footer.begin_text().set_font(REGULAR, 7.5).set_fill_rgb(0.4, 0.4, 0.4).next_line(MARGIN, MARGIN - 20.0);
            footer.show(Str(&encode(&format!("{} — page {} of {count}", self.footer, n + 1)))).end_text();
            let mut stream = content;
            stream.extend_from_slice(b"\n");
            stream.extend_from_slice(&footer.finish());
            pdf.stream(*content_id, &stream);
        }
        pdf.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::image::jpeg_header;
    use super::*;

    #[test]
    fn central_european_letters_have_codes_and_the_rest_becomes_a_question_mark() {
        assert_eq!(encode("Łódź"), vec![128 + 6, 128 + 11, 100, 128 + 15]);
        assert_eq!(encode("č"), vec![128 + 19]);
        assert_eq!(encode("日"), b"?".to_vec());
        assert!(EXTRA.len() <= 128, "the upper half holds at most 128 glyphs");
    }

    #[test]
    fn wrapping_keeps_lines_inside_the_width_and_cuts_only_overlong_words() {
        let lines = wrap("the quick brown fox jumps over the lazy dog", 10.0, false, 80.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| text_width(l, 10.0, false) <= 80.0));
        assert_eq!(lines.join(" "), "the quick brown fox jumps over the lazy dog");
        let cut = wrap("Wwwwwwwwwwwwwwwwwwwwwwwwwwww", 10.0, false, 50.0);
        assert!(cut.len() > 1 && cut.iter().all(|l| text_width(l, 10.0, false) <= 50.0));
    }

    #[test]
    fn a_jpeg_header_gives_its_size_and_components() {
        // SOI, then an SOF0 segment: length 17, precision 8, height 2, width 3, 3 components.
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00, 0x02, 0x00, 0x03, 0x03];
        jpeg.extend_from_slice(&[0; 9]);
        assert_eq!(jpeg_header(&jpeg), Some((3, 2, 3)));
        assert_eq!(jpeg_header(&[0xFF, 0xD8, 0x00]), None);
    }
}
