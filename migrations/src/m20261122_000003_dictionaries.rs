//! Dictionaries: one table for the admin-editable lists (ticket statuses with their class,
//! priorities, ticket categories and types, task categories with their default checklist,
//! task types under their category), seeded with English defaults.

use chrono::{SubsecRound, Utc};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use uuid::Uuid;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DictionaryEntries {
    Table,
    Id,
    Kind,
    Name,
    Position,
    Class,
    IsDefault,
    ParentId,
    DefaultChecklist,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

/// `(name, class, default)` of the seeded ticket statuses.
const STATUSES: [(&str, &str, bool); 8] = [
    ("New", "new", true),
    ("Open", "open", true),
    ("In progress", "open", false),
    ("Waiting for customer", "pending", true),
    ("Waiting for parts", "pending", false),
    ("Resolved", "resolved", true),
    ("Closed", "closed", true),
    ("Cancelled", "cancelled", true),
];
const PRIORITIES: [(&str, bool); 4] = [("Low", false), ("Normal", true), ("High", false), ("Urgent", false)];
const TICKET_CATEGORIES: [&str; 4] = ["Service", "Information", "Complaint", "Installation"];
const TICKET_TYPES: [&str; 4] = ["Warranty repair", "Paid repair", "Maintenance", "Supplier complaint"];
/// Task categories with their default checklist and their task types.
const TASK_CATEGORIES: [(&str, &[&str], &[&str]); 4] = [
    ("Diagnostics", &["Check the power supply", "Read the error log", "Test run"], &["On site", "Remote"]),
    ("Repair", &["Replace the faulty part", "Functional test", "Clean the unit"], &["On-site repair", "Workshop repair"]),
    ("Installation", &["Install the unit", "Connect and configure", "Instruct the customer"], &["New installation", "Relocation"]),
    ("Maintenance", &["Inspect", "Clean and lubricate", "Update the firmware"], &["Periodic service"]),
];

struct Seed<'a> {
    kind: &'a str,
    name: &'a str,
    position: i32,
    class: Option<&'a str>,
    is_default: bool,
    parent: Option<Uuid>,
    checklist: Option<String>,
}

async fn insert(manager: &SchemaManager<'_>, seed: Seed<'_>) -> Result<Uuid, DbErr> {
    use DictionaryEntries as D;
    let id = Uuid::now_v7();
    let now = Utc::now().trunc_subsecs(6);
    let mut insert = Query::insert();
    insert
        .into_table(D::Table)
        .columns([
            D::Id,
            D::Kind,
            D::Name,
            D::Position,
            D::Class,
            D::IsDefault,
            D::ParentId,
            D::DefaultChecklist,
            D::Active,
            D::Version,
            D::CreatedAt,
            D::UpdatedAt,
        ])
        .values([
            id.into(),
            seed.kind.into(),
            seed.name.into(),
            seed.position.into(),
            seed.class.map(str::to_owned).into(),
            seed.is_default.into(),
            seed.parent.into(),
            seed.checklist.into(),
            true.into(),
            1i64.into(),
            now.into(),
            now.into(),
        ])
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    manager.exec_stmt(insert).await?;
    Ok(id)
}

fn position(i: usize) -> i32 {
    <i32 as std::convert::TryFrom<usize>>::try_from(i + 1).unwrap_or(i32::MAX)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use DictionaryEntries as D;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(uuid(D::Id).primary_key())
                    .col(string_len(D::Kind, 32))
                    .col(string_len(D::Name, 200))
                    .col(integer(D::Position))
                    .col(string_len_null(D::Class, 16))
                    .col(boolean(D::IsDefault).default(false))
                    .col(uuid_null(D::ParentId))
                    .col(text_null(D::DefaultChecklist))
                    .col(boolean(D::Active).default(true))
                    .col(big_integer(D::Version).default(1))
                    .col(timestamp_with_time_zone(D::CreatedAt))
                    .col(timestamp_with_time_zone(D::UpdatedAt))
                    .foreign_key(ForeignKey::create().from(D::Table, D::ParentId).to(D::Table, D::Id).on_delete(ForeignKeyAction::Restrict))
                    .to_owned(),
            )
            .await?;
        manager.create_index(Index::create().name("ix_dictionary_kind").table(D::Table).col(D::Kind).col(D::Position).to_owned()).await?;

        let none = |kind, name, position| Seed { kind, name, position, class: None, is_default: false, parent: None, checklist: None };
        for (i, (name, class, is_default)) in STATUSES.iter().enumerate() {
            insert(manager, Seed { class: Some(class), is_default: *is_default, ..none("ticket-statuses", name, position(i)) }).await?;
        }
        for (i, (name, is_default)) in PRIORITIES.iter().enumerate() {
            insert(manager, Seed { is_default: *is_default, ..none("priorities", name, position(i)) }).await?;
        }
        for (i, name) in TICKET_CATEGORIES.iter().enumerate() {
            insert(manager, none("ticket-categories", name, position(i))).await?;
        }
        for (i, name) in TICKET_TYPES.iter().enumerate() {
            insert(manager, none("ticket-types", name, position(i))).await?;
        }
        let mut type_position = 0;
        for (i, (name, checklist, types)) in TASK_CATEGORIES.iter().enumerate() {
            let lines = format!("[{}]", checklist.iter().map(|l| format!("\"{l}\"")).collect::<Vec<_>>().join(","));
            let category = insert(manager, Seed { checklist: Some(lines), ..none("task-categories", name, position(i)) }).await?;
            for name in types.iter() {
                insert(manager, Seed { parent: Some(category), ..none("task-types", name, position(type_position)) }).await?;
                type_position += 1;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(DictionaryEntries::Table).to_owned()).await
    }
}
