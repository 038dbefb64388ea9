//! Documents Servdesk writes itself: the intervention report of a task (and later the
//! billing statements).

pub mod intervention;
pub mod pdf;
