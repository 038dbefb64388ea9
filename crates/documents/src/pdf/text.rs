//! Text in the built-in Helvetica: our own encoding of the letters our customers write, the
//! glyph widths, and wrapping to a width.

/// Characters beyond ASCII: (character, glyph name, the ASCII letter whose width it has).
pub(super) const EXTRA: &[(char, &str, char)] = &[
    ('Ą', "Aogonek", 'A'),
    ('ą', "aogonek", 'a'),
    ('Ć', "Cacute", 'C'),
    ('ć', "cacute", 'c'),
    ('Ę', "Eogonek", 'E'),
    ('ę', "eogonek", 'e'),
    ('Ł', "Lslash", 'L'),
    ('ł', "lslash", 'l'),
    ('Ń', "Nacute", 'N'),
    ('ń', "nacute", 'n'),
    ('Ó', "Oacute", 'O'),
    ('ó', "oacute", 'o'),
    ('Ś', "Sacute", 'S'),
    ('ś', "sacute", 's'),
    ('Ź', "Zacute", 'Z'),
    ('ź', "zacute", 'z'),
    ('Ż', "Zdotaccent", 'Z'),
    ('ż', "zdotaccent", 'z'),
    ('Č', "Ccaron", 'C'),
    ('č', "ccaron", 'c'),
    ('Ď', "Dcaron", 'D'),
    ('ď', "dcaron", 'd'),
    ('Ě', "Ecaron", 'E'),
    ('ě', "ecaron", 'e'),
    ('Ň', "Ncaron", 'N'),
    ('ň', "ncaron", 'n'),
    ('Ř', "Rcaron", 'R'),
    ('ř', "rcaron", 'r'),
    ('Š', "Scaron", 'S'),
    ('š', "scaron", 's'),
    ('Ť', "Tcaron", 'T'),
    ('ť', "tcaron", 't'),
    ('Ů', "Uring", 'U'),
    ('ů', "uring", 'u'),
    ('Ž', "Zcaron", 'Z'),
    ('ž', "zcaron", 'z'),
    ('Đ', "Dcroat", 'D'),
    ('đ', "dcroat", 'd'),
    ('Á', "Aacute", 'A'),
    ('á', "aacute", 'a'),
    ('É', "Eacute", 'E'),
    ('é', "eacute", 'e'),
    ('Í', "Iacute", 'I'),
    ('í', "iacute", 'i'),
    ('Ú', "Uacute", 'U'),
    ('ú', "uacute", 'u'),
    ('Ý', "Yacute", 'Y'),
    ('ý', "yacute", 'y'),
    ('Ô', "Ocircumflex", 'O'),
    ('ô', "ocircumflex", 'o'),
    ('Ä', "Adieresis", 'A'),
    ('ä', "adieresis", 'a'),
    ('Ö', "Odieresis", 'O'),
    ('ö', "odieresis", 'o'),
    ('Ü', "Udieresis", 'U'),
    ('ü', "udieresis", 'u'),
    ('ß', "germandbls", 'B'),
    ('Ĺ', "Lacute", 'L'),
    ('ĺ', "lacute", 'l'),
    ('Ľ', "Lcaron", 'L'),
    ('ľ', "lcaron", 'l'),
    ('Ŕ', "Racute", 'R'),
    ('ŕ', "racute", 'r'),
    ('À', "Agrave", 'A'),
    ('à', "agrave", 'a'),
    ('È', "Egrave", 'E'),
    ('è', "egrave", 'e'),
    ('Ì', "Igrave", 'I'),
    ('ì', "igrave", 'i'),
    ('Ò', "Ograve", 'O'),
    ('ò', "ograve", 'o'),
    ('Ù', "Ugrave", 'U'),
    ('ù', "ugrave", 'u'),
    ('Â', "Acircumflex", 'A'),
    ('â', "acircumflex", 'a'),
    ('Ê', "Ecircumflex", 'E'),
    ('ê', "ecircumflex", 'e'),
    ('Î', "Icircumflex", 'I'),
    ('î', "icircumflex", 'i'),
    ('Û', "Ucircumflex", 'U'),
    ('û', "ucircumflex", 'u'),
    ('Ç', "Ccedilla", 'C'),
    ('ç', "ccedilla", 'c'),
    ('Ë', "Edieresis", 'E'),
    ('ë', "edieresis", 'e'),
    ('Ï', "Idieresis", 'I'),
    ('ï', "idieresis", 'i'),
    ('Ñ', "Ntilde", 'N'),
    ('ñ', "ntilde", 'n'),
    ('Ã', "Atilde", 'A'),
    ('ã', "atilde", 'a'),
    ('Õ', "Otilde", 'O'),
    ('õ', "otilde", 'o'),
    ('Å', "Aring", 'A'),
    ('å', "aring", 'a'),
    ('Ø', "Oslash", 'O'),
    ('ø', "oslash", 'o'),
    ('Æ', "AE", 'W'),
    ('æ', "ae", 'm'),
    ('Œ', "OE", 'W'),
    ('œ', "oe", 'm'),
    ('€', "Euro", '0'),
    ('–', "endash", '0'),
    ('—', "emdash", 'M'),
    ('„', "quotedblbase", '-'),
    ('“', "quotedblleft", '-'),
    ('”', "quotedblright", '-'),
    ('‘', "quoteleft", 'l'),
    ('’', "quoteright", 'l'),
    ('‚', "quotesinglbase", 'l'),
    ('•', "bullet", 'J'),
    ('…', "ellipsis", 'M'),
    ('°', "degree", 'J'),
    ('×', "multiply", '+'),
    ('©', "copyright", 'O'),
    ('®', "registered", 'O'),
    ('§', "section", '0'),
    ('½', "onehalf", 'M'),
    ('²', "twosuperior", '-'),
    ('³', "threesuperior", '-'),
    ('µ', "mu", 'u'),
    ('·', "periodcentered", '.'),
    ('«', "guillemotleft", '0'),
    ('»', "guillemotright", '0'),
    ('¿', "questiondown", '?'),
    ('¡', "exclamdown", '!'),
    ('✓', "check", 'o'),
];

/// Helvetica's advance widths (thousandths of the font size) for ASCII 32..=126.
pub(super) const WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space … /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0 … ?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ … O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P … _
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` … o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p … ~
];

/// The bytes of `text` in our encoding; what it cannot show becomes `?`.
pub fn encode(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\t' | '\u{a0}' => b' ',
            c => EXTRA.iter().position(|(e, _, _)| *e == c).and_then(|i| u8::try_from(128 + i).ok()).unwrap_or(b'?'),
        })
        .collect()
}

pub(super) fn char_width(c: char) -> f32 {
    let ascii = match c {
        ' '..='~' => c,
        '\t' | '\u{a0}' => ' ',
        c => EXTRA.iter().find(|(e, _, _)| *e == c).map_or('?', |(_, _, base)| *base),
    };
    f32::from(WIDTHS[usize::from(ascii as u8 - b' ')])
}

/// The width of `text` at `size` points (bold runs a little wider).
pub fn text_width(text: &str, size: f32, bold: bool) -> f32 {
    let units: f32 = text.chars().map(char_width).sum();
    units * size / 1000.0 * if bold { 1.06 } else { 1.0 }
}

/// Breaks `text` into lines no wider than `width`: at spaces where possible, inside a word
/// only when the word alone is too wide. Line breaks in the text are kept.
pub fn wrap(text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if text_width(&candidate, size, bold) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word wider than the line is cut where it must be.
            for c in word.chars() {
                if text_width(&format!("{line}{c}"), size, bold) > width && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                line.push(c);
            }
        }
        lines.push(line);
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}
