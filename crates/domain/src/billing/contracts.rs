//! Service contracts: flat-fee services billed per calendar period (in advance or in
//! arrears), included hours for covered work, and the rate for hours beyond them.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::fees::Timing;
use super::periods::{Cycle, Days};
use crate::errors::{Code, DomainError, code, field};

named_enum! {
    /// Where a contract is in its life.
    ContractStatus {
        Draft = "draft",
        Active = "active",
        Suspended = "suspended",
        Ended = "ended",
    }
}

named_enum! {
    /// What a flat-fee service is.
    ServiceKind {
        Maintenance = "maintenance",
        Rental = "rental",
        Support = "support",
        Other = "other",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub id: Uuid,
    pub kind: ServiceKind,
    pub description: String,
    /// Per billing period of the contract.
    pub fee_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    pub id: Uuid,
    pub number: String,
    pub customer_id: Uuid,
    pub name: String,
    pub status: ContractStatus,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub cycle: Cycle,
    pub timing: Timing,
    pub currency: String,
    /// Minutes of covered work included per billing period.
    pub included_minutes: i64,
    /// The hourly rate for covered work beyond the included minutes (else the usual rates).
    pub hourly_rate_minor: Option<i64>,
    /// Locations covered (with the equipment naming the contract and the categories); none of
    /// the three: all of the customer's work.
    pub location_ids: Vec<Uuid>,
    pub category_ids: Vec<Uuid>,
    pub services: Vec<Service>,
    pub notes: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A recorded status change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub from: Option<ContractStatus>,
    pub to: ContractStatus,
    pub on: NaiveDate,
    pub note: Option<String>,
    pub changed_by: Option<Uuid>,
    pub changed_at: DateTime<Utc>,
}

/// The far end used for contracts without an end date.
pub fn open_end() -> NaiveDate {
    NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// What a piece of work is, for deciding whether a contract covers it.
#[derive(Debug, Clone, Default)]
pub struct WorkScope {
    pub customer_id: Option<Uuid>,
    pub location_id: Option<Uuid>,
    /// The contract the ticket's equipment names, if any.
    pub equipment_contract_id: Option<Uuid>,
    /// The ticket's and the task's categories.
    pub category_ids: Vec<Uuid>,
}

impl Contract {
    /// The days the contract runs.
    pub fn active_days(&self) -> Days {
        Days { first: self.starts_on, last: self.ends_on.unwrap_or_else(open_end) }
    }

    /// Whether it bills and covers work: active, or ended (for the days it ran).
    pub fn is_in_force(&self) -> bool {
        matches!(self.status, ContractStatus::Active | ContractStatus::Ended)
    }

    fn is_unscoped(&self) -> bool {
        self.location_ids.is_empty() && self.category_ids.is_empty()
    }

    /// Whether the contract covers work of this scope done on `day`.
    pub fn covers(&self, work: &WorkScope, day: NaiveDate) -> bool {
        if !self.is_in_force() || !self.active_days().contains(day) || work.customer_id != Some(self.customer_id) {
            return false;
        }
        if work.equipment_contract_id == Some(self.id) {
            return true;
        }
        if work.equipment_contract_id.is_some() {
            // The unit names another contract: that one covers it.
            return false;
        }
        self.is_unscoped()
            || work.location_id.is_some_and(|l| self.location_ids.contains(&l))
            || work.category_ids.iter().any(|c| self.category_ids.contains(c))
    }

    /// Whether two contracts of a customer would cover the same work on the same days.
    pub fn overlaps(&self, other: &Contract) -> bool {
        if self.id == other.id || self.customer_id != other.customer_id {
            return false;
        }
        if self.active_days().intersect(&other.active_days()).is_none() {
            return false;
        }
        let shared = |a: &[Uuid], b: &[Uuid]| a.iter().any(|x| b.contains(x));
        (self.is_unscoped() && other.is_unscoped())
            || shared(&self.location_ids, &other.location_ids)
            || shared(&self.category_ids, &other.category_ids)
    }
}

/// Whether a contract of `customer_id` covers the work; the first in force that does (the
/// overlap rule keeps them from competing).
pub fn covering<'c>(contracts: &'c [Contract], work: &WorkScope, day: NaiveDate) -> Option<&'c Contract> {
    contracts.iter().find(|c| c.covers(work, day))
}

/// A contract's terms broke a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermsError {
    EndsBeforeStart,
    NegativeAmount(&'static str),
    Currency,
    Overlaps { number: String },
}

impl std::fmt::Display for TermsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TermsError::EndsBeforeStart => f.write_str("the contract ends before it starts"),
            TermsError::NegativeAmount(_) => f.write_str("cannot be below zero"),
            TermsError::Currency => f.write_str("not an ISO 4217 currency code (three capital letters)"),
            TermsError::Overlaps { number } => {
                write!(f, "overlaps contract {number} of the customer, which covers the same work on some of these days")
            }
        }
    }
}

impl DomainError for TermsError {
    fn code(&self) -> Code {
        match self {
            TermsError::EndsBeforeStart => field::BEFORE_START,
            TermsError::NegativeAmount(_) => field::RANGE,
            TermsError::Currency => field::CURRENCY,
            TermsError::Overlaps { .. } => field::OVERLAPS,
        }
    }

    fn field(&self) -> Option<&'static str> {
        Some(match self {
            TermsError::EndsBeforeStart => "ends_on",
            TermsError::NegativeAmount(field) => field,
            TermsError::Currency => "currency",
            TermsError::Overlaps { .. } => "starts_on",
        })
    }
}

/// An ISO 4217 code's shape: three capital letters.
pub fn check_currency(currency: &str) -> Result<(), TermsError> {
    if currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase()) { Ok(()) } else { Err(TermsError::Currency) }
}

/// The rules every contract keeps, checked on create and on each change.
pub fn check_terms(contract: &Contract, others: &[Contract]) -> Result<(), TermsError> {
    if contract.ends_on.is_some_and(|end| end < contract.starts_on) {
        return Err(TermsError::EndsBeforeStart);
    }
    check_currency(&contract.currency)?;
    if contract.included_minutes < 0 {
        return Err(TermsError::NegativeAmount("included_minutes"));
    }
    if contract.hourly_rate_minor.is_some_and(|r| r < 0) {
        return Err(TermsError::NegativeAmount("hourly_rate_minor"));
    }
    if contract.services.iter().any(|s| s.fee_minor < 0) {
        return Err(TermsError::NegativeAmount("services"));
    }
    if contract.status == ContractStatus::Draft {
        return Ok(());
    }
    match others.iter().filter(|o| o.status != ContractStatus::Draft).find(|o| contract.overlaps(o)) {
        Some(other) => Err(TermsError::Overlaps { number: other.number.clone() }),
        None => Ok(()),
    }
}

/// A status change the life of a contract does not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidContractTransition {
    pub from: ContractStatus,
    pub to: ContractStatus,
}

impl std::fmt::Display for InvalidContractTransition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a contract cannot go from {} to {}", self.from, self.to)
    }
}

impl DomainError for InvalidContractTransition {
    fn code(&self) -> Code {
        code::INVALID_TRANSITION
    }
}

/// draft → active | ended; active ⇄ suspended; active | suspended → ended. An ended contract
/// stays ended (start a new one).
pub fn check_transition(from: ContractStatus, to: ContractStatus) -> Result<(), InvalidContractTransition> {
    use ContractStatus::*;
    let allowed =
        matches!((from, to), (Draft, Active) | (Draft, Ended) | (Active, Suspended) | (Suspended, Active) | (Active | Suspended, Ended));
    if allowed { Ok(()) } else { Err(InvalidContractTransition { from, to }) }
}

/// Ending a contract without an end date ends it on the day of the change; an end date
/// already set stays (it may lie in the future: the contract runs until then).
pub fn end_date_when_ended(ends_on: Option<NaiveDate>, today: NaiveDate) -> NaiveDate {
    ends_on.unwrap_or(today)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn contract(customer: Uuid) -> Contract {
        Contract {
            id: Uuid::now_v7(),
            number: "CT-2027-000001".into(),
            customer_id: customer,
            name: "Maintenance".into(),
            status: ContractStatus::Active,
            starts_on: day(2027, 1, 1),
            ends_on: None,
            cycle: Cycle::Monthly,
            timing: Timing::InAdvance,
            currency: "EUR".into(),
            included_minutes: 600,
            hourly_rate_minor: None,
            location_ids: vec![],
            category_ids: vec![],
            services: vec![],
            notes: None,
            version: 1,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_contract_without_a_scope_covers_all_of_its_customers_work_while_in_force() {
        let customer = Uuid::now_v7();
        let c = contract(customer);
        let work = WorkScope { customer_id: Some(customer), ..Default::default() };
        assert!(c.covers(&work, day(2027, 3, 1)));
        assert!(!c.covers(&work, day(2026, 12, 31)), "not before it starts");
        assert!(!c.covers(&WorkScope { customer_id: Some(Uuid::now_v7()), ..Default::default() }, day(2027, 3, 1)));
        assert!(!Contract { status: ContractStatus::Suspended, ..c.clone() }.covers(&work, day(2027, 3, 1)));
        assert!(!Contract { status: ContractStatus::Draft, ..c }.covers(&work, day(2027, 3, 1)));
    }

    #[test]
    fn a_scoped_contract_covers_its_locations_categories_and_the_equipment_naming_it() {
        let customer = Uuid::now_v7();
        let (location, category) = (Uuid::now_v7(), Uuid::now_v7());
        let c = Contract { location_ids: vec![location], category_ids: vec![category], ..contract(customer) };
        let on = day(2027, 3, 1);
        let base = WorkScope { customer_id: Some(customer), ..Default::default() };
        assert!(!c.covers(&base, on));
        assert!(c.covers(&WorkScope { location_id: Some(location), ..base.clone() }, on));
        assert!(c.covers(&WorkScope { category_ids: vec![Uuid::now_v7(), category], ..base.clone() }, on));
        assert!(c.covers(&WorkScope { equipment_contract_id: Some(c.id), ..base.clone() }, on));
        assert!(!c.covers(&WorkScope { equipment_contract_id: Some(Uuid::now_v7()), location_id: Some(location), ..base }, on));
    }

    #[test]
    fn an_ended_contract_still_covers_the_days_it_ran() {
        let customer = Uuid::now_v7();
        let c = Contract { status: ContractStatus::Ended, ends_on: Some(day(2027, 2, 14)), ..contract(customer) };
        let work = WorkScope { customer_id: Some(customer), ..Default::default() };
        assert!(c.covers(&work, day(2027, 2, 14)));
        assert!(!c.covers(&work, day(2027, 2, 15)));
    }

    #[test]
    fn two_contracts_covering_the_same_work_on_the_same_days_overlap() {
        let customer = Uuid::now_v7();
        let first = Contract { ends_on: Some(day(2027, 6, 30)), ..contract(customer) };
        let second = Contract { id: Uuid::now_v7(), starts_on: day(2027, 6, 1), ..contract(customer) };
        assert_eq!(check_terms(&second, std::slice::from_ref(&first)), Err(TermsError::Overlaps { number: first.number.clone() }));
        let after = Contract { starts_on: day(2027, 7, 1), ..second.clone() };
        assert_eq!(check_terms(&after, std::slice::from_ref(&first)), Ok(()));
        let other_scope = Contract { category_ids: vec![Uuid::now_v7()], ..second.clone() };
        let scoped_first = Contract { category_ids: vec![Uuid::now_v7()], ..first.clone() };
        assert_eq!(check_terms(&other_scope, &[scoped_first]), Ok(()));
        let draft = Contract { status: ContractStatus::Draft, ..second };
        assert_eq!(check_terms(&draft, &[first]), Ok(()), "a draft is checked when it is activated");
    }

    #[test]
    fn terms_need_an_end_after_the_start_amounts_of_zero_or_more_and_a_currency_code() {
        let c = contract(Uuid::now_v7());
        assert_eq!(check_terms(&Contract { ends_on: Some(day(2026, 12, 31)), ..c.clone() }, &[]), Err(TermsError::EndsBeforeStart));
        assert_eq!(
            check_terms(&Contract { hourly_rate_minor: Some(-1), ..c.clone() }, &[]),
            Err(TermsError::NegativeAmount("hourly_rate_minor"))
        );
        assert_eq!(check_terms(&Contract { currency: "eur".into(), ..c.clone() }, &[]), Err(TermsError::Currency));
        assert_eq!(check_terms(&Contract { ends_on: Some(c.starts_on), ..c }, &[]), Ok(()));
    }

    #[test]
    fn a_contract_moves_from_draft_to_active_to_suspended_and_back_and_ends_for_good() {
        use ContractStatus::*;
        for (from, to) in [(Draft, Active), (Active, Suspended), (Suspended, Active), (Active, Ended), (Suspended, Ended), (Draft, Ended)] {
            assert_eq!(check_transition(from, to), Ok(()), "{from} → {to}");
        }
        for (from, to) in [(Ended, Active), (Ended, Draft), (Active, Draft), (Draft, Suspended), (Active, Active)] {
            assert!(check_transition(from, to).is_err(), "{from} → {to}");
        }
    }
}
