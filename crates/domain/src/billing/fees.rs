//! Flat fees: what a service's fee charges for any span of days, split per calendar month
//! and per day, and which billing periods a month-end run bills.
//!
//! The rules, all in integer minor units:
//! - a period's fee is spread over its months in equal shares; the minor units that do not
//!   divide go to the first months, so the shares add up to the fee exactly;
//! - a month partly inside the contract (or the asked span) charges its share × active days /
//!   days in the month, rounded half up (a contract starting on 17 March bills 15/31 of
//!   March's share);
//! - the per-day split of a month's charge is the difference of cumulative roundings, so the
//!   days add up to the month's charge exactly.

use chrono::NaiveDate;

use super::periods::{Cycle, Days, Month};

named_enum! {
    /// When a flat fee is billed: for the coming period (prepaid) or the elapsed one.
    Timing {
        InAdvance = "in_advance",
        InArrears = "in_arrears",
    }
}

/// `amount × part / whole`, rounded half up (amounts are never negative here).
pub fn prorate(amount: i64, part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        return 0;
    }
    let scaled = i128::from(amount) * i128::from(part) * 2 + i128::from(whole);
    i64::try_from(scaled / (2 * i128::from(whole))).unwrap_or(i64::MAX)
}

/// The share of a period's `fee` that falls on the month at `index` (0-based) of a period of
/// `months` months.
pub fn month_share(fee: i64, months: u32, index: u32) -> i64 {
    let months = i64::from(months.max(1));
    let base = fee / months;
    let left_over = fee % months;
    base + i64::from(i64::from(index) < left_over)
}

/// What a fee charges in one calendar month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthCharge {
    pub month: Month,
    /// The days of the month charged (inside both the contract and the asked span).
    pub days: Days,
    /// The month's full share of its period's fee.
    pub share: i64,
    pub amount: i64,
}

impl MonthCharge {
    /// The charge day by day; the days add up to `amount`.
    pub fn per_day(&self) -> Vec<(NaiveDate, i64)> {
        let of = self.month.day_count();
        let mut previous = 0;
        self.days
            .first
            .iter_days()
            .take_while(|d| *d <= self.days.last)
            .enumerate()
            .map(|(i, day)| {
                let cumulative = prorate(self.share, i as i64 + 1, of);
                let amount = cumulative - previous;
                previous = cumulative;
                (day, amount)
            })
            .collect()
    }
}

/// What a fee of `fee` per `cycle` charges for the days of `span` on which the contract runs
/// (`active`), month by month. Months with no such day are left out.
pub fn charges(fee: i64, cycle: Cycle, active: Days, span: Days) -> Vec<MonthCharge> {
    let Some(charged) = active.intersect(&span) else { return Vec::new() };
    charged
        .months()
        .filter_map(|month| {
            let days = month.days().intersect(&charged)?;
            let share = month_share(fee, cycle.months(), cycle.month_index(month));
            let amount = if days == month.days() { share } else { prorate(share, days.count(), month.day_count()) };
            Some(MonthCharge { month, days, share, amount })
        })
        .collect()
}

/// The billing periods a run for `month` bills: in advance, every period that starts by the
/// first day of the next month; in arrears, every period that has ended by the month's last
/// day — each only where the contract runs (`active`). The caller leaves out those billed by
/// earlier runs, so a contract entered late catches up in its first run.
pub fn due_periods(cycle: Cycle, timing: Timing, active: Days, month: Month) -> Vec<Days> {
    let cutoff = match timing {
        Timing::InAdvance => month.next().first_day(),
        Timing::InArrears => month.last_day(),
    };
    let mut due = Vec::new();
    let mut period = cycle.period_containing(active.first);
    while period.first <= active.last {
        let is_due = match timing {
            Timing::InAdvance => period.first <= cutoff,
            Timing::InArrears => period.last <= cutoff,
        };
        if !is_due {
            break;
        }
        if period.intersect(&active).is_some() {
            due.push(period);
        }
        let Some(next) = period.last.succ_opt() else { break };
        period = cycle.period_containing(next);
    }
    due
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn days(a: NaiveDate, b: NaiveDate) -> Days {
        Days::new(a, b).unwrap()
    }

    fn total(charges: &[MonthCharge]) -> i64 {
        charges.iter().map(|c| c.amount).sum()
    }

    #[test]
    fn a_contract_starting_on_17_march_bills_15_31_of_march() {
        let active = days(day(2027, 3, 17), day(2099, 12, 31));
        let march = charges(31_000, Cycle::Monthly, active, Month::new(2027, 3).unwrap().days());
        assert_eq!(march.len(), 1);
        assert_eq!(march[0].days.count(), 15);
        assert_eq!(march[0].amount, 15_000);
    }

    #[test]
    fn proration_rounds_half_up_to_the_minor_unit() {
        assert_eq!(prorate(100, 1, 3), 33);
        assert_eq!(prorate(100, 2, 3), 67);
        assert_eq!(prorate(1, 1, 2), 1);
        assert_eq!(prorate(10_000, 15, 31), 4_839);
    }

    #[test]
    fn a_period_fee_is_spread_over_its_months_and_adds_up_exactly() {
        let shares: Vec<i64> = (0..3).map(|i| month_share(10_000, 3, i)).collect();
        assert_eq!(shares, [3_334, 3_333, 3_333]);
        let year = charges(100_000, Cycle::Yearly, days(day(2027, 1, 1), day(2027, 12, 31)), days(day(2027, 1, 1), day(2027, 12, 31)));
        assert_eq!(year.len(), 12);
        assert_eq!(total(&year), 100_000);
    }

    #[test]
    fn february_in_a_leap_year_is_split_into_29_days_that_add_up() {
        let feb = charges(10_000, Cycle::Monthly, days(day(2028, 2, 1), day(2028, 12, 31)), Month::new(2028, 2).unwrap().days());
        let per_day = feb[0].per_day();
        assert_eq!(per_day.len(), 29);
        assert_eq!(per_day.iter().map(|(_, a)| a).sum::<i64>(), 10_000);
        let common = charges(10_000, Cycle::Monthly, days(day(2027, 2, 1), day(2027, 12, 31)), Month::new(2027, 2).unwrap().days());
        assert_eq!(common[0].per_day().len(), 28);
        // Half of February is not the same share in a leap year.
        let half = |y| charges(10_000, Cycle::Monthly, days(day(y, 2, 15), day(y, 12, 31)), Month::new(y, 2).unwrap().days())[0].amount;
        assert_eq!(half(2027), 5_000);
        assert_eq!(half(2028), 5_172);
    }

    #[test]
    fn a_partial_months_days_add_up_to_its_charge() {
        let march = &charges(9_999, Cycle::Monthly, days(day(2027, 3, 17), day(2027, 12, 31)), Month::new(2027, 3).unwrap().days())[0];
        let per_day = march.per_day();
        assert_eq!(per_day.first().unwrap().0, day(2027, 3, 17));
        assert_eq!(per_day.iter().map(|(_, a)| a).sum::<i64>(), march.amount);
    }

    #[test]
    fn a_contract_ending_mid_quarter_bills_the_days_it_ran() {
        let active = days(day(2027, 1, 1), day(2027, 2, 14));
        let q1 = charges(30_000, Cycle::Quarterly, active, days(day(2027, 1, 1), day(2027, 3, 31)));
        assert_eq!(
            q1.iter().map(|c| (c.month.to_string(), c.amount)).collect::<Vec<_>>(),
            [("2027-01".into(), 10_000), ("2027-02".into(), 5_000)]
        );
    }

    #[test]
    fn a_span_across_the_year_boundary_is_split_by_calendar_months() {
        let active = days(day(2026, 1, 1), day(2099, 12, 31));
        let span = days(day(2026, 12, 1), day(2027, 1, 31));
        let both = charges(60_000, Cycle::HalfYearly, active, span);
        assert_eq!(both.iter().map(|c| c.amount).collect::<Vec<_>>(), [10_000, 10_000]);
    }

    #[test]
    fn prepaid_fees_bill_the_coming_period_and_arrears_the_elapsed_one() {
        let active = days(day(2027, 1, 1), day(2099, 12, 31));
        let jan = Month::new(2027, 1).unwrap();
        assert_eq!(
            due_periods(Cycle::Monthly, Timing::InAdvance, active, jan),
            [Month::new(2027, 1).unwrap().days(), Month::new(2027, 2).unwrap().days()]
        );
        assert_eq!(due_periods(Cycle::Monthly, Timing::InArrears, active, jan), [jan.days()]);
    }

    #[test]
    fn longer_periods_are_billed_at_their_start_in_advance_and_at_their_end_in_arrears() {
        let active = days(day(2027, 1, 1), day(2099, 12, 31));
        let q1 = days(day(2027, 1, 1), day(2027, 3, 31));
        let q2 = days(day(2027, 4, 1), day(2027, 6, 30));
        let month = |m| Month::new(2027, m).unwrap();
        assert_eq!(due_periods(Cycle::Quarterly, Timing::InAdvance, active, month(1)), [q1]);
        assert_eq!(due_periods(Cycle::Quarterly, Timing::InAdvance, active, month(3)), [q1, q2]);
        assert_eq!(due_periods(Cycle::Quarterly, Timing::InArrears, active, month(2)), []);
        assert_eq!(due_periods(Cycle::Quarterly, Timing::InArrears, active, month(3)), [q1]);
    }

    #[test]
    fn a_contract_outside_the_run_has_nothing_due() {
        let active = days(day(2027, 5, 10), day(2027, 8, 31));
        assert!(due_periods(Cycle::Monthly, Timing::InAdvance, active, Month::new(2027, 3).unwrap()).is_empty());
        let ended = days(day(2026, 1, 1), day(2026, 6, 30));
        assert_eq!(due_periods(Cycle::Yearly, Timing::InArrears, ended, Month::new(2026, 12).unwrap()).len(), 1);
    }
}
