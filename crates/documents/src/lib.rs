//! Servdesk's documents: the PDFs it writes itself — the intervention report of a task (and
//! later the billing statements). Rendering only: the use cases gather the data and keep the
//! result; nothing here touches the database or the file store.

pub mod csv;
pub mod intervention;
pub mod pdf;
pub mod statement;
