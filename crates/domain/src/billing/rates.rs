//! Billing rates: what the customer pays per hour (the cost rate is what the hour costs us).
//!
//! A rate is set for the installation, a role, a user, a task category or a customer, each
//! from a date on; a contract may name its own rate for the hours it does not include. For a
//! piece of work the most specific rate in force on its date applies:
//! contract > customer > category > user > role > installation.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::access::Role;

named_enum! {
    /// What a rate is set for, from the most general.
    RateScope {
        Installation = "installation",
        Role = "role",
        User = "user",
        Category = "category",
        Customer = "customer",
    }
}

named_enum! {
    /// Where the rate on a billed line came from.
    RateSource {
        Installation = "installation",
        Role = "role",
        User = "user",
        Category = "category",
        Customer = "customer",
        Contract = "contract",
    }
}

/// A rate as stored: exactly one of `role`, `user_id`, `category_id`, `customer_id` is set,
/// according to the scope (none for the installation's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingRate {
    pub id: Uuid,
    pub scope: RateScope,
    pub role: Option<Role>,
    pub user_id: Option<Uuid>,
    pub category_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub rate_minor: i64,
    pub currency: String,
    pub valid_from: NaiveDate,
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// The rate frozen on a billed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedRate {
    pub rate_minor: i64,
    pub currency: String,
    pub source: RateSource,
    /// The stored rate, or `None` for a contract's own.
    pub rate_id: Option<Uuid>,
}

/// What decides the rate of one piece of work.
#[derive(Debug, Clone)]
pub struct Work {
    pub date: NaiveDate,
    pub user_id: Uuid,
    pub role: Option<Role>,
    /// The task's category, else the ticket's.
    pub category_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    /// The covering contract's rate for hours beyond its allowance.
    pub contract_rate: Option<(i64, String)>,
}

impl RateScope {
    fn source(self) -> RateSource {
        match self {
            RateScope::Installation => RateSource::Installation,
            RateScope::Role => RateSource::Role,
            RateScope::User => RateSource::User,
            RateScope::Category => RateSource::Category,
            RateScope::Customer => RateSource::Customer,
        }
    }

    /// Higher is more specific.
    fn precedence(self) -> u8 {
        match self {
            RateScope::Installation => 0,
            RateScope::Role => 1,
            RateScope::User => 2,
            RateScope::Category => 3,
            RateScope::Customer => 4,
        }
    }
}

impl BillingRate {
    fn matches(&self, work: &Work) -> bool {
        match self.scope {
            RateScope::Installation => true,
            RateScope::Role => self.role.is_some() && self.role == work.role,
            RateScope::User => self.user_id == Some(work.user_id),
            RateScope::Category => self.category_id.is_some() && self.category_id == work.category_id,
            RateScope::Customer => self.customer_id.is_some() && self.customer_id == work.customer_id,
        }
    }
}

/// The rate for `work`, or `None` when no rate is set that reaches it.
pub fn applicable(rates: &[BillingRate], work: &Work) -> Option<AppliedRate> {
    if let Some((rate_minor, currency)) = &work.contract_rate {
        return Some(AppliedRate { rate_minor: *rate_minor, currency: currency.clone(), source: RateSource::Contract, rate_id: None });
    }
    rates
        .iter()
        .filter(|r| r.valid_from <= work.date && r.matches(work))
        .max_by_key(|r| (r.scope.precedence(), r.valid_from, r.id))
        .map(|r| AppliedRate { rate_minor: r.rate_minor, currency: r.currency.clone(), source: r.scope.source(), rate_id: Some(r.id) })
}

/// A rate is an amount per hour of zero or more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegativeRate;

impl std::fmt::Display for NegativeRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a rate cannot be below zero")
    }
}

impl crate::errors::DomainError for NegativeRate {
    fn code(&self) -> crate::errors::Code {
        crate::errors::field::RANGE
    }
}

pub fn check_rate(rate_minor: i64) -> Result<(), NegativeRate> {
    if rate_minor < 0 { Err(NegativeRate) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn rate(scope: RateScope, minor: i64, from: NaiveDate) -> BillingRate {
        BillingRate {
            id: Uuid::now_v7(),
            scope,
            role: None,
            user_id: None,
            category_id: None,
            customer_id: None,
            rate_minor: minor,
            currency: "EUR".into(),
            valid_from: from,
            version: 1,
            created_at: chrono::DateTime::UNIX_EPOCH,
            updated_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    fn work(user: Uuid, customer: Uuid, category: Uuid) -> Work {
        Work {
            date: day(2027, 1, 15),
            user_id: user,
            role: Some(Role::Technician),
            category_id: Some(category),
            customer_id: Some(customer),
            contract_rate: None,
        }
    }

    #[test]
    fn the_most_specific_rate_in_force_applies() {
        let (user, customer, category) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let start = day(2026, 1, 1);
        let mut rates = vec![rate(RateScope::Installation, 5_000, start)];
        let w = work(user, customer, category);
        assert_eq!(applicable(&rates, &w).unwrap().source, RateSource::Installation);
        rates.push(BillingRate { role: Some(Role::Technician), ..rate(RateScope::Role, 5_500, start) });
        assert_eq!(applicable(&rates, &w).unwrap().rate_minor, 5_500);
        rates.push(BillingRate { user_id: Some(user), ..rate(RateScope::User, 6_000, start) });
        assert_eq!(applicable(&rates, &w).unwrap().rate_minor, 6_000);
        rates.push(BillingRate { category_id: Some(category), ..rate(RateScope::Category, 7_000, start) });
        assert_eq!(applicable(&rates, &w).unwrap().rate_minor, 7_000);
        rates.push(BillingRate { customer_id: Some(customer), ..rate(RateScope::Customer, 4_000, start) });
        let applied = applicable(&rates, &w).unwrap();
        assert_eq!((applied.rate_minor, applied.source), (4_000, RateSource::Customer));
        let covered = Work { contract_rate: Some((3_000, "EUR".into())), ..w };
        assert_eq!(applicable(&rates, &covered).unwrap().source, RateSource::Contract);
    }

    #[test]
    fn a_rate_applies_from_its_date_and_the_latest_in_force_wins() {
        let (user, customer, category) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let rates = vec![rate(RateScope::Installation, 5_000, day(2026, 1, 1)), rate(RateScope::Installation, 5_500, day(2027, 1, 16))];
        assert_eq!(applicable(&rates, &work(user, customer, category)).unwrap().rate_minor, 5_000);
        let later = Work { date: day(2027, 2, 1), ..work(user, customer, category) };
        assert_eq!(applicable(&rates, &later).unwrap().rate_minor, 5_500);
    }

    #[test]
    fn another_customers_or_users_rate_does_not_apply() {
        let (user, customer, category) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let rates = vec![
            BillingRate { customer_id: Some(Uuid::now_v7()), ..rate(RateScope::Customer, 1, day(2026, 1, 1)) },
            BillingRate { user_id: Some(Uuid::now_v7()), ..rate(RateScope::User, 2, day(2026, 1, 1)) },
        ];
        assert_eq!(applicable(&rates, &work(user, customer, category)), None);
    }

    #[test]
    fn a_rate_below_zero_is_refused() {
        assert_eq!(check_rate(-1), Err(NegativeRate));
        assert_eq!(check_rate(0), Ok(()));
    }
}
