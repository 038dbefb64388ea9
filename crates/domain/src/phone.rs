//! Phone numbers, stored in E.164 (`+38640123456`) so a caller's number matches however it
//! was typed. Numbers without a country code are read in a default region (configurable).

use std::fmt;

use phonenumber::Mode;
use phonenumber::country::Id;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPhone {
    #[error("not a phone number")]
    Unparsable,
    #[error("not a valid number for its country")]
    Invalid,
    #[error("unknown region {0:?} (expected an ISO 3166 code like SI or PL)")]
    UnknownRegion(String),
}

/// An ISO 3166-1 alpha-2 region that numbers without `+` are read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region(Id);

impl Region {
    /// The default when none is configured.
    pub const POLAND: Region = Region(Id::PL);

    pub fn parse(code: &str) -> Result<Self, InvalidPhone> {
        code.trim().to_uppercase().parse::<Id>().map(Region).map_err(|_| InvalidPhone::UnknownRegion(code.to_owned()))
    }
}

impl PhoneNumber {
    pub fn parse(raw: &str, default_region: Region) -> Result<Self, InvalidPhone> {
        let number = phonenumber::parse(Some(default_region.0), raw.trim()).map_err(|_| InvalidPhone::Unparsable)?;
        if !phonenumber::is_valid(&number) {
            return Err(InvalidPhone::Invalid);
        }
        Ok(Self(number.format().mode(Mode::E164).to_string()))
    }

    /// A value read back from storage, already in E.164.
    pub fn from_e164(stored: String) -> Self {
        Self(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn si() -> Region {
        Region::parse("SI").unwrap()
    }

    #[test]
    fn a_national_number_is_read_in_the_default_region() {
        assert_eq!(PhoneNumber::parse("040 123 456", si()).unwrap().as_str(), "+38640123456");
    }

    #[test]
    fn an_international_number_keeps_its_own_country() {
        assert_eq!(PhoneNumber::parse("+48 22 123 45 67", si()).unwrap().as_str(), "+48221234567");
        assert_eq!(PhoneNumber::parse("00385 1 2345 678", si()).unwrap().as_str(), "+38512345678");
    }

    #[test]
    fn letters_and_impossible_numbers_are_refused() {
        assert_eq!(PhoneNumber::parse("call me", si()), Err(InvalidPhone::Unparsable));
        assert!(PhoneNumber::parse("+386 1", si()).is_err());
    }

    #[test]
    fn an_unknown_region_is_refused() {
        assert!(Region::parse("XX").is_err());
    }
}
