//! Linked documents written by the ERP and by Servdesk: a document names its customer, may
//! stand without a ticket (a finalized statement), names the statement it is, and is found
//! by the ERP's own reference (one document per reference, so a sync can replay safely).
//!
//! SQLite cannot make a column nullable in place, so the table is rebuilt (on both
//! databases, one path): a new table, the rows copied, the old one dropped, the new renamed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
    TicketId,
    TaskId,
    CustomerId,
    StatementId,
    Kind,
    Number,
    IssuedOn,
    AmountMinor,
    Currency,
    Status,
    ExternalRef,
    AttachmentId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum DocumentsNext {
    Table,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Tasks {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Statements {
    Table,
    Id,
}

fn fk(table: DocumentsNext, from: impl IntoIden, to_table: impl IntoIden, to_col: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(table, from).to(to_table, to_col).on_delete(ForeignKeyAction::Restrict).to_owned()
}

const COLUMNS: &str = "id, ticket_id, task_id, kind, number, issued_on, amount_minor, currency, status, external_ref, attachment_id, version, created_at, updated_at";

async fn indexes(manager: &SchemaManager<'_>, with_erp: bool) -> Result<(), DbErr> {
    use Documents as D;
    manager
        .create_index(Index::create().name("ux_documents_kind_number").table(D::Table).col(D::Kind).col(D::Number).unique().to_owned())
        .await?;
    manager.create_index(Index::create().name("ix_documents_ticket").table(D::Table).col(D::TicketId).col(D::Id).to_owned()).await?;
    manager.create_index(Index::create().name("ix_documents_task").table(D::Table).col(D::TaskId).to_owned()).await?;
    if with_erp {
        manager
            .create_index(Index::create().name("ux_documents_external_ref").table(D::Table).col(D::ExternalRef).unique().to_owned())
            .await?;
        manager
            .create_index(Index::create().name("ix_documents_customer").table(D::Table).col(D::CustomerId).col(D::IssuedOn).to_owned())
            .await?;
        manager.create_index(Index::create().name("ix_documents_issued").table(D::Table).col(D::IssuedOn).col(D::Id).to_owned()).await?;
    }
    Ok(())
}

/// The documents table under `name`: with this migration's columns (`erp`) or as before it.
async fn create(manager: &SchemaManager<'_>, name: DocumentsNext, erp: bool) -> Result<(), DbErr> {
    use Documents as D;
    let mut table = Table::create();
    table.table(name).col(uuid(D::Id).primary_key());
    if erp {
        table.col(uuid_null(D::TicketId));
    } else {
        table.col(uuid(D::TicketId));
    }
    table.col(uuid_null(D::TaskId));
    if erp {
        table.col(uuid_null(D::CustomerId)).col(uuid_null(D::StatementId));
    }
    table
        .col(string_len(D::Kind, 32))
        .col(string_len(D::Number, 64))
        .col(date(D::IssuedOn))
        .col(big_integer_null(D::AmountMinor))
        .col(string_len_null(D::Currency, 3))
        .col(string_len(D::Status, 24))
        .col(string_len_null(D::ExternalRef, 128))
        .col(uuid_null(D::AttachmentId))
        .col(big_integer(D::Version).default(1))
        .col(timestamp_with_time_zone(D::CreatedAt))
        .col(timestamp_with_time_zone(D::UpdatedAt))
        .foreign_key(&mut fk(name, D::TicketId, Tickets::Table, Tickets::Id))
        .foreign_key(&mut fk(name, D::TaskId, Tasks::Table, Tasks::Id))
        .foreign_key(&mut fk(name, D::AttachmentId, Attachments::Table, Attachments::Id));
    if erp {
        table.foreign_key(&mut fk(name, D::CustomerId, Customers::Table, Customers::Id)).foreign_key(&mut fk(
            name,
            D::StatementId,
            Statements::Table,
            Statements::Id,
        ));
    }
    manager.create_table(table.to_owned()).await
}

/// Moves `documents` to the shape `create` made as `documents_next`, keeping its rows.
async fn replace(manager: &SchemaManager<'_>, copy: &str, erp: bool) -> Result<(), DbErr> {
    manager.get_connection().execute_unprepared(copy).await?;
    manager.drop_table(Table::drop().table(Documents::Table).to_owned()).await?;
    manager.rename_table(Table::rename().table(DocumentsNext::Table, Documents::Table).to_owned()).await?;
    indexes(manager, erp).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create(manager, DocumentsNext::Table, true).await?;
        // Documents so far hang on tickets: they name the ticket's customer.
        let copy = format!(
            "INSERT INTO documents_next ({COLUMNS}, customer_id) \
             SELECT d.id, d.ticket_id, d.task_id, d.kind, d.number, d.issued_on, d.amount_minor, d.currency, d.status, d.external_ref, \
                    d.attachment_id, d.version, d.created_at, d.updated_at, t.customer_id \
               FROM documents d JOIN tickets t ON t.id = d.ticket_id"
        );
        replace(manager, &copy, true).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Statements' documents have no ticket: they go with the columns that held them.
        create(manager, DocumentsNext::Table, false).await?;
        let copy = format!("INSERT INTO documents_next ({COLUMNS}) SELECT {COLUMNS} FROM documents WHERE ticket_id IS NOT NULL");
        replace(manager, &copy, false).await
    }
}
