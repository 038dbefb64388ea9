//! Bulk imports of the directory: which kinds of record a file may hold, the columns of each
//! and how a CSV cell becomes the value the kind's create body expects, and the references a
//! row may make by the ERP's ids instead of Servdesk's.
//!
//! A row is the kind's create body as a JSON object (a JSON file is a list of them; a CSV
//! file's header names the fields). A row with an `external_ref` of an existing record
//! changes it by the fields it names, as the upsert by external reference does; any other
//! row creates a record. A row is taken whole or not at all.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::errors::{Code, field};

named_enum! {
    /// What an import creates or changes.
    ImportKind {
        Customers = "customers",
        Contacts = "contacts",
        Locations = "locations",
        Products = "products",
        Equipment = "equipment",
    }
}

named_enum! {
    /// Where an import is: queued and running as a job, then completed (whatever its rows'
    /// outcome) or failed (it could not run to its end; the rows before it are in).
    ImportStatus {
        Queued = "queued",
        Running = "running",
        Completed = "completed",
        Failed = "failed",
    }
}

named_enum! {
    /// The file's format.
    ImportFormat {
        Csv = "csv",
        Json = "json",
    }
}

/// How a CSV cell is read into the row's JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// As it is (ids, dates and enumerations too: the create body checks them).
    Text,
    /// `true`/`false`, `yes`/`no`, `1`/`0`.
    Bool,
    /// A decimal number (point or comma).
    Number,
    /// A whole number.
    Integer,
    /// Several values in one cell, separated by `|`, `;` or `,`.
    List,
}

/// A reference a row may make by the other record's external reference: the column, the
/// create body's field it fills, and the kind (table) it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference {
    pub column: &'static str,
    pub field: &'static str,
    pub table: &'static str,
}

const fn by_ref(column: &'static str, field: &'static str, table: &'static str) -> Reference {
    Reference { column, field, table }
}

impl ImportKind {
    /// The table of its records (as the change feed and external references name them).
    pub fn table(self) -> &'static str {
        self.as_str()
    }

    /// Its columns: the create body's fields.
    pub fn columns(self) -> &'static [(&'static str, Cell)] {
        use Cell::*;
        match self {
            ImportKind::Customers => &[
                ("name", Text),
                ("kind", Text),
                ("tax_id", Text),
                ("email", Text),
                ("phone", Text),
                ("billing_email", Text),
                ("billing_address", Text),
                ("language", Text),
                ("acknowledge_calls", Bool),
                ("auto_resolve_alarms", Bool),
                ("notes", Text),
                ("external_ref", Text),
            ],
            ImportKind::Contacts => &[
                ("customer_id", Text),
                ("name", Text),
                ("email", Text),
                ("phones", List),
                ("job_title", Text),
                ("portal_access", Bool),
                ("preferred_channel", Text),
                ("language", Text),
                ("notes", Text),
                ("external_ref", Text),
            ],
            ImportKind::Locations => &[
                ("customer_id", Text),
                ("name", Text),
                ("address_line", Text),
                ("postal_code", Text),
                ("city", Text),
                ("country", Text),
                ("latitude", Number),
                ("longitude", Number),
                ("notes", Text),
                ("external_ref", Text),
            ],
            ImportKind::Products => {
                &[("name", Text), ("sku", Text), ("default_warranty_months", Integer), ("serial_pattern", Text), ("external_ref", Text)]
            }
            ImportKind::Equipment => &[
                ("product_id", Text),
                ("serial_number", Text),
                ("customer_id", Text),
                ("location_id", Text),
                ("installed_on", Text),
                ("warranty_end", Text),
                ("notes", Text),
                ("contract_id", Text),
                ("external_ref", Text),
            ],
        }
    }

    /// The references its rows may make by external reference (`customer_external_ref`
    /// instead of `customer_id`: what an ERP's export has).
    pub fn references(self) -> &'static [Reference] {
        const CUSTOMER: Reference = by_ref("customer_external_ref", "customer_id", "customers");
        const OF_CUSTOMER: &[Reference] = &[CUSTOMER];
        const OF_EQUIPMENT: &[Reference] = &[
            by_ref("product_external_ref", "product_id", "products"),
            CUSTOMER,
            by_ref("location_external_ref", "location_id", "locations"),
        ];
        match self {
            ImportKind::Customers | ImportKind::Products => &[],
            ImportKind::Contacts | ImportKind::Locations => OF_CUSTOMER,
            ImportKind::Equipment => OF_EQUIPMENT,
        }
    }

    fn cell(self, column: &str) -> Option<Cell> {
        if self.references().iter().any(|r| r.column == column) {
            return Some(Cell::Text);
        }
        self.columns().iter().find(|(name, _)| *name == column).map(|(_, cell)| *cell)
    }

    /// Every column a file of this kind may have, in the documented order.
    pub fn all_columns(self) -> Vec<&'static str> {
        let mut all: Vec<&'static str> = self.columns().iter().map(|(name, _)| *name).collect();
        all.extend(self.references().iter().map(|r| r.column));
        all
    }
}

/// An import as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub id: Uuid,
    pub kind: ImportKind,
    pub format: ImportFormat,
    /// Checked as if imported, every row, and nothing kept.
    pub dry_run: bool,
    pub status: ImportStatus,
    pub file_name: Option<String>,
    pub total_rows: i64,
    pub processed_rows: i64,
    pub created_rows: i64,
    pub updated_rows: i64,
    pub failed_rows: i64,
    /// Why it failed, when it did.
    pub error: Option<String>,
    pub requested_by: Option<Uuid>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Something wrong with a row: the field (as in the create body, or the column) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub field: Option<String>,
    pub code: String,
    pub message: String,
}

impl RowProblem {
    pub fn new(field: Option<&str>, code: Code, message: impl Into<String>) -> Self {
        Self { field: field.map(str::to_owned), code: code.as_str().to_owned(), message: message.into() }
    }
}

/// A file's rows, numbered as a person finds them again: the CSV line a row starts on, or
/// the JSON list's position counted from 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub number: i64,
    pub fields: Map<String, Value>,
}

/// Why a whole file is refused (before anything is queued).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileProblem {
    /// Not CSV or JSON of the expected shape.
    Unreadable(String),
    /// Columns (or keys) the kind does not have.
    UnknownColumns(Vec<String>),
    /// No rows at all.
    Empty,
    /// More rows than one import takes.
    TooManyRows(usize),
}

/// The columns of a header not among `kind`'s, and the header's names cleaned (trimmed,
/// lower case) for reading the rows. A column named twice is unknown the second time.
pub fn header(kind: ImportKind, names: &[String]) -> Result<Vec<String>, FileProblem> {
    let cleaned: Vec<String> = names.iter().map(|n| n.trim().to_lowercase()).collect();
    let mut unknown = Vec::new();
    for (i, name) in cleaned.iter().enumerate() {
        if kind.cell(name).is_none() || cleaned[..i].contains(name) {
            unknown.push(names[i].clone());
        }
    }
    if unknown.is_empty() { Ok(cleaned) } else { Err(FileProblem::UnknownColumns(unknown)) }
}

/// The keys of a JSON row that `kind` does not have.
pub fn unknown_keys(kind: ImportKind, row: &Map<String, Value>) -> Vec<String> {
    row.keys().filter(|k| kind.cell(k).is_none()).cloned().collect()
}

/// A CSV record as the row's JSON object: an empty cell is absent (the create body's
/// default holds), the others typed by their column. A cell of the wrong type is a problem
/// of that column.
pub fn typed_row(kind: ImportKind, header: &[String], cells: &[String]) -> Result<Map<String, Value>, Vec<RowProblem>> {
    let mut row = Map::new();
    let mut problems = Vec::new();
    if cells.len() > header.len() {
        problems.push(RowProblem::new(
            None,
            field::LENGTH,
            format!("the row has {} cells, the header {} columns", cells.len(), header.len()),
        ));
    }
    for (name, raw) in header.iter().zip(cells) {
        let text = raw.trim();
        if text.is_empty() {
            continue;
        }
        let value = match kind.cell(name).unwrap_or(Cell::Text) {
            Cell::Text => Some(Value::String(text.to_owned())),
            Cell::Bool => boolean(text).map(Value::Bool),
            Cell::Number => text.replace(',', ".").parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number),
            Cell::Integer => text.parse::<i64>().ok().map(Value::from),
            Cell::List => Some(Value::Array(
                text.split(['|', ';', ',']).map(str::trim).filter(|v| !v.is_empty()).map(|v| Value::String(v.to_owned())).collect(),
            )),
        };
        match value {
            Some(v) => {
                row.insert(name.clone(), v);
            }
            None => problems.push(RowProblem::new(Some(name), field::TYPE, format!("{text:?} is not {}", cell_name(kind, name)))),
        }
    }
    if problems.is_empty() { Ok(row) } else { Err(problems) }
}

fn boolean(text: &str) -> Option<bool> {
    match text.to_lowercase().as_str() {
        "true" | "yes" | "1" | "y" => Some(true),
        "false" | "no" | "0" | "n" => Some(false),
        _ => None,
    }
}

fn cell_name(kind: ImportKind, column: &str) -> &'static str {
    match kind.cell(column) {
        Some(Cell::Bool) => "true or false",
        Some(Cell::Number) => "a number",
        Some(Cell::Integer) => "a whole number",
        _ => "text",
    }
}

/// The row's external reference, as the error report names a row by it.
pub fn external_ref_of(row: &Map<String, Value>) -> Option<String> {
    row.get("external_ref").and_then(Value::as_str).map(|r| r.trim().chars().take(128).collect())
}

/// The most rows one import takes (a larger file is split by its sender).
pub const MAX_ROWS: usize = 1_000_000;

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_header_is_read_in_any_case_and_unknown_or_repeated_columns_are_named() {
        assert_eq!(header(ImportKind::Contacts, &strings(&[" Name", "EMAIL"])).unwrap(), strings(&["name", "email"]));
        assert_eq!(
            header(ImportKind::Contacts, &strings(&["name", "emial", "name"])),
            Err(FileProblem::UnknownColumns(strings(&["emial", "name"])))
        );
        assert!(header(ImportKind::Equipment, &strings(&["serial_number", "product_external_ref"])).is_ok());
        assert!(header(ImportKind::Customers, &strings(&["customer_external_ref"])).is_err());
    }

    #[test]
    fn cells_are_typed_by_their_column_and_empty_cells_are_left_out() {
        let head = strings(&["name", "portal_access", "phones", "notes"]);
        let row = typed_row(ImportKind::Contacts, &head, &strings(&["Maja", "Yes", "040 123 456 | 01 234 5678", ""])).unwrap();
        assert_eq!(
            Value::Object(row),
            serde_json::json!({"name": "Maja", "portal_access": true, "phones": ["040 123 456", "01 234 5678"]})
        );
        let head = strings(&["latitude", "default_warranty_months"]);
        let located = typed_row(ImportKind::Locations, &head[..1], &strings(&["46,05"])).unwrap();
        assert_eq!(located.get("latitude"), Some(&serde_json::json!(46.05)));
        let product = typed_row(ImportKind::Products, &head[1..], &strings(&["24"])).unwrap();
        assert_eq!(product.get("default_warranty_months"), Some(&serde_json::json!(24)));
    }

    #[test]
    fn a_cell_of_the_wrong_type_or_a_row_longer_than_the_header_is_a_problem_of_the_row() {
        let head = strings(&["name", "acknowledge_calls"]);
        let problems = typed_row(ImportKind::Customers, &head, &strings(&["Novak", "maybe", "extra"])).unwrap_err();
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0].code, "length");
        assert_eq!(problems[1].field.as_deref(), Some("acknowledge_calls"));
        assert_eq!(problems[1].code, "type");
    }

    #[test]
    fn a_json_row_s_unknown_keys_are_named() {
        let row = serde_json::json!({"name": "A", "customer_external_ref": "C-1", "colour": "red"});
        assert_eq!(unknown_keys(ImportKind::Locations, row.as_object().unwrap()), strings(&["colour"]));
    }

    #[test]
    fn every_kind_names_a_table_with_external_references_and_its_references_fill_its_columns() {
        for kind in ImportKind::ALL {
            assert!(kind.columns().iter().any(|(c, _)| *c == "external_ref"), "{kind}");
            for r in kind.references() {
                assert!(kind.columns().iter().any(|(c, _)| *c == r.field), "{kind}: {}", r.field);
            }
        }
    }
}
