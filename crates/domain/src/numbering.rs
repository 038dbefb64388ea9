//! Human-readable numbers: `T-2026-000123` (ticket), `C-2026-000017` (call). A prefix, the
//! year, and a yearly sequence issued by the database without gaps or duplicates.

/// Formats the `n`th number of `year` under `prefix`; at least six digits.
pub fn format(prefix: &str, year: i32, n: i64) -> String {
    format!("{prefix}-{year}-{n:06}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_zero_padded_to_six_digits() {
        assert_eq!(format("T", 2026, 123), "T-2026-000123");
        assert_eq!(format("C", 2026, 1_234_567), "C-2026-1234567");
    }
}
