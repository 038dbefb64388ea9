//! The intervention report: one task's work as the customer signs it off — who, where, on
//! what, what was done, checked, used and spent, with photos and the signature.

use chrono::{DateTime, NaiveDate, Utc};
use servdesk_domain::completion::{Material, format_minutes, format_money, format_quantity};

use crate::pdf::{CONTENT_WIDTH, Column, Document, Image, MARGIN, PAGE_HEIGHT, PAGE_WIDTH, text_width};

/// Largest side of a photo thumbnail or signature in the report, in pixels (PNGs are scaled
/// down to it; JPEGs are drawn at thumbnail size as they are).
pub const THUMBNAIL_PIXELS: u32 = 640;

pub struct ChecklistLine {
    pub text: String,
    pub checked: bool,
    /// Who checked it and when, as a line of text.
    pub checked_by: Option<String>,
}

pub struct TimeLine {
    pub date: NaiveDate,
    pub person: String,
    pub minutes: i64,
    pub note: Option<String>,
}

pub struct Signature {
    pub image: Image,
    pub signer_name: String,
    pub signed_at: DateTime<Utc>,
}

/// Everything the report shows, gathered by the caller.
pub struct Report {
    pub company_name: String,
    pub company_address: Option<String>,
    pub ticket_number: String,
    pub task_number: String,
    pub task_title: String,
    pub task_description: Option<String>,
    /// Completed, or a work order still open (printed to take along).
    pub completed: bool,
    pub customer: Option<String>,
    pub location: Option<String>,
    pub contact: Option<String>,
    pub equipment: Option<String>,
    pub warranty: bool,
    pub technician: Option<String>,
    pub planned: Option<String>,
    pub completed_at: Option<DateTime<Utc>>,
    pub work_done: Option<String>,
    pub checklist: Vec<ChecklistLine>,
    pub time: Vec<TimeLine>,
    pub materials: Vec<Material>,
    pub currency: String,
    pub photos: Vec<(Image, String)>,
    pub signature: Option<Signature>,
    pub generated_at: DateTime<Utc>,
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Renders the report as a PDF.
pub fn render(report: Report) -> Vec<u8> {
    let title = if report.completed { "Intervention report" } else { "Work order" };
    let mut doc = Document::new(&format!("{} {} · {}", title, report.task_number, report.company_name));

    // Header: the company on the left, what this is on the right.
    let top = PAGE_HEIGHT - MARGIN;
    doc.text_at(MARGIN, top - 14.0, 14.0, true, &report.company_name);
    if let Some(address) = &report.company_address {
        doc.text_at(MARGIN, top - 28.0, 8.5, false, address);
    }
    let right = |text: &str, size: f32, bold: bool| PAGE_WIDTH - MARGIN - text_width(text, size, bold);
    doc.text_at(right(title, 14.0, true), top - 14.0, 14.0, true, title);
    let numbers = format!("Task {}   Ticket {}", report.task_number, report.ticket_number);
    doc.text_at(right(&numbers, 9.0, false), top - 28.0, 9.0, false, &numbers);
    let generated = format!("Generated {}", stamp(report.generated_at));
    doc.text_at(right(&generated, 7.5, false), top - 40.0, 7.5, false, &generated);
    doc.space(48.0);
    doc.rule(1.0);
    doc.space(8.0);

    doc.field("Task", &report.task_title);
    if let Some(c) = &report.customer {
        doc.field("Customer", c);
    }
    if let Some(l) = &report.location {
        doc.field("Location", l);
    }
    if let Some(c) = &report.contact {
        doc.field("Contact", c);
    }
    if let Some(e) = &report.equipment {
        doc.field("Equipment", e);
    }
    doc.field("Warranty", if report.warranty { "Yes" } else { "No" });
    if let Some(t) = &report.technician {
        doc.field("Technician", t);
    }
    if let Some(p) = &report.planned {
        doc.field("Planned", p);
    }
    if let Some(at) = report.completed_at {
        doc.field("Completed", &stamp(at));
    }
    if let Some(d) = &report.task_description {
        doc.heading("Assignment");
        doc.paragraph(d, 9.5);
    }

    doc.heading("Work done");
    doc.paragraph(report.work_done.as_deref().unwrap_or("(not completed yet)"), 9.5);

    if !report.checklist.is_empty() {
        doc.heading("Checklist");
        let columns = [
            Column { header: "", width: 28.0, right: false },
            Column { header: "Item", width: CONTENT_WIDTH - 28.0 - 170.0, right: false },
            Column { header: "Checked by", width: 170.0, right: false },
        ];
        let rows: Vec<Vec<String>> = report
            .checklist
            .iter()
            .map(|l| vec![if l.checked { "[x]" } else { "[ ]" }.to_owned(), l.text.clone(), l.checked_by.clone().unwrap_or_default()])
            .collect();
        doc.table(&columns, &rows, None);
    }

    if !report.time.is_empty() {
        doc.heading("Time");
        let columns = [
            Column { header: "Date", width: 70.0, right: false },
            Column { header: "Technician", width: 130.0, right: false },
            Column { header: "Note", width: CONTENT_WIDTH - 70.0 - 130.0 - 80.0, right: false },
            Column { header: "Time", width: 80.0, right: true },
        ];
        let rows: Vec<Vec<String>> = report
            .time
            .iter()
            .map(|t| vec![t.date.to_string(), t.person.clone(), t.note.clone().unwrap_or_default(), format_minutes(t.minutes)])
            .collect();
        let total: i64 = report.time.iter().map(|t| t.minutes).sum();
        let total_row = ["Total".to_owned(), String::new(), String::new(), format_minutes(total)];
        doc.table(&columns, &rows, Some(&total_row));
    }

    if !report.materials.is_empty() {
        doc.heading("Materials");
        let columns = [
            Column { header: "Description", width: CONTENT_WIDTH - 60.0 - 45.0 - 90.0 - 90.0, right: false },
            Column { header: "Qty", width: 60.0, right: true },
            Column { header: "Unit", width: 45.0, right: false },
            Column { header: "Unit price", width: 90.0, right: true },
            Column { header: "Amount", width: 90.0, right: true },
        ];
        let currency = &report.currency;
        let rows: Vec<Vec<String>> = report
            .materials
            .iter()
            .map(|m| {
                vec![
                    m.description.clone(),
                    format_quantity(m.quantity_milli),
                    m.unit.clone(),
                    format_money(m.unit_price_minor, currency),
                    format_money(m.total_minor, currency),
                ]
            })
            .collect();
        let total: i64 = report.materials.iter().map(|m| m.total_minor).sum();
        let total_row = ["Total".to_owned(), String::new(), String::new(), String::new(), format_money(total, currency)];
        doc.table(&columns, &rows, Some(&total_row));
    }

    if !report.photos.is_empty() {
        doc.heading("Photos");
        let photos: Vec<(usize, String)> = report.photos.into_iter().map(|(image, caption)| (doc.add_image(image), caption)).collect();
        doc.image_grid(&photos, 4, (CONTENT_WIDTH - 3.0 * 10.0) / 4.0);
    }

    match report.signature {
        Some(sig) => {
            let image = doc.add_image(sig.image);
            let (w, h) = doc.fit(image, 220.0, 90.0);
            doc.heading_keeping("Customer's signature", h + 32.0);
            doc.space(h);
            doc.image(image, MARGIN, doc.cursor(), w, h);
            doc.space(4.0);
            doc.field("Signed by", &sig.signer_name);
            doc.field("Signed at", &stamp(sig.signed_at));
        }
        None => {
            doc.heading("Customer's signature");
            doc.paragraph("Not signed.", 9.5);
        }
    }
    doc.finish(&format!("{title} {}", report.task_number))
}
