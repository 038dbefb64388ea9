//! Calls: intake from every channel (with monitoring de-duplication and acknowledgements),
//! the untriaged queue, and triage.

pub mod dto;
pub mod intake;
pub mod triage;
