//! Tasks as a spreadsheet: the CSV a list of tasks exports, one row per task, names beside
//! ids, a column per custom field of tasks (`cf.<key>`).

use servdesk_documents::csv::Format;
use servdesk_domain::custom_fields::FieldDefinition;

use crate::conventions::export::{cell, sheet};
use crate::dto::TaskOut;
use crate::dto::names::Names;

const COLUMNS: [&str; 25] = [
    "number",
    "title",
    "status",
    "ticket_id",
    "category",
    "type",
    "priority",
    "customer",
    "customer_id",
    "contact_id",
    "location_id",
    "assignee_id",
    "partner_id",
    "planned_start",
    "planned_end",
    "warranty",
    "paid",
    "minutes",
    "completed_at",
    "external_ref",
    "id",
    "version",
    "created_at",
    "updated_at",
    "description",
];

/// The CSV of `tasks`, with a column per field of `fields` after the task's own.
pub fn csv(tasks: &[TaskOut], names: &Names, fields: &[FieldDefinition], format: Format) -> String {
    sheet(
        format,
        &COLUMNS,
        fields,
        tasks,
        |t| {
            vec![
                t.number.clone(),
                t.title.clone(),
                t.status.to_string(),
                t.ticket_id.to_string(),
                names.entry(t.category_id),
                names.entry(t.type_id),
                names.entry(Some(t.priority_id)),
                names.customer(t.customer_id),
                cell(t.customer_id),
                cell(t.contact_id),
                cell(t.location_id),
                cell(t.assignee_id),
                cell(t.partner_id),
                cell(t.planned_start.map(|at| at.to_rfc3339())),
                cell(t.planned_end.map(|at| at.to_rfc3339())),
                t.warranty.to_string(),
                t.paid.to_string(),
                t.time.minutes.to_string(),
                cell(t.completed_at.map(|at| at.to_rfc3339())),
                cell(t.external_ref.as_ref()),
                t.id.to_string(),
                t.version.to_string(),
                t.created_at.to_rfc3339(),
                t.updated_at.to_rfc3339(),
                cell(t.description.as_ref()),
            ]
        },
        |t| &t.custom_fields,
    )
}
