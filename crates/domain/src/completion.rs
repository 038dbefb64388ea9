//! Field completion of a task (the electronic work order): materials with exact quantities and
//! line totals, the signature's rules, and money as people read it.
//!
//! Quantities are kept in thousandths (`1.5` m is 1500) so sums are exact; money in minor
//! units.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::tasks::TaskStatus;

/// What was recorded when a task was completed in the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub task_id: Uuid,
    pub ticket_id: Uuid,
    pub work_done: String,
    pub signer_name: Option<String>,
    pub signed_at: Option<DateTime<Utc>>,
    pub signature_attachment_id: Option<Uuid>,
    pub completed_at: DateTime<Utc>,
    pub completed_by: Option<Uuid>,
}

/// One material used, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Material {
    pub description: String,
    pub quantity_milli: i64,
    pub unit: String,
    pub unit_price_minor: i64,
    pub total_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityRefused {
    #[error("a quantity is a positive number with at most three decimals")]
    NotAQuantity,
    #[error("a quantity must be more than zero")]
    NotPositive,
    #[error("a quantity must be below one million")]
    TooLarge,
}

/// Reads a decimal quantity (`"2"`, `"1.5"`, `"0.125"`) exactly, in thousandths.
pub fn parse_quantity(text: &str) -> Result<i64, QuantityRefused> {
    let text = text.trim();
    if text.starts_with('-') {
        return Err(QuantityRefused::NotPositive);
    }
    let (whole, fraction) = text.split_once('.').map_or((text, None), |(w, f)| (w, Some(f)));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || fraction.is_some_and(|f| !digits(f) || f.len() > 3) {
        return Err(QuantityRefused::NotAQuantity);
    }
    if whole.len() > 6 {
        return Err(QuantityRefused::TooLarge);
    }
    let whole: i64 = whole.parse().map_err(|_| QuantityRefused::NotAQuantity)?;
    let fraction: i64 = format!("{:0<3}", fraction.unwrap_or("")).parse().map_err(|_| QuantityRefused::NotAQuantity)?;
    let milli = whole * 1000 + fraction;
    match milli {
        0 => Err(QuantityRefused::NotPositive),
        m if m >= 1_000_000_000 => Err(QuantityRefused::TooLarge),
        m => Ok(m),
    }
}

/// A quantity as written: `1500` -> `"1.5"`, `2000` -> `"2"`.
pub fn format_quantity(milli: i64) -> String {
    let (whole, fraction) = (milli / 1000, (milli % 1000).abs());
    if fraction == 0 { whole.to_string() } else { format!("{whole}.{}", format!("{fraction:03}").trim_end_matches('0')) }
}

/// The line total: quantity × unit price, rounded half up to the minor unit.
pub fn line_total_minor(quantity_milli: i64, unit_price_minor: i64) -> i64 {
    let product = i128::from(quantity_milli) * i128::from(unit_price_minor);
    let rounded = if product >= 0 { (product + 500) / 1000 } else { (product - 500) / 1000 };
    i64::try_from(rounded).unwrap_or(if rounded > 0 { i64::MAX } else { i64::MIN })
}

/// An amount in minor units as people read it: `123456` EUR -> `"1234.56 EUR"` (with the
/// currency's own number of decimals).
pub fn format_money(minor: i64, currency: &str) -> String {
    format!("{} {currency}", crate::billing::money::decimal(minor, currency, '.'))
}

/// Minutes as hours and minutes: `135` -> `"2 h 15 min"`.
pub fn format_minutes(minutes: i64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureRefused {
    #[error("a signature image needs the signer's name")]
    NameMissing,
    #[error("a signer's name needs the signature image")]
    ImageMissing,
}

/// A signature is an image and a name together, or neither (nobody was there to sign).
pub fn check_signature(has_image: bool, signer_name: Option<&str>) -> Result<(), SignatureRefused> {
    match (has_image, signer_name.is_some_and(|n| !n.trim().is_empty())) {
        (true, false) => Err(SignatureRefused::NameMissing),
        (false, true) => Err(SignatureRefused::ImageMissing),
        _ => Ok(()),
    }
}

/// A task is completed in the field from any open status: arriving and finishing in one visit
/// (without a separate "start") is the common case.
pub fn can_complete(status: TaskStatus) -> bool {
    status.is_open()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_are_read_exactly_in_thousandths() {
        assert_eq!(parse_quantity("2"), Ok(2000));
        assert_eq!(parse_quantity("1.5"), Ok(1500));
        assert_eq!(parse_quantity("0.125"), Ok(125));
        assert_eq!(parse_quantity("12.30"), Ok(12300));
    }

    #[test]
    fn zero_negative_over_precise_or_garbled_quantities_are_refused() {
        assert_eq!(parse_quantity("0"), Err(QuantityRefused::NotPositive));
        assert_eq!(parse_quantity("-1"), Err(QuantityRefused::NotPositive));
        assert_eq!(parse_quantity("0.0001"), Err(QuantityRefused::NotAQuantity));
        assert_eq!(parse_quantity("1e3"), Err(QuantityRefused::NotAQuantity));
        assert_eq!(parse_quantity("1."), Err(QuantityRefused::NotAQuantity));
        assert_eq!(parse_quantity("1000000"), Err(QuantityRefused::TooLarge));
    }

    #[test]
    fn quantities_print_without_trailing_zeros() {
        assert_eq!(format_quantity(1500), "1.5");
        assert_eq!(format_quantity(2000), "2");
        assert_eq!(format_quantity(125), "0.125");
    }

    #[test]
    fn a_line_total_is_quantity_times_price_rounded_half_up() {
        assert_eq!(line_total_minor(2000, 1250), 2500);
        // 1.5 × 0.33 = 0.495 -> 0.50; 0.333 × 1.00 = 0.333 -> 0.33.
        assert_eq!(line_total_minor(1500, 33), 50);
        assert_eq!(line_total_minor(333, 100), 33);
        assert_eq!(line_total_minor(1000, 0), 0);
    }

    #[test]
    fn money_and_minutes_print_as_people_read_them() {
        assert_eq!(format_money(123456, "EUR"), "1234.56 EUR");
        assert_eq!(format_money(5, "PLN"), "0.05 PLN");
        assert_eq!(format_money(-250, "EUR"), "-2.50 EUR");
        assert_eq!(format_minutes(135), "2 h 15 min");
        assert_eq!(format_minutes(45), "45 min");
        assert_eq!(format_minutes(120), "2 h");
    }

    #[test]
    fn a_signature_is_an_image_and_a_name_or_neither() {
        assert_eq!(check_signature(true, Some("Ana Kos")), Ok(()));
        assert_eq!(check_signature(false, None), Ok(()));
        assert_eq!(check_signature(true, Some("  ")), Err(SignatureRefused::NameMissing));
        assert_eq!(check_signature(false, Some("Ana")), Err(SignatureRefused::ImageMissing));
    }

    #[test]
    fn open_tasks_can_be_completed_and_final_ones_cannot() {
        assert!(can_complete(TaskStatus::New));
        assert!(can_complete(TaskStatus::OnHold));
        assert!(!can_complete(TaskStatus::Done));
        assert!(!can_complete(TaskStatus::Cancelled));
    }
}
