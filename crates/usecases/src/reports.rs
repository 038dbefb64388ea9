//! The reports a service manager runs the desk by. A request is checked whole — its
//! grouping, its time zone, the channel it filters by (the period's own length is checked
//! where it is read) — and each report is one set of the store's figures over the period's
//! buckets, read in one snapshot. A total is the sum of its buckets where the figure adds up
//! (counts: the buckets make up the period exactly) and is worked out over the whole period
//! where it does not (medians, the distinct tickets a person handled).

use servdesk_domain::billing::periods::Days;
use servdesk_domain::business_time::{Tz, time_zone};
use servdesk_domain::errors::field;
use servdesk_domain::reports::{Bucket, Grouping, buckets, whole};
use servdesk_domain::tickets::Channel;
use servdesk_persistence::reports::{self as store, Filter};
use uuid::Uuid;

use crate::{Desk, Error, FieldError, Result, now};

/// What a caller asks for, as given.
#[derive(Debug, Clone, Default)]
pub struct Asked<'a> {
    pub group_by: Option<&'a str>,
    pub time_zone: Option<&'a str>,
    pub team_id: Option<Uuid>,
    pub agent_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub channel: Option<&'a str>,
    pub category_id: Option<Uuid>,
}

/// A checked request: the period, how it is bucketed and in which zone, what is counted.
#[derive(Debug, Clone)]
pub struct Request {
    pub period: Days,
    pub grouping: Grouping,
    pub zone: Tz,
    pub filter: Filter,
}

impl Request {
    /// Checks what was asked for `period`; every problem at once, per field. Days are those
    /// of `time_zone`, else the installation's.
    pub fn new(desk: &Desk, period: Days, asked: &Asked) -> Result<Self> {
        let mut errors = Vec::new();
        let grouping = match asked.group_by.map(str::trim) {
            None | Some("") => Grouping::Day,
            Some(text) => Grouping::parse(text).unwrap_or_else(|| {
                errors.push(FieldError::new("group_by", field::UNKNOWN, "day, week or month"));
                Grouping::Day
            }),
        };
        let zone = match asked.time_zone {
            None => desk.config.time_zone,
            Some(name) => time_zone(name).unwrap_or_else(|| {
                errors.push(FieldError::new("time_zone", field::TIME_ZONE, "not an IANA time zone name (Europe/Ljubljana)"));
                desk.config.time_zone
            }),
        };
        let channel = asked.channel.and_then(|text| {
            let channel = Channel::parse(text.trim());
            if channel.is_none() {
                let known: Vec<&str> = Channel::ALL.iter().map(|c| c.as_str()).collect();
                errors.push(FieldError::new("channel", field::UNKNOWN, known.join(", ")));
            }
            channel
        });
        if !errors.is_empty() {
            return Err(Error::validation(errors));
        }
        let filter = Filter {
            team_id: asked.team_id,
            agent_id: asked.agent_id,
            customer_id: asked.customer_id,
            channel,
            category_id: asked.category_id,
        };
        Ok(Self { period, grouping, zone, filter })
    }

    pub fn buckets(&self) -> Vec<Bucket> {
        buckets(self.period, self.grouping, self.zone)
    }

    pub fn whole(&self) -> Bucket {
        whole(self.period, self.zone)
    }

    /// The buckets and the whole period after them (what the store works out in one go).
    fn with_whole(&self) -> Vec<Bucket> {
        let mut all = self.buckets();
        all.push(self.whole());
        all
    }
}

/// A report with one figure per bucket and the same over the whole period.
#[derive(Debug, Clone)]
pub struct Report<T> {
    pub rows: Vec<(Bucket, T)>,
    pub total: T,
}

impl<T: Default> Report<T> {
    /// Splits the figures of [`Request::with_whole`]'s buckets into rows and the total.
    fn of(buckets: Vec<Bucket>, mut figures: Vec<T>) -> Self {
        let total = if figures.len() > buckets.len() { figures.pop().unwrap_or_default() } else { T::default() };
        Self { rows: buckets.into_iter().zip(figures).collect(), total }
    }
}

/// A report with any number of figures per bucket (one per agent, per policy …).
#[derive(Debug, Clone)]
pub struct Breakdown<T> {
    pub rows: Vec<(Bucket, Vec<T>)>,
    pub total: Vec<T>,
}

impl<T> Breakdown<T> {
    /// Sorts figures tagged with their bucket index into the buckets and the total (the
    /// index after the last bucket).
    fn of(buckets: Vec<Bucket>, figures: Vec<(usize, T)>) -> Self {
        let n = buckets.len();
        let mut rows: Vec<(Bucket, Vec<T>)> = buckets.into_iter().map(|b| (b, Vec::new())).collect();
        let mut total = Vec::new();
        for (i, figure) in figures {
            match rows.get_mut(i) {
                Some((_, list)) => list.push(figure),
                None if i == n => total.push(figure),
                None => {}
            }
        }
        Self { rows, total }
    }
}

/// Calls received and what triage made of them; tickets opened and how many got tasks.
pub async fn intake(desk: &Desk, request: &Request) -> Result<Report<store::calls::Intake>> {
    let txn = store::snapshot(&desk.db).await?;
    let figures = store::calls::intake(&txn, &request.buckets(), &request.filter).await?;
    crate::commit(txn).await?;
    let mut total = store::calls::Intake::default();
    figures.iter().for_each(|f| total.add(f));
    Ok(Report { rows: request.buckets().into_iter().zip(figures).collect(), total })
}

/// Tickets opened, closed, cancelled, reopened, and the backlog at each bucket's end.
pub async fn flow(desk: &Desk, request: &Request) -> Result<Report<store::flow::Flow>> {
    let txn = store::snapshot(&desk.db).await?;
    let (rows, total) = store::flow::flow(&txn, &request.buckets(), &request.filter).await?;
    crate::commit(txn).await?;
    Ok(Report { rows: request.buckets().into_iter().zip(rows).collect(), total })
}

/// Time to first response and to close, and time in each status class.
pub async fn times(desk: &Desk, request: &Request) -> Result<Report<store::times::Times>> {
    let txn = store::snapshot(&desk.db).await?;
    let figures = store::times::times(&txn, &request.with_whole(), &request.filter).await?;
    crate::commit(txn).await?;
    Ok(Report::of(request.buckets(), figures))
}

/// Each staff member's work.
pub async fn agents(desk: &Desk, request: &Request) -> Result<Breakdown<store::agents::AgentWork>> {
    let txn = store::snapshot(&desk.db).await?;
    let figures = store::agents::work(&txn, &request.with_whole(), &request.filter).await?;
    crate::commit(txn).await?;
    Ok(Breakdown::of(request.buckets(), figures.into_iter().map(|w| (w.bucket, w)).collect()))
}

/// SLA compliance per policy and target, as of now.
pub async fn sla(desk: &Desk, request: &Request) -> Result<Breakdown<store::sla::Compliance>> {
    let buckets = request.buckets();
    let txn = store::snapshot(&desk.db).await?;
    let mut figures = store::sla::compliance(&txn, &buckets, &request.filter, now()).await?;
    crate::commit(txn).await?;
    figures.extend(store::sla::over_all(&figures, buckets.len()));
    Ok(Breakdown::of(buckets, figures.into_iter().map(|c| (c.bucket, c)).collect()))
}
