//! Routes that answer JSON, CSV or PDF: which one a request asks for (`format`, else
//! `Accept`), and how its CSV is written (`delimiter`, `decimal`, else the installation's
//! defaults). A list exported as CSV is all of it, read page after page, not one page.

use actix_web::HttpRequest;
use serde::Deserialize;
use servdesk_documents::csv::{Delimiter, Format};
use servdesk_domain::errors::code;
use servdesk_persistence::{Page, PageRequest, StoreError};
use servdesk_usecases::config::Config;
use utoipa::IntoParams;

use super::negotiation::preferred;
use crate::error::{ApiError, ApiResult};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `json`, `csv` or `pdf` (where offered): overrides `Accept`, for links a browser follows.
    #[param(example = "csv")]
    pub format: Option<String>,
    /// CSV: the field delimiter (`comma`, `semicolon`, `tab`); the installation's default
    /// when absent.
    #[param(example = "semicolon")]
    pub delimiter: Option<String>,
    /// CSV: the decimal mark of amounts (`point` or `comma`).
    #[param(example = "comma")]
    pub decimal: Option<String>,
}

/// The representation to answer with.
pub enum Representation {
    Json,
    Csv(Format),
    Pdf,
}

const MEDIA: [(&str, &str); 3] = [("json", "application/json"), ("csv", "text/csv"), ("pdf", "application/pdf")];

/// What the request asks for among `offered` (short names: `json`, `csv`, `pdf`; the first
/// is the default).
pub fn representation(req: &HttpRequest, config: &Config, params: &ExportParams, offered: &[&str]) -> ApiResult<Representation> {
    let chosen = match params.format.as_deref() {
        Some(name) if offered.contains(&name) => name,
        Some(_) => return Err(ApiError::new(code::INVALID_QUERY, format!("`format` is one of {}", offered.join(", ")))),
        None => {
            let media: Vec<&str> = offered.iter().filter_map(|o| MEDIA.iter().find(|(n, _)| n == o).map(|(_, m)| *m)).collect();
            let picked = preferred(req, &media);
            MEDIA.iter().find(|(_, m)| *m == picked).map_or("json", |(n, _)| *n)
        }
    };
    Ok(match chosen {
        "csv" => Representation::Csv(csv_format(config, params)?),
        "pdf" => Representation::Pdf,
        _ => Representation::Json,
    })
}

fn csv_format(config: &Config, params: &ExportParams) -> ApiResult<Format> {
    let delimiter = match params.delimiter.as_deref() {
        None => config.csv_delimiter,
        Some(d) => Delimiter::parse(d).ok_or_else(|| ApiError::new(code::INVALID_QUERY, "`delimiter` is comma, semicolon or tab"))?,
    };
    let comma = match params.decimal.as_deref() {
        None => config.csv_decimal_comma,
        Some("point") => false,
        Some("comma") => true,
        Some(_) => return Err(ApiError::new(code::INVALID_QUERY, "`decimal` is point or comma")),
    };
    Ok(Format { delimiter, decimal_mark: if comma { ',' } else { '.' } })
}

/// `Content-Disposition` naming a download.
pub fn attachment(filename: &str, inline: bool) -> String {
    let safe = filename.replace(['/', '"', '\\'], "-");
    format!("{}; filename=\"{safe}\"", if inline { "inline" } else { "attachment" })
}

/// The most rows a list exports as CSV at once.
pub const MAX_EXPORT_ROWS: usize = 100_000;

/// Every item of a list, page after page in creation order; 422 `export_too_large` past
/// [`MAX_EXPORT_ROWS`].
pub async fn every_page<T, Fut>(mut fetch: impl FnMut(PageRequest) -> Fut) -> ApiResult<Vec<T>>
where
    Fut: std::future::Future<Output = Result<Page<T>, StoreError>>,
{
    let mut request = PageRequest::first(500);
    let mut all = Vec::new();
    loop {
        let page = fetch(request).await?;
        all.extend(page.items);
        if all.len() > MAX_EXPORT_ROWS {
            return Err(ApiError::new(
                code::EXPORT_TOO_LARGE,
                format!("an export takes at most {MAX_EXPORT_ROWS} rows; narrow the filter (or page the JSON list)"),
            ));
        }
        match page.next {
            Some(next) => request.after = Some(next),
            None => return Ok(all),
        }
    }
}

/// A custom field's value as a spreadsheet cell: a multiple choice joined by `|` (as an
/// import reads lists), nothing for no value.
pub fn custom_field_cell(value: Option<&serde_json::Value>) -> String {
    use serde_json::Value;
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items.iter().map(|v| custom_field_cell(Some(v))).collect::<Vec<_>>().join("|"),
        Some(other) => other.to_string(),
    }
}

/// A CSV download.
pub fn csv_download(name: &str, text: String) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", attachment(name, false)))
        .body(text)
}

/// A spreadsheet of records: `columns` filled by `own`, then a column `cf.<key>` per field
/// of `fields` from each record's custom fields.
pub fn sheet<T>(
    format: Format,
    columns: &[&str],
    fields: &[servdesk_domain::custom_fields::FieldDefinition],
    records: &[T],
    own: impl Fn(&T) -> Vec<String>,
    custom: impl Fn(&T) -> &serde_json::Map<String, serde_json::Value>,
) -> String {
    let mut w = servdesk_documents::csv::Writer::new(format.delimiter);
    let mut header: Vec<String> = columns.iter().map(|c| (*c).to_owned()).collect();
    header.extend(fields.iter().map(|f| format!("cf.{}", f.key)));
    w.row(&header);
    for record in records {
        let mut row = own(record);
        let values = custom(record);
        row.extend(fields.iter().map(|f| custom_field_cell(values.get(&f.key))));
        w.row(&row);
    }
    w.finish()
}

/// An optional value as a cell: empty when absent.
pub fn cell<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}
