use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tickets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub number: String,
    pub title: String,
    pub description: Option<String>,
    pub details: Option<String>,
    pub channel: String,
    pub call_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub location_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub equipment_id: Option<Uuid>,
    pub serial_number: Option<String>,
    pub category_id: Option<Uuid>,
    pub type_id: Option<Uuid>,
    pub priority_id: Uuid,
    pub status_id: Uuid,
    pub team_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub expected_close_on: Option<Date>,
    pub reported_at: DateTimeUtc,
    pub warranty: bool,
    pub warranty_default: bool,
    pub warranty_override_reason: Option<String>,
    pub paid: bool,
    /// JSON array of strings.
    pub tags: String,
    pub created_by: Option<Uuid>,
    pub first_response_at: Option<DateTimeUtc>,
    pub resolved_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    /// The ERP's id for it (unique where set).
    pub external_ref: Option<String>,
    /// Custom field values: a JSON object keyed by the field's key.
    pub custom_fields: String,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub alarm_key: Option<String>,
    pub alarm_count: i32,
    pub alarm_last_seen_at: Option<DateTimeUtc>,
    pub alarm_resolved_at: Option<DateTimeUtc>,
    pub has_work: bool,
    pub contract_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Lists and lookups of tickets read their rows by position (see `positional`).
crate::positional::positional_model!(
    id: Id,
    number: Number,
    title: Title,
    description: Description,
    details: Details,
    channel: Channel,
    call_id: CallId,
    customer_id: CustomerId,
    location_id: LocationId,
    contact_id: ContactId,
    equipment_id: EquipmentId,
    serial_number: SerialNumber,
    category_id: CategoryId,
    type_id: TypeId,
    priority_id: PriorityId,
    status_id: StatusId,
    team_id: TeamId,
    assignee_id: AssigneeId,
    expected_close_on: ExpectedCloseOn,
    reported_at: ReportedAt,
    warranty: Warranty,
    warranty_default: WarrantyDefault,
    warranty_override_reason: WarrantyOverrideReason,
    paid: Paid,
    tags: Tags,
    created_by: CreatedBy,
    first_response_at: FirstResponseAt,
    resolved_at: ResolvedAt,
    closed_at: ClosedAt,
    version: Version,
    created_at: CreatedAt,
    updated_at: UpdatedAt,
    alarm_key: AlarmKey,
    alarm_count: AlarmCount,
    alarm_last_seen_at: AlarmLastSeenAt,
    alarm_resolved_at: AlarmResolvedAt,
    has_work: HasWork,
    contract_id: ContractId,
    external_ref: ExternalRef,
    custom_fields: CustomFields,
);
