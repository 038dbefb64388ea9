//! The unit a ticket is about and its warranty. When equipment is linked, the warranty flag
//! defaults to whether the reported date falls inside its warranty; a different flag is an
//! override and needs a reason, and both are kept. A serial number either names known
//! equipment (which is linked) or, unknown, must fit the format of the product named.

use chrono::NaiveDate;

use crate::directory::{Equipment, Product};
use crate::errors::{Code, DomainError, code, field};

/// The warranty decision: the flag in force, what it would be by the equipment, and the
/// reason when the two differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warranty {
    pub flag: bool,
    pub default: bool,
    pub override_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WarrantyError {
    #[error("overriding the warranty flag needs a reason")]
    ReasonRequired,
    #[error("only coordinators override the warranty flag")]
    OverrideNotAllowed,
}

impl DomainError for WarrantyError {
    fn code(&self) -> Code {
        match self {
            Self::ReasonRequired => field::WARRANTY_REASON_REQUIRED,
            Self::OverrideNotAllowed => code::FORBIDDEN,
        }
    }

    fn field(&self) -> Option<&'static str> {
        matches!(self, Self::ReasonRequired).then_some("warranty_reason")
    }
}

/// Decides the warranty flag: by the equipment's warranty on the reported date, unless a
/// coordinator (`may_override`) asks for the other value and says why — it turns billable
/// work free, or free work billable.
pub fn warranty(
    equipment: Option<&Equipment>,
    reported_on: NaiveDate,
    requested: Option<bool>,
    reason: Option<&str>,
    may_override: bool,
) -> Result<Warranty, WarrantyError> {
    let default = equipment.is_some_and(|e| e.under_warranty_on(reported_on));
    match requested {
        Some(flag) if flag != default => {
            if !may_override {
                return Err(WarrantyError::OverrideNotAllowed);
            }
            let reason = reason.map(str::trim).filter(|r| !r.is_empty()).ok_or(WarrantyError::ReasonRequired)?;
            Ok(Warranty { flag, default, override_reason: Some(reason.to_owned()) })
        }
        _ => Ok(Warranty { flag: default, default, override_reason: None }),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SerialError {
    #[error("no equipment has this serial number; name its product to check the serial against the product's format")]
    ProductRequired,
    #[error("several products have a unit with this serial number; name the product")]
    Ambiguous,
    #[error("does not match the serial number format {0} of the product")]
    PatternMismatch(String),
}

impl DomainError for SerialError {
    fn code(&self) -> Code {
        match self {
            Self::ProductRequired | Self::Ambiguous => field::PRODUCT_REQUIRED,
            Self::PatternMismatch(_) => field::SERIAL_PATTERN,
        }
    }

    fn field(&self) -> Option<&'static str> {
        Some(match self {
            Self::ProductRequired | Self::Ambiguous => "product_id",
            Self::PatternMismatch(_) => "serial_number",
        })
    }
}

/// Resolves a ticket's serial number against the units that carry it (`known`) and the
/// product the caller named: the linked unit, or `None` for a valid unregistered serial.
pub fn resolve_serial<'a>(serial: &str, known: &'a [Equipment], product: Option<&Product>) -> Result<Option<&'a Equipment>, SerialError> {
    let mut candidates = known.iter().filter(|e| e.serial_number == serial && product.is_none_or(|p| p.id == e.product_id));
    match (candidates.next(), candidates.next()) {
        (Some(unit), None) => Ok(Some(unit)),
        (Some(_), Some(_)) => Err(SerialError::Ambiguous),
        (None, _) => match product {
            None => Err(SerialError::ProductRequired),
            Some(p) if p.accepts_serial(serial) => Ok(None),
            Some(p) => Err(SerialError::PatternMismatch(p.serial_pattern.as_ref().map_or_else(String::new, |s| s.as_str().to_owned()))),
        },
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use uuid::Uuid;

    use super::*;
    use crate::directory::SerialPattern;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn unit(product_id: Uuid, serial: &str, warranty_end: Option<NaiveDate>) -> Equipment {
        Equipment {
            external_ref: None,
            id: Uuid::now_v7(),
            product_id,
            serial_number: serial.into(),
            customer_id: None,
            location_id: None,
            installed_on: None,
            warranty_end,
            warranty_end_overridden: false,
            notes: None,
            contract_id: None,
            active: true,
            version: 1,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    fn product(pattern: &str) -> Product {
        Product {
            external_ref: None,
            id: Uuid::now_v7(),
            name: "X1".into(),
            sku: None,
            default_warranty_months: 24,
            serial_pattern: Some(SerialPattern::parse(pattern).unwrap()),
            active: true,
            version: 1,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    #[test]
    fn the_warranty_flag_defaults_from_the_equipment_on_the_reported_date() {
        let e = unit(Uuid::nil(), "S", Some(date(2026, 6, 30)));
        assert!(warranty(Some(&e), date(2026, 6, 30), None, None, true).unwrap().flag);
        assert!(!warranty(Some(&e), date(2026, 7, 1), None, None, true).unwrap().flag);
        assert!(!warranty(None, date(2026, 1, 1), None, None, true).unwrap().flag);
    }

    #[test]
    fn overriding_the_warranty_flag_needs_a_reason_and_keeps_both() {
        let e = unit(Uuid::nil(), "S", Some(date(2020, 1, 1)));
        assert_eq!(warranty(Some(&e), date(2026, 1, 1), Some(true), Some("  "), true), Err(WarrantyError::ReasonRequired));
        let w = warranty(Some(&e), date(2026, 1, 1), Some(true), Some("Goodwill: repeat fault"), true).unwrap();
        assert_eq!((w.flag, w.default, w.override_reason.as_deref()), (true, false, Some("Goodwill: repeat fault")));
    }

    #[test]
    fn asking_for_the_default_flag_is_not_an_override() {
        let w = warranty(None, date(2026, 1, 1), Some(false), None, true).unwrap();
        assert_eq!(w.override_reason, None);
        assert!(warranty(None, date(2026, 1, 1), Some(false), None, false).is_ok(), "so anyone may ask for it");
    }

    #[test]
    fn only_a_coordinator_overrides_the_warranty_flag() {
        let e = unit(Uuid::nil(), "S", Some(date(2020, 1, 1)));
        assert_eq!(warranty(Some(&e), date(2026, 1, 1), Some(true), Some("Goodwill"), false), Err(WarrantyError::OverrideNotAllowed));
    }

    #[test]
    fn a_known_serial_links_its_equipment() {
        let p = product("X1-[0-9]{6}");
        let units = [unit(p.id, "X1-000001", None)];
        assert_eq!(resolve_serial("X1-000001", &units, None).unwrap().map(|e| e.id), Some(units[0].id));
    }

    #[test]
    fn an_unknown_serial_must_fit_the_named_products_format() {
        let p = product("X1-[0-9]{6}");
        assert_eq!(resolve_serial("X1-999999", &[], Some(&p)), Ok(None));
        assert_eq!(resolve_serial("Q-1", &[], Some(&p)), Err(SerialError::PatternMismatch("X1-[0-9]{6}".into())));
        assert_eq!(resolve_serial("Q-1", &[], None), Err(SerialError::ProductRequired));
    }

    #[test]
    fn a_serial_shared_by_two_products_needs_the_product_named() {
        let (a, b) = (product(".*"), product(".*"));
        let units = [unit(a.id, "S-1", None), unit(b.id, "S-1", None)];
        assert_eq!(resolve_serial("S-1", &units, None), Err(SerialError::Ambiguous));
        assert_eq!(resolve_serial("S-1", &units, Some(&b)).unwrap().map(|e| e.product_id), Some(b.id));
    }
}
