//! Routes that answer JSON, CSV or PDF: which one a request asks for (`format`, else
//! `Accept`), and how its CSV is written (`delimiter`, `decimal`, else the installation's
//! defaults).

use actix_web::HttpRequest;
use serde::Deserialize;
use servdesk_documents::csv::{Delimiter, Format};
use servdesk_domain::errors::code;
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
