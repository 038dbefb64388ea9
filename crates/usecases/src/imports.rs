//! Bulk imports of the directory: a file is checked whole as it arrives (its format, its
//! columns, its size) and queued with its job in one commit; the job then takes its rows in
//! batches, each row in a savepoint of its batch so a row is in whole or not at all, and
//! keeps what it could not take, with why, for the report.
//!
//! A batch commits with the counts and the problems of its rows, so a job taken over after a
//! crash carries on after the last batch in. A dry run does the same and rolls each batch
//! back: every check a real import makes (references, uniqueness) is made, nothing is kept.
//! The rows themselves are written through the API's create and upsert (`RowWriter`), so a
//! row is checked exactly as the same record sent to `POST` or `PUT …/by-external-ref/…`.

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use servdesk_documents::csv::{self, Records};
use servdesk_domain::Principal;
use servdesk_domain::errors::{ErrorKind, code, field};
use servdesk_domain::imports::{self as rules, FileProblem, Import, ImportFormat, ImportKind, ImportStatus, RowProblem};
use servdesk_persistence::imports::{self as store, Progress};
use servdesk_persistence::jobs::{self, Job, NewJob};
use servdesk_persistence::{DatabaseConnection, DatabaseTransaction, TransactionTrait, external_refs};
use uuid::Uuid;

use crate::jobs::{JobFuture, JobHandler};
use crate::{Desk, Error, FieldError, Result, commit, now};

/// The job that runs an import.
pub const RUN_JOB: &str = "imports.run";

/// Rows per transaction: large enough that commits do not dominate, small enough that a
/// batch holds its locks (and, on SQLite, the one connection) briefly.
const ROWS_PER_BATCH: usize = 500;

/// What a row did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Created,
    Updated,
}

/// Writes one row of a kind as the API's create or upsert would (the shapes and checks of
/// the request bodies belong to the HTTP layer, which supplies this; see `Desk::rows`).
pub trait RowWriter: Send + Sync + 'static {
    fn write<'a>(
        &'a self,
        desk: &'a Desk,
        conn: &'a DatabaseTransaction,
        kind: ImportKind,
        row: Map<String, Value>,
    ) -> BoxFuture<'a, Result<Written>>;
}

/// A file to import.
pub struct Upload {
    pub kind: ImportKind,
    pub format: ImportFormat,
    pub dry_run: bool,
    pub file_name: Option<String>,
    pub content: String,
}

/// Checks the file whole and queues its import (the import and its job in one commit).
pub async fn start(desk: &Desk, principal: &Principal, upload: Upload) -> Result<Import> {
    let total = count_rows(upload.kind, upload.format, &upload.content).map_err(refused)?;
    let at = now();
    let import = Import {
        id: Uuid::now_v7(),
        kind: upload.kind,
        format: upload.format,
        dry_run: upload.dry_run,
        status: ImportStatus::Queued,
        file_name: upload.file_name,
        total_rows: total as i64,
        processed_rows: 0,
        created_rows: 0,
        updated_rows: 0,
        failed_rows: 0,
        error: None,
        requested_by: principal.user_id(),
        started_at: None,
        finished_at: None,
        version: 1,
        created_at: at,
        updated_at: at,
    };
    let txn = desk.db.begin().await?;
    store::create(&txn, &import, upload.content).await?;
    jobs::enqueue(&txn, NewJob::now(RUN_JOB, serde_json::json!({ "import_id": import.id }), at), at).await?;
    commit(txn).await?;
    Ok(import)
}

/// Why a file is refused, as the caller's error.
fn refused(problem: FileProblem) -> Error {
    match problem {
        FileProblem::Unreadable(why) => Error::new(code::INVALID_BODY, format!("the file cannot be read: {why}")),
        FileProblem::Empty => Error::new(code::INVALID_BODY, "the file has no rows"),
        FileProblem::TooManyRows(max) => Error::new(code::PAYLOAD_TOO_LARGE, format!("one import takes at most {max} rows")),
        FileProblem::UnknownColumns(columns) => Error::validation(
            columns
                .into_iter()
                .map(|c| FieldError::new(&c, field::UNKNOWN, format!("{c:?} is not a column of this kind (see the documented columns)")))
                .collect(),
        ),
    }
}

/// A file's rows, read one at a time.
enum Rows<'a> {
    Csv { kind: ImportKind, header: Vec<String>, records: Records<'a> },
    Json { kind: ImportKind, items: std::iter::Enumerate<std::vec::IntoIter<&'a RawValue>> },
}

/// A row as read: its number, and its fields or what is wrong with its cells.
type ReadRow = (i64, std::result::Result<Map<String, Value>, Vec<RowProblem>>);

impl<'a> Rows<'a> {
    fn open(kind: ImportKind, format: ImportFormat, content: &'a str) -> std::result::Result<Self, FileProblem> {
        match format {
            ImportFormat::Csv => {
                let mut records = Records::new(content, csv::sniff(content));
                let first = records.next().ok_or(FileProblem::Empty)?.map_err(unreadable)?;
                let header = rules::header(kind, &first.fields)?;
                Ok(Rows::Csv { kind, header, records })
            }
            ImportFormat::Json => {
                let items: Vec<&RawValue> = serde_json::from_str(content)
                    .map_err(|e| FileProblem::Unreadable(format!("a JSON list of objects is expected ({e})")))?;
                Ok(Rows::Json { kind, items: items.into_iter().enumerate() })
            }
        }
    }
}

fn unreadable(e: csv::ReadError) -> FileProblem {
    FileProblem::Unreadable(format!("line {}: {}", e.line, e.message))
}

impl Iterator for Rows<'_> {
    type Item = std::result::Result<ReadRow, FileProblem>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Rows::Csv { kind, header, records } => Some(
                records.next()?.map(|record| (record.line as i64, rules::typed_row(*kind, header, &record.fields))).map_err(unreadable),
            ),
            Rows::Json { kind, items } => {
                let (index, raw) = items.next()?;
                let number = index as i64 + 1;
                Some(match serde_json::from_str::<Map<String, Value>>(raw.get()) {
                    Err(_) => Err(FileProblem::Unreadable(format!("item {number} is not an object"))),
                    Ok(row) => match rules::unknown_keys(*kind, &row) {
                        unknown if unknown.is_empty() => Ok((number, Ok(row))),
                        unknown => Err(FileProblem::UnknownColumns(unknown)),
                    },
                })
            }
        }
    }
}

/// The number of rows of a file, or why it cannot be imported at all.
fn count_rows(kind: ImportKind, format: ImportFormat, content: &str) -> std::result::Result<usize, FileProblem> {
    let mut total = 0usize;
    for row in Rows::open(kind, format, content)? {
        let (_number, _cells) = row?;
        total += 1;
        if total > rules::MAX_ROWS {
            return Err(FileProblem::TooManyRows(rules::MAX_ROWS));
        }
    }
    if total == 0 { Err(FileProblem::Empty) } else { Ok(total) }
}

/// Runs import jobs.
pub struct Run {
    desk: Desk,
    writer: Arc<dyn RowWriter>,
}

impl Run {
    pub fn new(desk: Desk, writer: Arc<dyn RowWriter>) -> Self {
        Self { desk, writer }
    }
}

impl JobHandler for Run {
    fn run<'a>(&'a self, job: &'a Job, _db: &'a DatabaseConnection) -> JobFuture<'a> {
        Box::pin(async move {
            let id = job
                .payload
                .get("import_id")
                .and_then(Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok())
                .ok_or_else(|| "the job names no import".to_owned())?;
            match run(&self.desk, self.writer.as_ref(), id).await {
                Ok(()) => Ok(()),
                Err(e) => {
                    let why = e.detail.clone().unwrap_or_else(|| e.to_string());
                    // The last attempt ends the import, so it never looks as if it were
                    // still running; the rows before the failure are in.
                    if job.attempts >= job.max_attempts {
                        store::finish(&self.desk.db, id, ImportStatus::Failed, Some(why.clone()), now())
                            .await
                            .map_err(|e| e.to_string())?;
                    }
                    Err(why)
                }
            }
        })
    }
}

/// Runs (or carries on) an import.
async fn run(desk: &Desk, writer: &dyn RowWriter, id: Uuid) -> Result<()> {
    let db = &desk.db;
    let import = store::get(db, id).await?;
    if matches!(import.status, ImportStatus::Completed | ImportStatus::Failed) {
        return Ok(());
    }
    store::start(db, id, now()).await?;
    let Some(content) = store::content(db, id).await? else { return Ok(()) };
    let mut rows = match Rows::open(import.kind, import.format, &content) {
        Ok(rows) => rows.skip(import.processed_rows.max(0) as usize),
        Err(problem) => return fail(desk, id, problem).await,
    };
    let mut progress = Progress {
        processed: import.processed_rows,
        created: import.created_rows,
        updated: import.updated_rows,
        failed: import.failed_rows,
    };
    let mut references = References::default();
    let mut careful = false;
    let started = std::time::Instant::now();
    loop {
        let mut batch = Vec::with_capacity(ROWS_PER_BATCH);
        for row in rows.by_ref().take(ROWS_PER_BATCH) {
            match row {
                Ok(row) => batch.push(row),
                Err(problem) => return fail(desk, id, problem).await,
            }
        }
        if batch.is_empty() {
            break;
        }
        let mut txn = db.begin().await?;
        let (step, problems) = match write_batch(desk, writer, &txn, import.kind, &batch, &mut references, careful).await? {
            Some(done) => done,
            None => {
                // A row failed in a batch written without savepoints: what it left (or, on
                // PostgreSQL, the aborted transaction) goes, and the batch is written again,
                // a savepoint per row.
                txn.rollback().await?;
                txn = db.begin().await?;
                write_batch(desk, writer, &txn, import.kind, &batch, &mut references, true)
                    .await?
                    .ok_or_else(|| Error::internal("a careful batch gave up"))?
            }
        };
        // Rows fail in clusters (a column wrong throughout part of a file): after a batch
        // with failures the next one is written carefully from the start.
        careful = step.failed > 0;
        progress = Progress {
            processed: progress.processed + step.processed,
            created: progress.created + step.created,
            updated: progress.updated + step.updated,
            failed: progress.failed + step.failed,
        };
        let txn = if import.dry_run {
            txn.rollback().await?;
            db.begin().await?
        } else {
            txn
        };
        store::add_errors(&txn, id, &problems).await?;
        store::progress(&txn, id, progress, now()).await?;
        txn.commit().await?;
    }
    store::finish(db, id, ImportStatus::Completed, None, now()).await?;
    tracing::info!(
        import = %id, kind = %import.kind, dry_run = import.dry_run, rows = progress.processed,
        created = progress.created, updated = progress.updated, failed = progress.failed,
        ms = started.elapsed().as_millis() as u64, "import finished"
    );
    Ok(())
}

/// Ends an import whose file turned out unreadable part way (the rows before are in).
async fn fail(desk: &Desk, id: Uuid, problem: FileProblem) -> Result<()> {
    let why = refused(problem);
    let text = why.detail.clone().unwrap_or_else(|| why.errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; "));
    store::finish(&desk.db, id, ImportStatus::Failed, Some(text), now()).await?;
    Ok(())
}

/// The problems of a batch's rows: row number, its external reference, the problem.
type Problems = Vec<(i64, Option<String>, RowProblem)>;

/// Writes a batch's rows on `txn`; answers the counts and the problems. `careful`: each row
/// in a savepoint, so a row that fails leaves nothing and the batch goes on. Otherwise the
/// rows are written straight (a savepoint costs two round trips a row), and the first row the
/// writer refuses ends the batch with `None`: the caller rolls it back and writes it again
/// carefully. (Rows refused before the writer — unreadable cells, unknown references — wrote
/// nothing and end nothing.) Only a failure of the database itself is an error.
async fn write_batch(
    desk: &Desk,
    writer: &dyn RowWriter,
    txn: &DatabaseTransaction,
    kind: ImportKind,
    batch: &[ReadRow],
    references: &mut References,
    careful: bool,
) -> Result<Option<(Progress, Problems)>> {
    let mut step = Progress::default();
    let mut problems = Vec::new();
    for (number, fields) in batch {
        let number = *number;
        step.processed += 1;
        let reference = fields.as_ref().ok().and_then(rules::external_ref_of);
        let rejected = |found: Vec<RowProblem>, problems: &mut Problems| {
            problems.extend(found.into_iter().map(|p| (number, reference.clone(), p)));
        };
        let fields = match fields {
            Ok(fields) => fields.clone(),
            Err(found) => {
                step.failed += 1;
                rejected(found.clone(), &mut problems);
                continue;
            }
        };
        let fields = match references.resolve(txn, kind, fields).await? {
            Ok(fields) => fields,
            Err(found) => {
                step.failed += 1;
                rejected(found, &mut problems);
                continue;
            }
        };
        let written = if careful {
            let savepoint = txn.begin().await?;
            let written = writer.write(desk, &savepoint, kind, fields).await;
            match &written {
                Ok(_) => savepoint.commit().await?,
                Err(e) if e.kind() == ErrorKind::Unavailable => {}
                Err(_) => savepoint.rollback().await?,
            }
            written
        } else {
            match writer.write(desk, txn, kind, fields).await {
                Err(e) if e.kind() != ErrorKind::Unavailable => return Ok(None),
                written => written,
            }
        };
        match written {
            Ok(Written::Created) => step.created += 1,
            Ok(Written::Updated) => step.updated += 1,
            Err(e) if e.kind() == ErrorKind::Unavailable => return Err(e),
            Err(e) => {
                if e.kind() == ErrorKind::Internal {
                    tracing::error!(row = number, error = %e, cause = e.cause.as_deref().unwrap_or(""), "an import row failed inside");
                }
                step.failed += 1;
                rejected(problems_of(e), &mut problems);
            }
        }
    }
    Ok(Some((step, problems)))
}

/// A row's error as problems of the report: one per field, or the error itself.
fn problems_of(e: Error) -> Vec<RowProblem> {
    if e.errors.is_empty() {
        let message = if e.kind() == ErrorKind::Internal {
            "the row could not be written (an internal error, logged)".to_owned()
        } else {
            e.detail.clone().unwrap_or_else(|| e.code.summary().to_owned())
        };
        return vec![RowProblem { field: None, code: e.code.as_str().to_owned(), message }];
    }
    e.errors.into_iter().map(|f| RowProblem { field: Some(f.field), code: f.code, message: f.message }).collect()
}

/// The records rows name by external reference, looked up once per import.
#[derive(Default)]
struct References {
    found: HashMap<(&'static str, String), Option<Uuid>>,
}

impl References {
    /// The row with its references by external reference replaced by the ids they name.
    async fn resolve(
        &mut self,
        conn: &DatabaseTransaction,
        kind: ImportKind,
        mut row: Map<String, Value>,
    ) -> Result<std::result::Result<Map<String, Value>, Vec<RowProblem>>> {
        let mut problems = Vec::new();
        for reference in kind.references() {
            let Some(value) = row.remove(reference.column) else { continue };
            let Some(text) = value.as_str().map(str::trim).filter(|t| !t.is_empty()) else {
                if !value.is_null() {
                    problems.push(RowProblem::new(Some(reference.column), field::TYPE, "an external reference is text"));
                }
                continue;
            };
            if row.contains_key(reference.field) {
                problems.push(RowProblem::new(
                    Some(reference.column),
                    field::DUPLICATE,
                    format!("give {} or {}, not both", reference.field, reference.column),
                ));
                continue;
            }
            let key = (reference.table, text.to_owned());
            let id = match self.found.get(&key) {
                Some(id) => *id,
                None => {
                    let id = external_refs::find(conn, reference.table, text).await?;
                    self.found.insert(key, id);
                    id
                }
            };
            match id {
                Some(id) => {
                    row.insert(reference.field.to_owned(), Value::String(id.to_string()));
                }
                None => problems.push(RowProblem::new(
                    Some(reference.column),
                    field::NOT_FOUND,
                    format!("no record of {} has the external reference {text:?}", reference.table),
                )),
            }
        }
        Ok(if problems.is_empty() { Ok(row) } else { Err(problems) })
    }
}

/// The report of an import's problems as CSV: row, external reference, field, code, message.
pub fn errors_csv(errors: &[store::RowError], format: servdesk_documents::csv::Format) -> String {
    let mut w = csv::Writer::new(format.delimiter);
    w.row(&["row", "external_ref", "field", "code", "message"]);
    for e in errors {
        w.row(&[
            e.row_number.to_string(),
            e.external_ref.clone().unwrap_or_default(),
            e.problem.field.clone().unwrap_or_default(),
            e.problem.code.clone(),
            e.problem.message.clone(),
        ]);
    }
    w.finish()
}

/// The writer a desk has, for the job (see `jobs::Registry::of_desk`).
pub fn writer_of(desk: &Desk) -> Option<Arc<dyn RowWriter>> {
    desk.rows.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_file_is_counted_by_its_rows_after_the_header() {
        let text = "name;email\nNovak;a@b.si\n\nHorvat;\n";
        assert_eq!(count_rows(ImportKind::Customers, ImportFormat::Csv, text), Ok(2));
    }

    #[test]
    fn a_file_without_rows_or_with_unknown_columns_is_refused_whole() {
        assert_eq!(count_rows(ImportKind::Customers, ImportFormat::Csv, "name\n"), Err(FileProblem::Empty));
        assert_eq!(count_rows(ImportKind::Customers, ImportFormat::Json, "[]"), Err(FileProblem::Empty));
        assert!(matches!(
            count_rows(ImportKind::Customers, ImportFormat::Csv, "name,colour\nA,red\n"),
            Err(FileProblem::UnknownColumns(c)) if c == ["colour"]
        ));
        assert!(matches!(
            count_rows(ImportKind::Products, ImportFormat::Json, r#"[{"name": "A"}, {"nme": "B"}]"#),
            Err(FileProblem::UnknownColumns(c)) if c == ["nme"]
        ));
    }

    #[test]
    fn a_json_file_must_be_a_list_of_objects() {
        assert!(matches!(count_rows(ImportKind::Products, ImportFormat::Json, r#"{"name": "A"}"#), Err(FileProblem::Unreadable(_))));
        assert!(
            matches!(count_rows(ImportKind::Products, ImportFormat::Json, r#"[{"name": "A"}, 3]"#), Err(FileProblem::Unreadable(m)) if m.contains("item 2"))
        );
    }

    #[test]
    fn csv_rows_are_numbered_by_the_line_they_start_on() {
        let text = "name,notes\nA,\"two\nlines\"\nB,x\n";
        let rows: Vec<i64> = Rows::open(ImportKind::Customers, ImportFormat::Csv, text).unwrap().map(|r| r.unwrap().0).collect();
        assert_eq!(rows, vec![2, 4]);
    }
}
