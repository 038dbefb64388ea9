//! Phone calls reported by the PBX: a customer's call (answered or missed) becomes a call
//! of channel `phone`, linked to the contact whose number it is, naming who took it by
//! extension, with the recording's address; the desk's own outbound calls are not kept.

use chrono::{DateTime, Utc};
use serde_json::json;
use servdesk_domain::Principal;
use servdesk_domain::calls::AlarmAction;
use servdesk_domain::errors::field;
use servdesk_domain::phone::PhoneNumber;
use servdesk_domain::telephony::{self, Direction, Disposition};
use servdesk_domain::tickets::Channel;
use servdesk_persistence::users;

use crate::calls::{Intake, IntakeOutcome};
use crate::{Desk, Error, FieldError, Result, now};

/// A phone call as the PBX reports it.
#[derive(Debug, Clone)]
pub struct PhoneCall {
    pub caller: String,
    pub called: Option<String>,
    pub direction: Direction,
    pub started_at: DateTime<Utc>,
    pub duration_seconds: u32,
    pub missed: bool,
    pub agent_extension: Option<String>,
    pub recording_url: Option<String>,
    /// The PBX's own id of the call.
    pub external_id: Option<String>,
}

/// What became of a reported phone call: the call it is, or why none was kept.
pub enum Logged {
    Kept(Box<IntakeOutcome>),
    NotKept(&'static str),
}

pub async fn log(desk: &Desk, principal: &Principal, report: PhoneCall) -> Result<Logged> {
    let region = desk.config.default_phone_region;
    let mut problems = Vec::new();
    if !telephony::plausible(report.started_at, report.duration_seconds, now()) {
        problems.push(FieldError::new("started_at", field::RANGE, "the call starts in the future or lasts a day or more"));
    }
    let disposition = telephony::disposition(report.direction, report.missed);
    if disposition == Disposition::NotKept {
        return if problems.is_empty() { Ok(Logged::NotKept("outbound")) } else { Err(Error::validation(problems)) };
    }
    // A withheld or foreign-format number is kept as it came; only a number is linked.
    let caller = PhoneNumber::parse(&report.caller, region).ok();
    if report.caller.trim().is_empty() {
        problems.push(FieldError::new("caller", field::REQUIRED, "the caller's number (or `anonymous`)"));
    }
    if !problems.is_empty() {
        return Err(Error::validation(problems));
    }
    let agent = match report.agent_extension.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        Some(extension) => users::by_extension(&desk.db, extension).await?,
        None => None,
    };
    let shown = caller.as_ref().map_or_else(|| report.caller.trim().to_owned(), |p| p.to_string());
    let mut lines = vec![
        format!("{} {}", if report.missed { "Missed call" } else { "Call" }, report.started_at.format("%Y-%m-%d %H:%M UTC")),
        format!("From: {shown}"),
    ];
    if let Some(called) = &report.called {
        lines.push(format!("To: {called}"));
    }
    if !report.missed {
        lines.push(format!("Duration: {}", telephony::spoken_duration(report.duration_seconds)));
    }
    if let Some(agent) = &agent {
        lines.push(format!("Answered by: {}", agent.name));
    }
    if let Some(url) = &report.recording_url {
        lines.push(format!("Recording: {url}"));
    }
    let intake = Intake {
        channel: Channel::Phone,
        subject: Some(telephony::subject(disposition, &shown, report.duration_seconds)),
        body: Some(lines.join("\n")),
        from_name: None,
        from_email: None,
        from_phone: caller,
        customer_id: None,
        contact_id: None,
        dedup_key: None,
        action: AlarmAction::Trigger,
        auto_convert: false,
        metadata: Some(json!({
            "telephony": {
                "direction": report.direction,
                "caller": report.caller,
                "called": report.called,
                "started_at": report.started_at,
                "duration_seconds": report.duration_seconds,
                "missed": report.missed,
                "agent_extension": report.agent_extension,
                "agent_user_id": agent.as_ref().map(|a| a.id),
                "recording_url": report.recording_url,
                "external_id": report.external_id,
            },
            "call_back": disposition == Disposition::CallBack,
        })),
    };
    Ok(Logged::Kept(Box::new(crate::calls::take_in(desk, principal, intake).await?)))
}
