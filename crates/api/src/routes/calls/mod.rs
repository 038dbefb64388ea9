//! Calls: intake from every channel (with monitoring de-duplication and acknowledgements),
//! the untriaged queue, triage, and the triage rules applied at intake.

pub mod dto;
pub mod intake;
pub mod rules;
pub mod telephony;
pub mod triage;

use utoipa_actix_web::service_config::ServiceConfig;

/// The calls area's routes: intake and triage.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.configure(intake::configure).configure(triage::configure).configure(rules::configure).configure(telephony::configure);
}
