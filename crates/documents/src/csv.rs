//! CSV as spreadsheets and ERPs read and write it: RFC 4180 quoting, CRLF line ends, UTF-8,
//! a chosen delimiter (Polish and Italian spreadsheets expect `;` with decimal commas).

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

/// The delimiter a file most likely uses: the one of comma, semicolon and tab that occurs
/// most often (outside quotes) in its first line; comma when none does.
pub fn sniff(text: &str) -> Delimiter {
    let mut counts = [(Delimiter::Comma, 0usize), (Delimiter::Semicolon, 0), (Delimiter::Tab, 0)];
    let mut quoted = false;
    for c in text.trim_start_matches('\u{feff}').chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' | '\r' if !quoted => break,
            _ if !quoted => {
                for (d, n) in counts.iter_mut() {
                    if d.char() == c {
                        *n += 1;
                    }
                }
            }
            _ => {}
        }
    }
    counts.iter().fold((Delimiter::Comma, 0), |best, &(d, n)| if n > best.1 { (d, n) } else { best }).0
}

/// A record of a file being read: its 1-based line number (where it starts) and its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

/// Why a file is not CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    pub line: usize,
    pub message: String,
}

/// Reads a whole file into records (see [`Records`]).
pub fn read(text: &str, delimiter: Delimiter) -> Result<Vec<Record>, ReadError> {
    Records::new(text, delimiter).collect()
}

/// The records of a file, one at a time (a large import is never held as fields whole):
/// RFC 4180, so quoted fields may hold the delimiter, doubled quotes and line breaks; CRLF
/// or LF line ends; a leading byte-order mark is skipped; blank lines are skipped. After an
/// error it ends.
pub struct Records<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    delimiter: char,
    line: usize,
    failed: bool,
}

impl<'a> Records<'a> {
    pub fn new(text: &'a str, delimiter: Delimiter) -> Self {
        Self { chars: text.trim_start_matches('\u{feff}').chars().peekable(), delimiter: delimiter.char(), line: 1, failed: false }
    }

    fn record(&mut self) -> Result<Option<Record>, ReadError> {
        let mut fields: Vec<String> = Vec::new();
        let mut field = String::new();
        let mut start = self.line;
        // Whether the current field was opened by a quote, is inside it, or the record has
        // anything yet (a line with nothing is not a record).
        let (mut quoted, mut inside, mut any) = (false, false, false);
        while let Some(c) = self.chars.next() {
            if inside {
                match c {
                    '"' if self.chars.peek() == Some(&'"') => {
                        self.chars.next();
                        field.push('"');
                    }
                    '"' => inside = false,
                    '\n' => {
                        self.line += 1;
                        field.push(c);
                    }
                    _ => field.push(c),
                }
                continue;
            }
            match c {
                '"' if field.is_empty() && !quoted => (quoted, inside, any) = (true, true, true),
                '"' => return Err(self.error("a quote inside a field that does not start with one")),
                c if c == self.delimiter => {
                    fields.push(std::mem::take(&mut field));
                    (quoted, any) = (false, true);
                }
                '\r' if self.chars.peek() == Some(&'\n') => {}
                '\n' | '\r' => {
                    self.line += 1;
                    if any || !field.is_empty() {
                        fields.push(field);
                        return Ok(Some(Record { line: start, fields }));
                    }
                    start = self.line;
                }
                _ if quoted => return Err(self.error("text after a quoted field's closing quote")),
                _ => {
                    field.push(c);
                    any = true;
                }
            }
        }
        if inside {
            return Err(ReadError { line: start, message: "a quoted field is not closed".to_owned() });
        }
        if any || !field.is_empty() {
            fields.push(field);
            return Ok(Some(Record { line: start, fields }));
        }
        Ok(None)
    }

    fn error(&self, message: &str) -> ReadError {
        ReadError { line: self.line, message: message.to_owned() }
    }
}

impl Iterator for Records<'_> {
    type Item = Result<Record, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let next = self.record().transpose();
        self.failed = matches!(next, Some(Err(_)));
        next
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

    #[test]
    fn a_file_is_read_back_as_it_was_written() {
        let mut w = Writer::new(Delimiter::Semicolon);
        w.row(&["name", "notes"]);
        w.row(&["Novak; d.o.o.", "said \"hi\"\nthen left"]);
        let records = read(&w.finish(), Delimiter::Semicolon).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[1].fields, vec!["Novak; d.o.o.", "said \"hi\"\nthen left"]);
        assert_eq!(records[1].line, 2);
    }

    #[test]
    fn reading_skips_a_byte_order_mark_and_blank_lines_and_takes_lf_or_crlf() {
        let records = read("\u{feff}a,b\n\n1,2\r\n,\r\n3,", Delimiter::Comma).unwrap();
        let fields: Vec<Vec<String>> = records.iter().map(|r| r.fields.clone()).collect();
        assert_eq!(fields, vec![vec!["a", "b"], vec!["1", "2"], vec!["", ""], vec!["3", ""]]);
        assert_eq!(records.iter().map(|r| r.line).collect::<Vec<_>>(), vec![1, 3, 4, 5]);
    }

    #[test]
    fn an_unclosed_or_misplaced_quote_is_an_error_with_its_line() {
        assert_eq!(read("a\n\"open,b\n", Delimiter::Comma).unwrap_err().line, 2);
        assert_eq!(read("a\nx\"y\n", Delimiter::Comma).unwrap_err().line, 2);
        assert_eq!(read("\"a\"b\n", Delimiter::Comma).unwrap_err().line, 1);
    }

    #[test]
    fn the_delimiter_is_the_most_frequent_of_the_first_line() {
        assert_eq!(sniff("name;email;phone\na,b,c,d,e"), Delimiter::Semicolon);
        assert_eq!(sniff("\"a;b\",c"), Delimiter::Comma);
        assert_eq!(sniff("a\tb"), Delimiter::Tab);
        assert_eq!(sniff("single"), Delimiter::Comma);
    }
}
