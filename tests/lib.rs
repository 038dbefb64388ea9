//! Shared helpers live in e2e/support; this crate exists to hold the e2e test binary.
