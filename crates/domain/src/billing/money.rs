//! Money is an integer of minor units with its currency; these turn it into the decimal text
//! people and spreadsheets read.

/// How many decimals a currency's minor unit has (ISO 4217): none for the yen and its
/// like, three for the dinars of the Gulf, two for everything else.
pub fn exponent(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX" | "UYI" | "VND" | "VUV" | "XAF" | "XOF"
        | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// `123456` EUR with `'.'` → `"1234.56"`; with `','` → `"1234,56"`. No grouping, so a
/// spreadsheet reads it as a number.
pub fn decimal(minor: i64, currency: &str, separator: char) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    match exponent(currency) {
        0 => format!("{sign}{abs}"),
        e => {
            let unit = 10u64.pow(e);
            format!("{sign}{}{separator}{:0width$}", abs / unit, abs % unit, width = e as usize)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_written_with_the_currencys_decimals_and_the_chosen_separator() {
        assert_eq!(decimal(123_456, "EUR", '.'), "1234.56");
        assert_eq!(decimal(123_456, "PLN", ','), "1234,56");
        assert_eq!(decimal(-5, "EUR", '.'), "-0.05");
        assert_eq!(decimal(1_500, "JPY", '.'), "1500");
        assert_eq!(decimal(1_500, "KWD", ','), "1,500");
    }
}
