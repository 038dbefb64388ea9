//! The directory: customers (with locations and contacts), partners, products and equipment.
//!
//! Contacts' emails are lower case and their phones E.164, so intake can match a sender.
//! A serial number is unique per product; an unknown serial must match its product's
//! pattern. Equipment's warranty ends, unless overridden, `default_warranty_months` after
//! installation.

use chrono::{DateTime, Months, NaiveDate, Utc};
use uuid::Uuid;

use crate::email::Email;
use crate::phone::PhoneNumber;

named_enum! {
    CustomerKind { Company = "company", Person = "person" }
}

named_enum! {
    /// How a contact wants to be notified.
    NotificationChannel { Email = "email", Sms = "sms" }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub id: Uuid,
    pub name: String,
    pub kind: CustomerKind,
    pub tax_id: Option<String>,
    pub email: Option<Email>,
    pub phone: Option<PhoneNumber>,
    pub billing_email: Option<Email>,
    pub billing_address: Option<String>,
    /// BCP 47 language tag for messages to this customer's contacts (`pl`, `sl`, `hr`, `it`).
    pub language: Option<String>,
    /// Send acknowledgements of new calls to this customer's senders.
    pub acknowledge_calls: bool,
    /// A monitoring `resolve` resolves the alarm's ticket, not just records it.
    pub auto_resolve_alarms: bool,
    pub notes: Option<String>,
    pub active: bool,
    /// The ERP's id for it (unique per kind).
    pub external_ref: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub name: String,
    pub address_line: String,
    pub postal_code: Option<String>,
    pub city: String,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub notes: Option<String>,
    pub active: bool,
    /// The ERP's id for it (unique per kind).
    pub external_ref: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Location {
    /// The address on one line, as a report or a calendar shows it: name, street, postal code
    /// and city, country; parts that are empty are left out.
    pub fn one_line_address(&self) -> String {
        let city = [self.postal_code.as_deref(), Some(self.city.as_str())].into_iter().flatten().collect::<Vec<_>>().join(" ");
        [Some(self.name.as_str()), Some(self.address_line.as_str()), Some(city.as_str()), self.country.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub name: String,
    pub email: Option<Email>,
    pub phones: Vec<PhoneNumber>,
    pub job_title: Option<String>,
    pub portal_access: bool,
    pub preferred_channel: NotificationChannel,
    pub language: Option<String>,
    pub notes: Option<String>,
    pub active: bool,
    /// The ERP's id for it (unique per kind).
    pub external_ref: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Partner {
    pub id: Uuid,
    pub name: String,
    pub tax_id: Option<String>,
    pub email: Option<Email>,
    pub phone: Option<PhoneNumber>,
    pub notes: Option<String>,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A product's serial number format: a regular expression the whole serial must match.
#[derive(Debug, Clone)]
pub struct SerialPattern {
    source: String,
    regex: regex::Regex,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid regular expression: {0}")]
pub struct InvalidPattern(String);

impl SerialPattern {
    /// A serial format needs no deep nesting: a tight nest limit refuses patterns like
    /// `a***…*` that the default (250) lets through and whose compilation then recurses deep
    /// enough to overflow a server thread's stack; the size limit bounds what one compiles to.
    pub fn parse(source: &str) -> Result<Self, InvalidPattern> {
        let regex = regex::RegexBuilder::new(&format!("^(?:{source})$"))
            .nest_limit(24)
            .size_limit(256 * 1024)
            .build()
            .map_err(|e| InvalidPattern(e.to_string()))?;
        Ok(Self { source: source.to_owned(), regex })
    }

    pub fn matches(&self, serial: &str) -> bool {
        self.regex.is_match(serial)
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }
}

impl PartialEq for SerialPattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub id: Uuid,
    pub name: String,
    pub sku: Option<String>,
    pub default_warranty_months: u32,
    pub serial_pattern: Option<SerialPattern>,
    pub active: bool,
    /// The ERP's id for it (unique per kind).
    pub external_ref: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Product {
    /// Whether `serial` may be a serial number of this product (no pattern: anything non-blank).
    pub fn accepts_serial(&self, serial: &str) -> bool {
        !serial.trim().is_empty() && self.serial_pattern.as_ref().is_none_or(|p| p.matches(serial))
    }

    /// Where warranty ends for a unit installed on `installed_on`.
    pub fn warranty_end_from(&self, installed_on: NaiveDate) -> NaiveDate {
        installed_on.checked_add_months(Months::new(self.default_warranty_months)).unwrap_or(NaiveDate::MAX)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Equipment {
    pub id: Uuid,
    pub product_id: Uuid,
    pub serial_number: String,
    pub customer_id: Option<Uuid>,
    pub location_id: Option<Uuid>,
    pub installed_on: Option<NaiveDate>,
    pub warranty_end: Option<NaiveDate>,
    /// `warranty_end` was set by hand rather than derived from the product.
    pub warranty_end_overridden: bool,
    pub notes: Option<String>,
    /// The contract that covers the unit (its customer's).
    pub contract_id: Option<Uuid>,
    pub active: bool,
    /// The ERP's id for it (unique per kind).
    pub external_ref: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Equipment {
    /// Under warranty on `date`: on or before the warranty's last day.
    pub fn under_warranty_on(&self, date: NaiveDate) -> bool {
        self.warranty_end.is_some_and(|end| date <= end)
    }
}

/// The warranty end to store: the override when given, else derived from the product.
pub fn warranty_end(product: &Product, installed_on: Option<NaiveDate>, overridden: Option<NaiveDate>) -> (Option<NaiveDate>, bool) {
    match overridden {
        Some(end) => (Some(end), true),
        None => (installed_on.map(|d| product.warranty_end_from(d)), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_locations_address_fits_on_one_line_without_empty_parts() {
        let at = DateTime::<Utc>::UNIX_EPOCH;
        let site = Location {
            external_ref: None,
            id: Uuid::nil(),
            customer_id: Uuid::nil(),
            name: "Head office".into(),
            address_line: "Dunajska cesta 1".into(),
            postal_code: Some("1000".into()),
            city: "Ljubljana".into(),
            country: Some("SI".into()),
            latitude: None,
            longitude: None,
            notes: None,
            active: true,
            version: 1,
            created_at: at,
            updated_at: at,
        };
        assert_eq!(site.one_line_address(), "Head office, Dunajska cesta 1, 1000 Ljubljana, SI");
        let bare = Location { address_line: String::new(), postal_code: None, country: None, ..site };
        assert_eq!(bare.one_line_address(), "Head office, Ljubljana");
    }

    fn product(months: u32, pattern: Option<&str>) -> Product {
        Product {
            external_ref: None,
            id: Uuid::nil(),
            name: "Printer X1".into(),
            sku: None,
            default_warranty_months: months,
            serial_pattern: pattern.map(|p| SerialPattern::parse(p).unwrap()),
            active: true,
            version: 1,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_serial_must_match_the_whole_pattern() {
        let p = product(24, Some("X1-[0-9]{6}"));
        assert!(p.accepts_serial("X1-123456"));
        assert!(!p.accepts_serial("X1-123456-extra"));
        assert!(!p.accepts_serial("X1-12"));
    }

    #[test]
    fn without_a_pattern_any_non_blank_serial_is_accepted() {
        assert!(product(24, None).accepts_serial("anything"));
        assert!(!product(24, None).accepts_serial("  "));
    }

    #[test]
    fn an_invalid_pattern_is_refused() {
        assert!(SerialPattern::parse("([unclosed").is_err());
    }

    #[test]
    fn warranty_defaults_to_the_products_months_after_installation() {
        let p = product(24, None);
        assert_eq!(warranty_end(&p, Some(date(2025, 1, 31)), None), (Some(date(2027, 1, 31)), false));
        assert_eq!(warranty_end(&p, None, None), (None, false));
    }

    #[test]
    fn an_overridden_warranty_end_wins_and_is_marked() {
        let p = product(24, None);
        assert_eq!(warranty_end(&p, Some(date(2025, 1, 1)), Some(date(2030, 6, 30))), (Some(date(2030, 6, 30)), true));
    }

    #[test]
    fn the_last_day_of_warranty_is_still_under_warranty() {
        let mut e = Equipment {
            external_ref: None,
            id: Uuid::nil(),
            product_id: Uuid::nil(),
            serial_number: "S".into(),
            customer_id: None,
            location_id: None,
            installed_on: None,
            warranty_end: Some(date(2026, 5, 31)),
            warranty_end_overridden: false,
            notes: None,
            contract_id: None,
            active: true,
            version: 1,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
        };
        assert!(e.under_warranty_on(date(2026, 5, 31)));
        assert!(!e.under_warranty_on(date(2026, 6, 1)));
        e.warranty_end = None;
        assert!(!e.under_warranty_on(date(2020, 1, 1)));
    }

    #[test]
    fn a_deeply_nested_serial_pattern_is_refused_not_compiled() {
        let stars = format!("__main__{}", "*".repeat(200));
        assert!(SerialPattern::parse(&stars).is_err());
        assert!(SerialPattern::parse(&format!("{}x{}", "(".repeat(60), ")".repeat(60))).is_err());
        assert!(SerialPattern::parse("X1-[0-9]{6}(-[A-Z]{2})?").is_ok());
    }
}
