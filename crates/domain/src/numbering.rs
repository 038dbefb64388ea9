//! Human-readable numbers: `T-2026-000123` (ticket), `C-2026-000017` (call). A prefix, the
//! year, and a yearly sequence issued by the database.

/// How the database issues a year's numbers of tickets and calls.
///
/// Both give each number once and in increasing order of creation within a year. They differ
/// in what a create costs under load and in whether a failed create leaves a hole:
/// `Gapless` holds one counter row per year from the draw until the commit, so concurrent
/// creates take turns (a PostgreSQL installation tops out at a few hundred creates a second
/// whatever its hardware); `Increasing` draws from a database sequence that no transaction
/// holds, so creates run side by side — and a create that fails after its draw leaves that
/// number unused. Auditors who must see every number accounted for choose `Gapless`; with
/// `Increasing` a ticket may also become visible a moment after one with a higher number.
/// Contract and statement numbers (billing documents) are always gapless.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scheme {
    Gapless,
    #[default]
    Increasing,
}

impl Scheme {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "gapless" => Some(Self::Gapless),
            "increasing" => Some(Self::Increasing),
            _ => None,
        }
    }
}

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

    #[test]
    fn the_scheme_is_named_in_configuration_and_increasing_unless_said() {
        assert_eq!(Scheme::parse("gapless"), Some(Scheme::Gapless));
        assert_eq!(Scheme::parse("increasing"), Some(Scheme::Increasing));
        assert_eq!(Scheme::parse("fast"), None);
        assert_eq!(Scheme::default(), Scheme::Increasing);
    }
}
