//! Days, calendar months and the named periods billing speaks in (`2027-01`, `2027-Q1`,
//! `2027-H2`, `2027`). Billing periods are calendar-aligned: a quarterly contract bills
//! January–March, April–June, … whatever day it started on (the first period is prorated).

use chrono::{Datelike, Months, NaiveDate};

/// An inclusive span of whole days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Days {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Days {
    pub fn new(first: NaiveDate, last: NaiveDate) -> Option<Self> {
        (first <= last).then_some(Self { first, last })
    }

    pub fn count(&self) -> i64 {
        (self.last - self.first).num_days() + 1
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.first <= day && day <= self.last
    }

    pub fn intersect(&self, other: &Days) -> Option<Days> {
        Days::new(self.first.max(other.first), self.last.min(other.last))
    }

    /// The calendar months the span touches, in order.
    pub fn months(&self) -> impl Iterator<Item = Month> + use<> {
        let last = Month::containing(self.last);
        std::iter::successors(Some(Month::containing(self.first)), move |m| (*m < last).then(|| m.next()))
    }
}

/// A calendar month, held as its first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Month {
    first: NaiveDate,
}

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Self> {
        if !(1..=9999).contains(&year) {
            return None;
        }
        NaiveDate::from_ymd_opt(year, month, 1).map(|first| Self { first })
    }

    pub fn containing(day: NaiveDate) -> Self {
        // Day 1 of any existing day's month exists.
        Self { first: day.with_day(1).unwrap_or(day) }
    }

    /// `2027-01`.
    pub fn parse(text: &str) -> Option<Self> {
        let (year, month) = text.split_once('-')?;
        if year.len() != 4 || month.len() != 2 || !year.bytes().chain(month.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        Self::new(year.parse().ok()?, month.parse().ok()?)
    }

    pub fn year(&self) -> i32 {
        self.first.year()
    }

    /// 1 to 12.
    pub fn number(&self) -> u32 {
        self.first.month()
    }

    pub fn first_day(&self) -> NaiveDate {
        self.first
    }

    pub fn last_day(&self) -> NaiveDate {
        self.first.with_day(u32::from(self.first.num_days_in_month())).unwrap_or(self.first)
    }

    pub fn days(&self) -> Days {
        Days { first: self.first_day(), last: self.last_day() }
    }

    pub fn day_count(&self) -> i64 {
        i64::from(self.first.num_days_in_month())
    }

    pub fn next(&self) -> Self {
        Self { first: self.first.checked_add_months(Months::new(1)).unwrap_or(self.first) }
    }

    pub fn previous(&self) -> Self {
        Self { first: self.first.checked_sub_months(Months::new(1)).unwrap_or(self.first) }
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.number())
    }
}

named_enum! {
    /// How often a flat fee is billed; its `fee` is per such period.
    Cycle {
        Monthly = "monthly",
        Quarterly = "quarterly",
        HalfYearly = "half_yearly",
        Yearly = "yearly",
    }
}

impl Cycle {
    pub fn months(self) -> u32 {
        match self {
            Cycle::Monthly => 1,
            Cycle::Quarterly => 3,
            Cycle::HalfYearly => 6,
            Cycle::Yearly => 12,
        }
    }

    /// The calendar-aligned billing period of this cycle that contains the day.
    pub fn period_containing(self, day: NaiveDate) -> Days {
        let months = self.months();
        let first_month = (day.month() - 1) / months * months + 1;
        let first = Month::containing(day).first.with_month(first_month).unwrap_or(day);
        let last_month = Month::containing(first.checked_add_months(Months::new(months - 1)).unwrap_or(first));
        Days { first, last: last_month.last_day() }
    }

    /// Where a month sits in its billing period: 0 for the period's first month.
    pub fn month_index(self, month: Month) -> u32 {
        (month.number() - 1) % self.months()
    }
}

/// A named period could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPeriod;

impl std::fmt::Display for UnknownPeriod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a period: write 2027-01 (a month), 2027-Q1 (a quarter), 2027-H1 (a half year) or 2027 (a year)")
    }
}

impl crate::errors::DomainError for UnknownPeriod {
    fn code(&self) -> crate::errors::Code {
        crate::errors::field::PERIOD
    }
}

/// Reads `2027-01`, `2027-Q1`…`Q4`, `2027-H1`/`H2` or `2027` as the days it spans.
pub fn parse_period(text: &str) -> Result<Days, UnknownPeriod> {
    let text = text.trim();
    let year = |y: &str| -> Result<i32, UnknownPeriod> {
        if y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()) {
            y.parse().ok().filter(|y| (1..=9999).contains(y)).ok_or(UnknownPeriod)
        } else {
            Err(UnknownPeriod)
        }
    };
    let span = |year: i32, first_month: u32, cycle: Cycle| -> Result<Days, UnknownPeriod> {
        let day = NaiveDate::from_ymd_opt(year, first_month, 1).ok_or(UnknownPeriod)?;
        Ok(cycle.period_containing(day))
    };
    match text.split_once('-') {
        None => span(year(text)?, 1, Cycle::Yearly),
        Some((y, rest)) => {
            let y = year(y)?;
            match rest.as_bytes() {
                [b'Q' | b'q', q @ b'1'..=b'4'] => span(y, u32::from(q - b'1') * 3 + 1, Cycle::Quarterly),
                [b'H' | b'h', h @ b'1'..=b'2'] => span(y, u32::from(h - b'1') * 6 + 1, Cycle::HalfYearly),
                _ => Month::parse(text).map(|m| m.days()).ok_or(UnknownPeriod),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_named_period_reads_as_the_days_it_spans() {
        assert_eq!(parse_period("2027-01"), Ok(Days { first: day(2027, 1, 1), last: day(2027, 1, 31) }));
        assert_eq!(parse_period("2024-02"), Ok(Days { first: day(2024, 2, 1), last: day(2024, 2, 29) }));
        assert_eq!(parse_period("2027-Q1"), Ok(Days { first: day(2027, 1, 1), last: day(2027, 3, 31) }));
        assert_eq!(parse_period("2027-Q4"), Ok(Days { first: day(2027, 10, 1), last: day(2027, 12, 31) }));
        assert_eq!(parse_period("2027-H2"), Ok(Days { first: day(2027, 7, 1), last: day(2027, 12, 31) }));
        assert_eq!(parse_period("2027"), Ok(Days { first: day(2027, 1, 1), last: day(2027, 12, 31) }));
    }

    #[test]
    fn anything_else_is_not_a_period() {
        for text in ["", "2027-13", "2027-00", "2027-Q5", "2027-H3", "27-01", "2027-1", "2027/01", "january", "2027-01-01", "0000"] {
            assert_eq!(parse_period(text), Err(UnknownPeriod), "{text}");
        }
    }

    #[test]
    fn billing_periods_are_calendar_aligned_whatever_the_day() {
        assert_eq!(Cycle::Quarterly.period_containing(day(2027, 3, 17)), Days { first: day(2027, 1, 1), last: day(2027, 3, 31) });
        assert_eq!(Cycle::HalfYearly.period_containing(day(2027, 7, 1)), Days { first: day(2027, 7, 1), last: day(2027, 12, 31) });
        assert_eq!(Cycle::Yearly.period_containing(day(2028, 2, 29)), Days { first: day(2028, 1, 1), last: day(2028, 12, 31) });
        assert_eq!(Cycle::Monthly.period_containing(day(2028, 2, 10)), Days { first: day(2028, 2, 1), last: day(2028, 2, 29) });
        assert_eq!(Cycle::Quarterly.month_index(Month::new(2027, 5).unwrap()), 1);
    }

    #[test]
    fn months_know_their_length_in_leap_years() {
        assert_eq!(Month::new(2027, 2).unwrap().day_count(), 28);
        assert_eq!(Month::new(2028, 2).unwrap().day_count(), 29);
        assert_eq!(Month::new(2027, 12).unwrap().next(), Month::new(2028, 1).unwrap());
        assert_eq!(Month::new(2027, 1).unwrap().previous(), Month::new(2026, 12).unwrap());
        let span = Days::new(day(2027, 11, 20), day(2028, 2, 3)).unwrap();
        assert_eq!(span.months().map(|m| m.to_string()).collect::<Vec<_>>(), ["2027-11", "2027-12", "2028-01", "2028-02"]);
    }
}
