//! CSV as spreadsheets and ERPs read it: RFC 4180 quoting, CRLF line ends, UTF-8, a chosen
//! delimiter (Polish and Italian spreadsheets expect `;` with decimal commas).

/// The field separator of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    Comma,
    Semicolon,
    Tab,
}

impl Delimiter {
    /// `comma`, `semicolon` or `tab`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "comma" => Some(Delimiter::Comma),
            "semicolon" => Some(Delimiter::Semicolon),
            "tab" => Some(Delimiter::Tab),
            _ => None,
        }
    }

    pub fn char(self) -> char {
        match self {
            Delimiter::Comma => ',',
            Delimiter::Semicolon => ';',
            Delimiter::Tab => '\t',
        }
    }
}

/// How an export writes: the delimiter and the decimal mark of amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    pub delimiter: Delimiter,
    pub decimal_mark: char,
}

/// A CSV text being written row by row.
pub struct Writer {
    delimiter: char,
    out: String,
}

impl Writer {
    pub fn new(delimiter: Delimiter) -> Self {
        Self { delimiter: delimiter.char(), out: String::new() }
    }

    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) {
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                self.out.push(self.delimiter);
            }
            self.out.push_str(&field(cell.as_ref(), self.delimiter));
        }
        self.out.push_str("\r\n");
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// One field, quoted when it holds the delimiter, a quote or a line break.
fn field(text: &str, delimiter: char) -> String {
    if text.contains(delimiter) || text.contains('"') || text.contains('\n') || text.contains('\r') {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_with_the_delimiter_a_quote_or_a_line_break_is_quoted() {
        assert_eq!(field("plain", ';'), "plain");
        assert_eq!(field("a;b", ';'), "\"a;b\"");
        assert_eq!(field("a,b", ';'), "a,b");
        assert_eq!(field("say \"hi\"", ','), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines", ','), "\"two\nlines\"");
    }

    #[test]
    fn rows_end_with_crlf_and_are_separated_by_the_delimiter() {
        let mut w = Writer::new(Delimiter::Semicolon);
        w.row(&["a", "b;c"]);
        w.row(&["1,5"]);
        assert_eq!(w.finish(), "a;\"b;c\"\r\n1,5\r\n");
    }
}
