//! The directory's records as every area shows them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use servdesk_domain::directory::{Contact, Customer, CustomerKind, Equipment, Location, NotificationChannel, Product};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::wire;

#[derive(Serialize, ToSchema)]
pub struct CustomerOut {
    pub id: Uuid,
    pub name: String,
    #[schema(schema_with = wire::customer_kind)]
    pub kind: CustomerKind,
    pub tax_id: Option<String>,
    pub email: Option<String>,
    /// E.164.
    pub phone: Option<String>,
    pub billing_email: Option<String>,
    pub billing_address: Option<String>,
    /// BCP 47 tag for messages to this customer (`pl`, `sl`, `hr`, `it`, `en`).
    pub language: Option<String>,
    /// New calls from this customer's people are acknowledged.
    pub acknowledge_calls: bool,
    /// A monitoring `resolve` resolves the alarm's ticket instead of only recording it.
    pub auto_resolve_alarms: bool,
    pub notes: Option<String>,
    pub active: bool,
    /// The ERP's id for it.
    pub external_ref: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Customer> for CustomerOut {
    fn from(c: Customer) -> Self {
        Self {
            id: c.id,
            name: c.name,
            kind: c.kind,
            tax_id: c.tax_id,
            email: c.email.map(|e| e.to_string()),
            phone: c.phone.map(|p| p.to_string()),
            billing_email: c.billing_email.map(|e| e.to_string()),
            billing_address: c.billing_address,
            language: c.language,
            acknowledge_calls: c.acknowledge_calls,
            auto_resolve_alarms: c.auto_resolve_alarms,
            notes: c.notes,
            active: c.active,
            external_ref: c.external_ref,
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ContactOut {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub name: String,
    pub email: Option<String>,
    /// E.164, first is the main number.
    pub phones: Vec<String>,
    pub job_title: Option<String>,
    pub portal_access: bool,
    #[schema(schema_with = wire::notification_channel)]
    pub preferred_channel: NotificationChannel,
    pub language: Option<String>,
    pub notes: Option<String>,
    pub active: bool,
    /// The ERP's id for it.
    pub external_ref: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Contact> for ContactOut {
    fn from(c: Contact) -> Self {
        Self {
            id: c.id,
            customer_id: c.customer_id,
            name: c.name,
            email: c.email.map(|e| e.to_string()),
            phones: c.phones.iter().map(ToString::to_string).collect(),
            job_title: c.job_title,
            portal_access: c.portal_access,
            preferred_channel: c.preferred_channel,
            language: c.language,
            notes: c.notes,
            active: c.active,
            external_ref: c.external_ref,
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LocationOut {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub name: String,
    pub address_line: String,
    pub postal_code: Option<String>,
    pub city: String,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub notes: Option<String>,
    pub active: bool,
    /// The ERP's id for it.
    pub external_ref: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Location> for LocationOut {
    fn from(l: Location) -> Self {
        Self {
            id: l.id,
            customer_id: l.customer_id,
            name: l.name,
            address_line: l.address_line,
            postal_code: l.postal_code,
            city: l.city,
            country: l.country,
            latitude: l.latitude,
            longitude: l.longitude,
            notes: l.notes,
            active: l.active,
            external_ref: l.external_ref,
            version: l.version,
            created_at: l.created_at,
            updated_at: l.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EquipmentOut {
    pub id: Uuid,
    pub product_id: Uuid,
    pub serial_number: String,
    pub customer_id: Option<Uuid>,
    pub location_id: Option<Uuid>,
    pub installed_on: Option<NaiveDate>,
    /// Last day of warranty: from the product's months after installation unless overridden.
    pub warranty_end: Option<NaiveDate>,
    pub warranty_end_overridden: bool,
    /// Whether today falls inside the warranty.
    pub under_warranty: bool,
    pub notes: Option<String>,
    /// The contract covering the unit (one of its customer's).
    pub contract_id: Option<Uuid>,
    pub active: bool,
    /// The ERP's id for it.
    pub external_ref: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Equipment> for EquipmentOut {
    fn from(e: Equipment) -> Self {
        Self {
            under_warranty: e.under_warranty_on(crate::state::now().date_naive()),
            id: e.id,
            product_id: e.product_id,
            serial_number: e.serial_number,
            customer_id: e.customer_id,
            location_id: e.location_id,
            installed_on: e.installed_on,
            warranty_end: e.warranty_end,
            warranty_end_overridden: e.warranty_end_overridden,
            notes: e.notes,
            contract_id: e.contract_id,
            active: e.active,
            external_ref: e.external_ref,
            version: e.version,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProductOut {
    pub id: Uuid,
    pub name: String,
    pub sku: Option<String>,
    pub default_warranty_months: u32,
    /// A regular expression a serial number must match as a whole.
    pub serial_pattern: Option<String>,
    pub active: bool,
    /// The ERP's id for it.
    pub external_ref: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Product> for ProductOut {
    fn from(p: Product) -> Self {
        Self {
            id: p.id,
            name: p.name,
            sku: p.sku,
            default_warranty_months: p.default_warranty_months,
            serial_pattern: p.serial_pattern.map(|s| s.as_str().to_owned()),
            active: p.active,
            external_ref: p.external_ref,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}
