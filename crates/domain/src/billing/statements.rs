//! A customer's statement for a month: the lines a billing run writes, each naming its source
//! (a contract period, a time entry, a material) and the rate it used.
//!
//! What is due, given what earlier runs billed:
//! - flat fees of every contract period due by the month (see [`fees::due_periods`]) and not
//!   billed before, per service, prorated by the days the contract runs;
//! - every unbilled time entry up to the month's end, in date order: warranty work at zero
//!   with its duration, paid work in full, covered work after the contract's included minutes
//!   for the period, the rest at the applicable rate; an entry of an earlier month is `late`;
//! - every unbilled material up to the month's end at its unit price (zero under warranty).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use uuid::Uuid;

use super::contracts::{Contract, WorkScope, covering};
use super::fees;
use super::labour::{Allowance, WorkBasis, price_work};
use super::periods::{Days, Month};
use super::rates::{self, BillingRate, RateSource};
use crate::access::Role;
use crate::completion::format_minutes;

named_enum! {
    /// What a statement line bills.
    LineKind {
        FlatFee = "flat_fee",
        Work = "work",
        Material = "material",
    }
}

/// A time entry as billing sees it.
#[derive(Debug, Clone)]
pub struct WorkItem {
    pub time_entry_id: Uuid,
    pub user_id: Uuid,
    pub role: Option<Role>,
    pub work_date: NaiveDate,
    pub minutes: i64,
    /// False when someone marked the entry non-billable (or it was under warranty then).
    pub marked_billable: bool,
    pub ticket_id: Uuid,
    pub task_id: Option<Uuid>,
    /// The task's number, else the ticket's.
    pub reference: String,
    pub warranty: bool,
    /// The ticket or the task is marked paid.
    pub paid: bool,
    pub scope: WorkScope,
    /// The task's category, else the ticket's: what a category rate looks at.
    pub rate_category_id: Option<Uuid>,
    pub note: Option<String>,
}

/// A material used in a task, as billing sees it.
#[derive(Debug, Clone)]
pub struct MaterialItem {
    pub material_id: Uuid,
    pub ticket_id: Uuid,
    pub task_id: Uuid,
    pub reference: String,
    pub date: NaiveDate,
    pub description: String,
    pub quantity_milli: i64,
    pub unit: String,
    pub unit_price_minor: i64,
    pub total_minor: i64,
    pub warranty: bool,
}

/// One line of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub kind: LineKind,
    /// For work and materials: why it is priced as it is.
    pub basis: Option<WorkBasis>,
    pub description: String,
    pub contract_id: Option<Uuid>,
    pub service_id: Option<Uuid>,
    /// Flat fees: the contract period billed (`period`) and the days of it charged (`days`).
    pub period: Option<Days>,
    pub days: Option<Days>,
    pub ticket_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    pub time_entry_id: Option<Uuid>,
    pub material_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    /// Work and materials: the day it counts for.
    pub date: Option<NaiveDate>,
    /// Minutes of work (the real duration, also for warranty work).
    pub minutes: i64,
    /// Minutes taken from the contract's included ones, and the first day of the contract
    /// period they count against.
    pub included_minutes: i64,
    pub allowance_from: Option<NaiveDate>,
    pub billed_minutes: i64,
    /// Materials: quantity in thousandths and its unit.
    pub quantity_milli: Option<i64>,
    pub unit: Option<String>,
    /// Per hour for work, per unit for materials, per period for flat fees.
    pub unit_price_minor: Option<i64>,
    pub rate_source: Option<RateSource>,
    pub rate_id: Option<Uuid>,
    pub amount_minor: i64,
    pub currency: String,
    /// Work or material of an earlier month than the run's (added after that month was billed).
    pub late: bool,
    /// Billable work no rate reaches: listed at zero so someone sets a rate and recomputes.
    pub unpriced: bool,
}

impl Line {
    fn blank(kind: LineKind, description: String, currency: &str) -> Self {
        Line {
            kind,
            basis: None,
            description,
            contract_id: None,
            service_id: None,
            period: None,
            days: None,
            ticket_id: None,
            task_id: None,
            time_entry_id: None,
            material_id: None,
            user_id: None,
            date: None,
            minutes: 0,
            included_minutes: 0,
            allowance_from: None,
            billed_minutes: 0,
            quantity_milli: None,
            unit: None,
            unit_price_minor: None,
            rate_source: None,
            rate_id: None,
            amount_minor: 0,
            currency: currency.to_owned(),
            late: false,
            unpriced: false,
        }
    }
}

/// What earlier (finalized) runs billed of a customer's contracts.
#[derive(Debug, Clone, Default)]
pub struct Billed {
    /// Contract periods billed: (contract, the period's first day).
    pub periods: HashSet<(Uuid, NaiveDate)>,
    /// Included minutes used: (contract, the allowance period's first day) → minutes.
    pub included_minutes: HashMap<(Uuid, NaiveDate), i64>,
}

/// Everything one customer's statement is computed from.
pub struct CustomerInput<'a> {
    pub month: Month,
    /// The customer's contracts in force.
    pub contracts: &'a [Contract],
    pub billed: &'a Billed,
    pub rates: &'a [BillingRate],
    /// The installation's currency: materials, and work no rate prices.
    pub currency: &'a str,
    /// Unbilled time entries up to the month's end.
    pub work: Vec<WorkItem>,
    /// Unbilled materials up to the month's end.
    pub materials: Vec<MaterialItem>,
}

fn flat_fee_lines(input: &CustomerInput) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut contracts: Vec<&Contract> = input.contracts.iter().filter(|c| c.is_in_force()).collect();
    contracts.sort_by(|a, b| a.number.cmp(&b.number));
    for contract in contracts {
        let active = contract.active_days();
        for period in fees::due_periods(contract.cycle, contract.timing, active, input.month) {
            if input.billed.periods.contains(&(contract.id, period.first)) {
                continue;
            }
            for service in &contract.services {
                let charges = fees::charges(service.fee_minor, contract.cycle, active, period);
                let (Some(first), Some(last)) = (charges.first(), charges.last()) else { continue };
                let days = Days { first: first.days.first, last: last.days.last };
                let mut line = Line::blank(
                    LineKind::FlatFee,
                    format!("{} ({}, {} – {})", service.description, contract.number, days.first, days.last),
                    &contract.currency,
                );
                line.contract_id = Some(contract.id);
                line.service_id = Some(service.id);
                line.period = Some(period);
                line.days = Some(days);
                line.unit_price_minor = Some(service.fee_minor);
                line.amount_minor = charges.iter().map(|c| c.amount).sum();
                lines.push(line);
            }
        }
    }
    lines
}

fn work_lines(input: &CustomerInput, work: &[WorkItem]) -> Vec<Line> {
    let mut used: HashMap<(Uuid, NaiveDate), Allowance> = HashMap::new();
    let mut lines = Vec::new();
    for item in work {
        if !item.marked_billable && !item.warranty {
            continue;
        }
        let contract = covering(input.contracts, &item.scope, item.work_date);
        let allowance_from = contract.map(|c| (c.id, c.cycle.period_containing(item.work_date).first));
        let allowance = allowance_from.map(|key| {
            used.entry(key).or_insert_with(|| {
                let included = contract.map_or(0, |c| c.included_minutes);
                Allowance::new(included, input.billed.included_minutes.get(&key).copied().unwrap_or(0))
            })
        });
        let work = rates::Work {
            date: item.work_date,
            user_id: item.user_id,
            role: item.role,
            category_id: item.rate_category_id,
            customer_id: item.scope.customer_id,
            contract_rate: contract.and_then(|c| c.hourly_rate_minor.map(|r| (r, c.currency.clone()))),
        };
        let rate = rates::applicable(input.rates, &work);
        let priced = price_work(item.minutes, item.warranty, item.paid, allowance, rate.clone());
        let currency = rate.as_ref().map_or(input.currency, |r| r.currency.as_str());
        let note = item.note.as_deref().map(|n| format!(" — {n}")).unwrap_or_default();
        let mut line = Line::blank(LineKind::Work, format!("{} · {}{note}", item.reference, format_minutes(item.minutes)), currency);
        line.unpriced = priced.billed_minutes > 0 && priced.rate.is_none() && priced.basis != WorkBasis::Warranty;
        line.basis = Some(priced.basis);
        line.contract_id = contract.map(|c| c.id);
        line.ticket_id = Some(item.ticket_id);
        line.task_id = item.task_id;
        line.time_entry_id = Some(item.time_entry_id);
        line.user_id = Some(item.user_id);
        line.date = Some(item.work_date);
        line.minutes = priced.minutes;
        line.included_minutes = priced.included_minutes;
        line.allowance_from = allowance_from.filter(|_| priced.included_minutes > 0).map(|(_, from)| from);
        line.billed_minutes = priced.billed_minutes;
        line.unit_price_minor = priced.rate.as_ref().map(|r| r.rate_minor);
        line.rate_source = priced.rate.as_ref().map(|r| r.source);
        line.rate_id = priced.rate.as_ref().and_then(|r| r.rate_id);
        line.amount_minor = priced.amount_minor;
        line.late = item.work_date < input.month.first_day();
        lines.push(line);
    }
    lines
}

fn material_lines(input: &CustomerInput, materials: &[MaterialItem]) -> Vec<Line> {
    materials
        .iter()
        .map(|m| {
            let mut line = Line::blank(LineKind::Material, format!("{} · {}", m.reference, m.description), input.currency);
            line.basis = Some(if m.warranty { WorkBasis::Warranty } else { WorkBasis::Billable });
            line.ticket_id = Some(m.ticket_id);
            line.task_id = Some(m.task_id);
            line.material_id = Some(m.material_id);
            line.date = Some(m.date);
            line.quantity_milli = Some(m.quantity_milli);
            line.unit = Some(m.unit.clone());
            line.unit_price_minor = Some(m.unit_price_minor);
            line.amount_minor = if m.warranty { 0 } else { m.total_minor };
            line.late = m.date < input.month.first_day();
            line
        })
        .collect()
}

/// The lines of one customer's statement: flat fees, then work in date order, then materials.
pub fn statement_lines(mut input: CustomerInput) -> Vec<Line> {
    let mut work = std::mem::take(&mut input.work);
    work.sort_by_key(|w| (w.work_date, w.time_entry_id));
    let mut materials = std::mem::take(&mut input.materials);
    materials.sort_by_key(|m| (m.date, m.material_id));
    let mut lines = flat_fee_lines(&input);
    lines.extend(work_lines(&input, &work));
    lines.extend(material_lines(&input, &materials));
    lines
}

/// A statement's total in each of its currencies, in the order they first appear.
pub fn totals(lines: &[Line]) -> Vec<(String, i64)> {
    let mut totals: Vec<(String, i64)> = Vec::new();
    for line in lines {
        match totals.iter_mut().find(|(c, _)| *c == line.currency) {
            Some((_, sum)) => *sum += line.amount_minor,
            None => totals.push((line.currency.clone(), line.amount_minor)),
        }
    }
    totals
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::billing::contracts::{ContractStatus, Service, ServiceKind};
    use crate::billing::fees::Timing;
    use crate::billing::periods::Cycle;
    use crate::billing::rates::RateScope;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn contract(customer: Uuid, included: i64) -> Contract {
        Contract {
            id: Uuid::now_v7(),
            number: "CT-2027-000001".into(),
            customer_id: customer,
            name: "Support".into(),
            status: ContractStatus::Active,
            starts_on: day(2027, 1, 17),
            ends_on: None,
            cycle: Cycle::Monthly,
            timing: Timing::InArrears,
            currency: "EUR".into(),
            included_minutes: included,
            hourly_rate_minor: Some(5_000),
            location_ids: vec![],
            category_ids: vec![],
            services: vec![Service { id: Uuid::now_v7(), kind: ServiceKind::Support, description: "Helpdesk".into(), fee_minor: 31_000 }],
            notes: None,
            version: 1,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
        }
    }

    fn installation_rate(minor: i64) -> BillingRate {
        BillingRate {
            id: Uuid::now_v7(),
            scope: RateScope::Installation,
            role: None,
            user_id: None,
            category_id: None,
            customer_id: None,
            rate_minor: minor,
            currency: "EUR".into(),
            valid_from: day(2020, 1, 1),
            version: 1,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
        }
    }

    fn work(customer: Uuid, date: NaiveDate, minutes: i64) -> WorkItem {
        WorkItem {
            time_entry_id: Uuid::now_v7(),
            user_id: Uuid::now_v7(),
            role: Some(Role::Technician),
            work_date: date,
            minutes,
            marked_billable: true,
            ticket_id: Uuid::now_v7(),
            task_id: None,
            reference: "T-2027-000001".into(),
            warranty: false,
            paid: false,
            scope: WorkScope { customer_id: Some(customer), ..Default::default() },
            rate_category_id: None,
            note: None,
        }
    }

    fn input<'a>(contracts: &'a [Contract], billed: &'a Billed, rates: &'a [BillingRate], work: Vec<WorkItem>) -> CustomerInput<'a> {
        CustomerInput { month: Month::new(2027, 1).unwrap(), contracts, billed, rates, currency: "EUR", work, materials: vec![] }
    }

    #[test]
    fn a_month_bills_the_prorated_fee_then_work_after_the_included_minutes() {
        let customer = Uuid::now_v7();
        let contracts = [contract(customer, 60)];
        let rates = [installation_rate(8_000)];
        let billed = Billed::default();
        let lines = statement_lines(input(
            &contracts,
            &billed,
            &rates,
            vec![work(customer, day(2027, 1, 20), 45), work(customer, day(2027, 1, 25), 45), work(customer, day(2027, 1, 5), 30)],
        ));
        let summary: Vec<(LineKind, i64, i64, i64)> =
            lines.iter().map(|l| (l.kind, l.included_minutes, l.billed_minutes, l.amount_minor)).collect();
        // 15 of January's 31 days from the 17th; the 5 January work is before the contract, at
        // the installation's rate; then 60 included minutes, the rest at the contract's rate.
        assert_eq!(
            summary,
            [
                (LineKind::FlatFee, 0, 0, 15_000),
                (LineKind::Work, 0, 30, 4_000),
                (LineKind::Work, 45, 0, 0),
                (LineKind::Work, 15, 30, 2_500)
            ]
        );
        assert_eq!(lines[1].rate_source, Some(RateSource::Installation));
        assert_eq!(lines[3].rate_source, Some(RateSource::Contract));
        assert_eq!(totals(&lines), [("EUR".to_owned(), 21_500)]);
    }

    #[test]
    fn what_earlier_runs_billed_is_not_billed_again() {
        let customer = Uuid::now_v7();
        let contracts = [contract(customer, 60)];
        let rates = [installation_rate(8_000)];
        let mut billed = Billed::default();
        billed.periods.insert((contracts[0].id, day(2027, 1, 1)));
        billed.included_minutes.insert((contracts[0].id, day(2027, 1, 1)), 50);
        let lines = statement_lines(input(&contracts, &billed, &rates, vec![work(customer, day(2027, 1, 28), 30)]));
        assert_eq!(lines.len(), 1, "the January fee was billed");
        assert_eq!((lines[0].included_minutes, lines[0].billed_minutes), (10, 20));
    }

    #[test]
    fn late_work_is_billed_in_the_next_run_and_marked() {
        let customer = Uuid::now_v7();
        let rates = [installation_rate(6_000)];
        let billed = Billed::default();
        let mut late = input(&[], &billed, &rates, vec![work(customer, day(2026, 12, 30), 60)]);
        late.month = Month::new(2027, 1).unwrap();
        let lines = statement_lines(late);
        assert!(lines[0].late);
        assert_eq!(lines[0].amount_minor, 6_000);
    }

    #[test]
    fn warranty_work_and_materials_are_listed_at_zero_and_unmarked_work_is_left_out() {
        let customer = Uuid::now_v7();
        let rates = [installation_rate(6_000)];
        let billed = Billed::default();
        let warranty = WorkItem { warranty: true, marked_billable: false, ..work(customer, day(2027, 1, 10), 90) };
        let internal = WorkItem { marked_billable: false, ..work(customer, day(2027, 1, 11), 30) };
        let mut customer_input = input(&[], &billed, &rates, vec![warranty, internal]);
        customer_input.materials = vec![MaterialItem {
            material_id: Uuid::now_v7(),
            ticket_id: Uuid::now_v7(),
            task_id: Uuid::now_v7(),
            reference: "T-2027-000001/1".into(),
            date: day(2027, 1, 10),
            description: "Fuser".into(),
            quantity_milli: 1_000,
            unit: "pc".into(),
            unit_price_minor: 12_000,
            total_minor: 12_000,
            warranty: true,
        }];
        let lines = statement_lines(customer_input);
        assert_eq!(lines.len(), 2);
        assert_eq!((lines[0].basis, lines[0].minutes, lines[0].amount_minor), (Some(WorkBasis::Warranty), 90, 0));
        assert_eq!((lines[1].kind, lines[1].amount_minor, lines[1].unit_price_minor), (LineKind::Material, 0, Some(12_000)));
    }

    #[test]
    fn work_no_rate_reaches_is_listed_unpriced() {
        let customer = Uuid::now_v7();
        let billed = Billed::default();
        let lines = statement_lines(input(&[], &billed, &[], vec![work(customer, day(2027, 1, 10), 30)]));
        assert!(lines[0].unpriced);
        assert_eq!(lines[0].amount_minor, 0);
    }

    #[test]
    fn totals_are_kept_per_currency() {
        let mut a = Line::blank(LineKind::Work, "a".into(), "EUR");
        a.amount_minor = 100;
        let mut b = Line::blank(LineKind::Work, "b".into(), "PLN");
        b.amount_minor = 50;
        let mut c = a.clone();
        c.amount_minor = 1;
        assert_eq!(totals(&[a, b, c]), [("EUR".to_owned(), 101), ("PLN".to_owned(), 50)]);
    }
}
