//! Contracts and statements as every area shows them (their routes, the change feed, webhook
//! payloads).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use servdesk_domain::billing::contracts::{Contract, ContractStatus, Service, ServiceKind};
use servdesk_domain::billing::fees::Timing;
use servdesk_domain::billing::periods::Cycle;
use servdesk_domain::billing::runs::Statement;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::wire;

#[derive(Serialize, ToSchema)]
pub struct ServiceOut {
    pub id: Uuid,
    #[schema(schema_with = wire::service_kind)]
    pub kind: ServiceKind,
    pub description: String,
    /// The fee per billing period, in minor units of the contract's currency.
    pub fee_minor: i64,
}

impl From<Service> for ServiceOut {
    fn from(s: Service) -> Self {
        Self { id: s.id, kind: s.kind, description: s.description, fee_minor: s.fee_minor }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ContractOut {
    pub id: Uuid,
    /// `CT-2027-000001`.
    pub number: String,
    pub customer_id: Uuid,
    pub name: String,
    #[schema(schema_with = wire::contract_status)]
    pub status: ContractStatus,
    pub starts_on: NaiveDate,
    /// The last day it runs; `null`: open-ended.
    pub ends_on: Option<NaiveDate>,
    #[schema(schema_with = wire::cycle)]
    pub cycle: Cycle,
    #[schema(schema_with = wire::timing)]
    pub timing: Timing,
    /// ISO 4217 code of every amount of the contract.
    pub currency: String,
    /// Minutes of covered work included per billing period.
    pub included_minutes: i64,
    /// Per hour of covered work beyond the included minutes; `null`: the usual billing rates.
    pub hourly_rate_minor: Option<i64>,
    /// Covered locations. Equipment is covered by naming the contract (`equipment.contract_id`).
    /// No locations and no categories: all of the customer's work is covered.
    pub location_ids: Vec<Uuid>,
    /// Covered ticket and task categories.
    pub category_ids: Vec<Uuid>,
    pub services: Vec<ServiceOut>,
    /// The flat fees of one full billing period.
    pub fee_per_period_minor: i64,
    pub notes: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Contract> for ContractOut {
    fn from(c: Contract) -> Self {
        Self {
            fee_per_period_minor: c.services.iter().map(|s| s.fee_minor).sum(),
            id: c.id,
            number: c.number,
            customer_id: c.customer_id,
            name: c.name,
            status: c.status,
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            cycle: c.cycle,
            timing: c.timing,
            currency: c.currency,
            included_minutes: c.included_minutes,
            hourly_rate_minor: c.hourly_rate_minor,
            location_ids: c.location_ids,
            category_ids: c.category_ids,
            services: c.services.into_iter().map(ServiceOut::from).collect(),
            notes: c.notes,
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TotalOut {
    pub currency: String,
    /// Net, in minor units (tax is the ERP's).
    pub amount_minor: i64,
}

#[derive(Serialize, ToSchema)]
pub struct InvoiceOut {
    pub number: String,
    pub issued_on: NaiveDate,
    pub external_ref: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct StatementOut {
    pub id: Uuid,
    pub run_id: Uuid,
    pub customer_id: Uuid,
    /// `ST-2027-000001` once its run is finalized; `null` while a draft.
    pub number: Option<String>,
    /// Finalized: immutable, its sources billed.
    pub is_final: bool,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub totals: Vec<TotalOut>,
    pub lines_count: i64,
    /// Lines of earlier months' work or materials.
    pub late_lines: i64,
    /// Billable work no rate reaches (listed at zero): set a rate and recompute.
    pub unpriced_lines: i64,
    /// The ERP's invoice for it.
    pub invoice: Option<InvoiceOut>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Statement> for StatementOut {
    fn from(s: Statement) -> Self {
        Self {
            id: s.id,
            run_id: s.run_id,
            customer_id: s.customer_id,
            number: s.number,
            is_final: s.is_final,
            period_from: s.period.first,
            period_to: s.period.last,
            totals: s.totals.into_iter().map(|(currency, amount_minor)| TotalOut { currency, amount_minor }).collect(),
            lines_count: s.lines_count,
            late_lines: s.late_lines,
            unpriced_lines: s.unpriced_lines,
            invoice: s.invoice.map(|i| InvoiceOut {
                number: i.number,
                issued_on: i.issued_on,
                external_ref: i.external_ref,
                recorded_at: i.recorded_at,
            }),
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}
