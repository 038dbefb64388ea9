//! A billing statement, printed (PDF, the same renderer as the intervention report) and
//! exported for the ERP (CSV, one row per line, delimiter and decimal mark chosen by the
//! caller because Polish and Italian spreadsheets read `;` and decimal commas).

use chrono::{DateTime, NaiveDate, Utc};
use servdesk_domain::billing::money::decimal;
use servdesk_domain::billing::runs::Statement;
use servdesk_domain::billing::statements::{Line, LineKind};
use servdesk_domain::completion::{format_minutes, format_money, format_quantity};

use crate::csv::{Format, Writer};
use crate::pdf::{CONTENT_WIDTH, Column, Document, MARGIN, PAGE_HEIGHT, PAGE_WIDTH, text_width};

/// Everything a printed or exported statement shows, gathered by the caller.
pub struct Sheet {
    pub company_name: String,
    pub company_address: Option<String>,
    pub customer_name: String,
    pub customer_address: Option<String>,
    pub customer_tax_id: Option<String>,
    pub statement: Statement,
    pub lines: Vec<Line>,
    pub generated_at: DateTime<Utc>,
}

impl Sheet {
    fn title(&self) -> String {
        match &self.statement.number {
            Some(number) => format!("Statement {number}"),
            None => "Statement (draft)".to_owned(),
        }
    }
}

fn period_text(first: NaiveDate, last: NaiveDate) -> String {
    if first == last { first.to_string() } else { format!("{first} – {last}") }
}

/// What a line's quantity column says: time for work, the amount of material, the days of a
/// flat fee.
fn quantity(line: &Line) -> String {
    match line.kind {
        LineKind::Work if line.included_minutes > 0 => {
            format!("{} ({} incl.)", format_minutes(line.minutes), format_minutes(line.included_minutes))
        }
        LineKind::Work => format_minutes(line.minutes),
        LineKind::Material => {
            format!("{} {}", format_quantity(line.quantity_milli.unwrap_or(0)), line.unit.as_deref().unwrap_or_default())
        }
        LineKind::FlatFee => line.days.map(|d| format!("{} d", d.count())).unwrap_or_default(),
    }
}

fn date_text(line: &Line) -> String {
    match (line.date, line.days) {
        (Some(date), _) => date.to_string(),
        (None, Some(days)) => period_text(days.first, days.last),
        (None, None) => String::new(),
    }
}

/// The statement as a printable PDF.
pub fn render_pdf(sheet: &Sheet) -> Vec<u8> {
    let title = sheet.title();
    let mut doc = Document::new(&format!("{title} · {}", sheet.company_name));
    let top = PAGE_HEIGHT - MARGIN;
    doc.text_at(MARGIN, top - 14.0, 14.0, true, &sheet.company_name);
    if let Some(address) = &sheet.company_address {
        doc.text_at(MARGIN, top - 28.0, 8.5, false, address);
    }
    let right = |text: &str, size: f32, bold: bool| PAGE_WIDTH - MARGIN - text_width(text, size, bold);
    doc.text_at(right(&title, 14.0, true), top - 14.0, 14.0, true, &title);
    let period = format!("Period {}", period_text(sheet.statement.period.first, sheet.statement.period.last));
    doc.text_at(right(&period, 9.0, false), top - 28.0, 9.0, false, &period);
    let generated = format!("Generated {}", sheet.generated_at.format("%Y-%m-%d %H:%M UTC"));
    doc.text_at(right(&generated, 7.5, false), top - 40.0, 7.5, false, &generated);
    doc.space(48.0);
    doc.rule(1.0);
    doc.space(8.0);
    doc.field("Customer", &sheet.customer_name);
    if let Some(address) = &sheet.customer_address {
        doc.field("Billing address", address);
    }
    if let Some(tax_id) = &sheet.customer_tax_id {
        doc.field("Tax id", tax_id);
    }
    if let Some(invoice) = &sheet.statement.invoice {
        doc.field("Invoice", &format!("{} of {}", invoice.number, invoice.issued_on));
    }

    let sections = [(LineKind::FlatFee, "Flat fees"), (LineKind::Work, "Work"), (LineKind::Material, "Materials")];
    for (kind, heading) in sections {
        let lines: Vec<&Line> = sheet.lines.iter().filter(|l| l.kind == kind).collect();
        if lines.is_empty() {
            continue;
        }
        doc.heading(heading);
        let columns = [
            Column { header: "Date", width: 78.0, right: false },
            Column { header: "Description", width: CONTENT_WIDTH - 78.0 - 92.0 - 80.0 - 90.0, right: false },
            Column { header: "Quantity", width: 92.0, right: true },
            Column { header: "Rate", width: 80.0, right: true },
            Column { header: "Amount", width: 90.0, right: true },
        ];
        let rows: Vec<Vec<String>> = lines
            .iter()
            .map(|l| {
                let mut description = l.description.clone();
                if let Some(basis) = l.basis.filter(|_| l.kind != LineKind::FlatFee) {
                    description.push_str(&format!(" [{basis}]"));
                }
                if l.late {
                    description.push_str(" [late]");
                }
                vec![
                    date_text(l),
                    description,
                    quantity(l),
                    l.unit_price_minor.map(|r| format_money(r, &l.currency)).unwrap_or_default(),
                    format_money(l.amount_minor, &l.currency),
                ]
            })
            .collect();
        doc.table(&columns, &rows, None);
    }

    doc.heading("Total (net)");
    for (currency, amount) in &sheet.statement.totals {
        doc.field(currency, &format_money(*amount, currency));
    }
    if sheet.statement.totals.is_empty() {
        doc.paragraph("Nothing to bill.", 9.5);
    }
    doc.finish(&title)
}

const HEADER: [&str; 24] = [
    "statement",
    "customer",
    "period_from",
    "period_to",
    "line",
    "kind",
    "basis",
    "description",
    "date",
    "from",
    "to",
    "minutes",
    "included_minutes",
    "billed_minutes",
    "quantity",
    "unit",
    "unit_price",
    "rate_source",
    "amount",
    "currency",
    "late",
    "source",
    "source_id",
    "ticket_id",
];

/// The statement as CSV: a header, then one row per line. UTF-8; amounts are decimals with
/// the chosen mark, without grouping, so spreadsheets read them as numbers.
pub fn csv(sheet: &Sheet, format: Format) -> String {
    let decimal_mark = format.decimal_mark;
    let mut out = Writer::new(format.delimiter);
    out.row(&HEADER);
    let s = &sheet.statement;
    for (n, l) in sheet.lines.iter().enumerate() {
        let money = |minor: i64| decimal(minor, &l.currency, decimal_mark);
        let (source, source_id) = match l.kind {
            LineKind::FlatFee => ("contract_period", l.contract_id),
            LineKind::Work => ("time_entry", l.time_entry_id),
            LineKind::Material => ("material", l.material_id),
        };
        let quantity_text = l.quantity_milli.map(|q| format_quantity(q).replace('.', &decimal_mark.to_string())).unwrap_or_default();
        out.row(&[
            s.number.clone().unwrap_or_default(),
            sheet.customer_name.clone(),
            s.period.first.to_string(),
            s.period.last.to_string(),
            (n + 1).to_string(),
            l.kind.to_string(),
            l.basis.map(|b| b.to_string()).unwrap_or_default(),
            l.description.clone(),
            l.date.map(|d| d.to_string()).unwrap_or_default(),
            l.days.map(|d| d.first.to_string()).unwrap_or_default(),
            l.days.map(|d| d.last.to_string()).unwrap_or_default(),
            l.minutes.to_string(),
            l.included_minutes.to_string(),
            l.billed_minutes.to_string(),
            quantity_text,
            l.unit.clone().unwrap_or_default(),
            l.unit_price_minor.map(money).unwrap_or_default(),
            l.rate_source.map(|r| r.to_string()).unwrap_or_default(),
            money(l.amount_minor),
            l.currency.clone(),
            l.late.to_string(),
            source.to_owned(),
            source_id.map(|i| i.to_string()).unwrap_or_default(),
            l.ticket_id.map(|i| i.to_string()).unwrap_or_default(),
        ]);
    }
    out.finish()
}
