//! A span of days asked for in the query: a named period (`2027-01`, `2027-Q1`, `2027-H1`,
//! `2027`) or `from` and `to`.

use chrono::NaiveDate;
use serde::Deserialize;
use servdesk_domain::billing::periods::{Days, parse_period};
use servdesk_domain::errors::{code, field};
use utoipa::IntoParams;

use crate::error::{ApiError, ApiResult};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    /// A named period: `2027-01`, `2027-Q1`, `2027-H1` or `2027`. Or give `from` and `to`.
    #[param(example = "2027-Q1")]
    pub period: Option<String>,
    pub from: Option<NaiveDate>,
    /// Inclusive.
    pub to: Option<NaiveDate>,
}

impl PeriodParams {
    /// The days asked for: `period`, or `from` and `to` — one or the other, at most
    /// `max_days` long (422 naming the field otherwise).
    pub fn span(&self, max_days: i64) -> ApiResult<Days> {
        let span = match (self.period.as_deref(), self.from, self.to) {
            (Some(period), None, None) => {
                parse_period(period).map_err(|e| ApiError::invalid_field("period", field::PERIOD, e.to_string()))?
            }
            (None, Some(from), Some(to)) => {
                Days::new(from, to).ok_or_else(|| ApiError::invalid_field("to", field::BEFORE_START, "`to` is before `from`"))?
            }
            _ => return Err(ApiError::new(code::INVALID_QUERY, "give either `period` or both `from` and `to`")),
        };
        let which = |end: &'static str| if self.period.is_some() { "period" } else { end };
        // Days both databases store and every time zone can name (PostgreSQL's timestamps end
        // in the year 294276; a report of year 200000 is a typo, not a request).
        for (end, day) in [("from", span.first), ("to", span.last)] {
            if !(1900..=9999).contains(&chrono::Datelike::year(&day)) {
                return Err(ApiError::invalid_field(which(end), field::RANGE, "a day from 1900-01-01 to 9999-12-31"));
            }
        }
        if span.count() > max_days {
            return Err(ApiError::invalid_field(which("to"), field::TOO_LONG, format!("at most {max_days} days")));
        }
        Ok(span)
    }
}
