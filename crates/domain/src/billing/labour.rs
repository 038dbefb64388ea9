//! Billable work: minutes at an hourly billing rate, after a contract's included hours.

use super::rates::AppliedRate;

/// What `minutes` cost at `rate_minor` per hour, rounded half up to the minor unit — the same
/// rounding as labour cost, so a line's price and its cost compare.
pub fn price_minor(minutes: i64, rate_minor: i64) -> i64 {
    crate::time::cost_minor(minutes, rate_minor)
}

/// A contract's included minutes for one billing period, consumed in date order by the work
/// it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    remaining: i64,
}

impl Allowance {
    /// `included` minutes per period, of which `used` went to work billed before.
    pub fn new(included: i64, used: i64) -> Self {
        Self { remaining: (included - used).max(0) }
    }

    pub fn remaining(&self) -> i64 {
        self.remaining
    }

    /// Takes what it can of `minutes`: (minutes included, minutes beyond the allowance).
    pub fn take(&mut self, minutes: i64) -> (i64, i64) {
        let included = minutes.clamp(0, self.remaining);
        self.remaining -= included;
        (included, minutes - included)
    }
}

named_enum! {
    /// Why a piece of work is priced as it is: the statement line says so.
    WorkBasis {
        /// Under warranty: listed with its real duration at zero.
        Warranty = "warranty",
        /// Covered by a contract: included minutes at zero, the rest at the rate.
        Contract = "contract",
        /// The ticket or task is marked paid: billed in full even where a contract covers it.
        Paid = "paid",
        /// Time and materials: billed at the applicable rate.
        Billable = "billable",
    }
}

/// The price of one time entry on a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedWork {
    pub basis: WorkBasis,
    pub minutes: i64,
    /// Minutes taken from the contract's included hours (billed at zero).
    pub included_minutes: i64,
    pub billed_minutes: i64,
    /// The rate used; `None` for warranty work and work fully included, or when no rate applies.
    pub rate: Option<AppliedRate>,
    pub amount_minor: i64,
}

/// Prices one entry of `minutes`. Warranty wins; then a paid mark bills it in full; then a
/// covering contract's allowance takes what it can; the rest is at the rate.
pub fn price_work(minutes: i64, warranty: bool, paid: bool, allowance: Option<&mut Allowance>, rate: Option<AppliedRate>) -> PricedWork {
    let at_zero = |basis| PricedWork { basis, minutes, included_minutes: 0, billed_minutes: 0, rate: None, amount_minor: 0 };
    if warranty {
        return at_zero(WorkBasis::Warranty);
    }
    let (basis, included, billed) = match (paid, allowance) {
        (true, _) => (WorkBasis::Paid, 0, minutes),
        (false, Some(allowance)) => {
            let (included, billed) = allowance.take(minutes);
            (WorkBasis::Contract, included, billed)
        }
        (false, None) => (WorkBasis::Billable, 0, minutes),
    };
    let rate = if billed > 0 { rate } else { None };
    let amount_minor = rate.as_ref().map_or(0, |r| price_minor(billed, r.rate_minor));
    PricedWork { basis, minutes, included_minutes: included, billed_minutes: billed, rate, amount_minor }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::rates::RateSource;

    fn rate(minor: i64) -> Option<AppliedRate> {
        Some(AppliedRate { rate_minor: minor, currency: "EUR".into(), source: RateSource::Installation, rate_id: None })
    }

    #[test]
    fn minutes_are_priced_at_the_hourly_rate_rounded_half_up() {
        assert_eq!(price_minor(90, 6_000), 9_000);
        assert_eq!(price_minor(1, 100), 2);
        assert_eq!(price_minor(7, 5_000), 583);
    }

    #[test]
    fn included_hours_are_consumed_in_date_order_and_the_rest_is_billed() {
        let mut allowance = Allowance::new(120, 0);
        let first = price_work(90, false, false, Some(&mut allowance), rate(6_000));
        assert_eq!((first.included_minutes, first.billed_minutes, first.amount_minor), (90, 0, 0));
        assert_eq!(first.rate, None);
        let second = price_work(60, false, false, Some(&mut allowance), rate(6_000));
        assert_eq!((second.included_minutes, second.billed_minutes, second.amount_minor), (30, 30, 3_000));
        let third = price_work(15, false, false, Some(&mut allowance), rate(6_000));
        assert_eq!((third.included_minutes, third.billed_minutes), (0, 15));
    }

    #[test]
    fn included_hours_exactly_used_up_leave_nothing_to_bill() {
        let mut allowance = Allowance::new(60, 0);
        let work = price_work(60, false, false, Some(&mut allowance), rate(6_000));
        assert_eq!((work.included_minutes, work.billed_minutes, work.amount_minor), (60, 0, 0));
        assert_eq!(allowance.remaining(), 0);
    }

    #[test]
    fn hours_used_by_earlier_runs_count_against_the_allowance() {
        let mut allowance = Allowance::new(120, 100);
        assert_eq!(allowance.take(60), (20, 40));
        assert_eq!(Allowance::new(60, 90).remaining(), 0);
    }

    #[test]
    fn warranty_work_is_listed_with_its_duration_at_zero() {
        let mut allowance = Allowance::new(60, 0);
        let work = price_work(45, true, true, Some(&mut allowance), rate(6_000));
        assert_eq!(work.basis, WorkBasis::Warranty);
        assert_eq!((work.minutes, work.amount_minor), (45, 0));
        assert_eq!(allowance.remaining(), 60, "warranty work uses no included hours");
    }

    #[test]
    fn paid_work_is_billed_in_full_even_where_a_contract_covers_it() {
        let mut allowance = Allowance::new(600, 0);
        let work = price_work(30, false, true, Some(&mut allowance), rate(8_000));
        assert_eq!((work.basis, work.billed_minutes, work.amount_minor), (WorkBasis::Paid, 30, 4_000));
        assert_eq!(allowance.remaining(), 600);
    }

    #[test]
    fn work_without_a_rate_is_listed_at_zero_with_no_rate() {
        let work = price_work(30, false, false, None, None);
        assert_eq!((work.basis, work.billed_minutes, work.amount_minor, work.rate), (WorkBasis::Billable, 30, 0, None));
    }
}
