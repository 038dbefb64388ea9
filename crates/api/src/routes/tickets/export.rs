//! Tickets as a spreadsheet: the CSV a list of tickets exports, one row per ticket, names
//! beside ids, a column per custom field of tickets (`cf.<key>`).

use servdesk_documents::csv::Format;
use servdesk_domain::custom_fields::FieldDefinition;

use crate::conventions::export::{cell, sheet};
use crate::dto::TicketOut;
use crate::dto::names::Names;

const COLUMNS: [&str; 33] = [
    "number",
    "title",
    "status",
    "status_class",
    "priority",
    "category",
    "type",
    "channel",
    "customer",
    "customer_id",
    "contact_id",
    "location_id",
    "equipment_id",
    "serial_number",
    "team_id",
    "assignee_id",
    "reported_at",
    "expected_close_on",
    "warranty",
    "paid",
    "tags",
    "tasks_done",
    "tasks_total",
    "minutes",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "contract_id",
    "external_ref",
    "id",
    "version",
    "created_at",
    "updated_at",
];

/// The CSV of `tickets`, with a column per field of `fields` after the ticket's own.
pub fn csv(tickets: &[TicketOut], names: &Names, fields: &[FieldDefinition], format: Format) -> String {
    sheet(
        format,
        &COLUMNS,
        fields,
        tickets,
        |t| {
            vec![
                t.number.clone(),
                t.title.clone(),
                t.status.name.clone(),
                cell(t.status.class),
                names.entry(Some(t.priority_id)),
                names.entry(t.category_id),
                names.entry(t.type_id),
                t.channel.to_string(),
                names.customer(t.customer_id),
                cell(t.customer_id),
                cell(t.contact_id),
                cell(t.location_id),
                cell(t.equipment_id),
                cell(t.serial_number.as_ref()),
                cell(t.team_id),
                cell(t.assignee_id),
                t.reported_at.to_rfc3339(),
                cell(t.expected_close_on),
                t.warranty.to_string(),
                t.paid.to_string(),
                t.tags.join("|"),
                t.progress.tasks_done.to_string(),
                t.progress.tasks_total.to_string(),
                t.time.minutes.to_string(),
                cell(t.first_response_at.map(|at| at.to_rfc3339())),
                cell(t.resolved_at.map(|at| at.to_rfc3339())),
                cell(t.closed_at.map(|at| at.to_rfc3339())),
                cell(t.contract_id),
                cell(t.external_ref.as_ref()),
                t.id.to_string(),
                t.version.to_string(),
                t.created_at.to_rfc3339(),
                t.updated_at.to_rfc3339(),
            ]
        },
        |t| &t.custom_fields,
    )
}
