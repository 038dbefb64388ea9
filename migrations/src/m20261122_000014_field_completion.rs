//! Field completion and linked documents: a task's completion record (work done, the
//! customer's signature), the materials used, files of tasks (photos, the signature, the
//! report: `attachments.task_id` and `kind`), and the documents linked to tickets — the
//! intervention report first; delivery notes, invoices and the rest later from the ERP.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
    Kind,
}

#[derive(DeriveIden)]
enum TaskCompletions {
    Table,
    TaskId,
    TicketId,
    WorkDone,
    SignerName,
    SignedAt,
    SignatureAttachmentId,
    CompletedAt,
    CompletedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TaskMaterials {
    Table,
    Id,
    TaskId,
    TicketId,
    Position,
    Description,
    QuantityMilli,
    Unit,
    UnitPriceMinor,
    TotalMinor,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
    TicketId,
    TaskId,
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
enum Users {
    Table,
    Id,
}

fn fk(table: impl IntoIden, from: impl IntoIden, to_table: impl IntoIden, to_col: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(table, from).to(to_table, to_col).on_delete(ForeignKeyAction::Restrict).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // See 000013: a REFERENCES clause on a new nullable column works on both databases.
        let uuid_type = if manager.get_database_backend() == DbBackend::Sqlite { "uuid_text" } else { "uuid" };
        manager
            .get_connection()
            .execute_unprepared(&format!("ALTER TABLE attachments ADD COLUMN task_id {uuid_type} NULL REFERENCES tasks (id)"))
            .await?;
        manager
            .alter_table(Table::alter().table(Attachments::Table).add_column(string_len(Attachments::Kind, 24).default("file")).to_owned())
            .await?;
        manager.get_connection().execute_unprepared("CREATE INDEX ix_attachments_task ON attachments (task_id)").await?;

        use TaskCompletions as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(uuid(C::TaskId).primary_key())
                    .col(uuid(C::TicketId))
                    .col(text(C::WorkDone))
                    .col(string_len_null(C::SignerName, 200))
                    .col(timestamp_with_time_zone_null(C::SignedAt))
                    .col(uuid_null(C::SignatureAttachmentId))
                    .col(timestamp_with_time_zone(C::CompletedAt))
                    .col(uuid_null(C::CompletedBy))
                    .col(timestamp_with_time_zone(C::CreatedAt))
                    .foreign_key(&mut fk(C::Table, C::TaskId, Tasks::Table, Tasks::Id))
                    .foreign_key(&mut fk(C::Table, C::TicketId, Tickets::Table, Tickets::Id))
                    .foreign_key(&mut fk(C::Table, C::SignatureAttachmentId, Attachments::Table, Attachments::Id))
                    .foreign_key(&mut fk(C::Table, C::CompletedBy, Users::Table, Users::Id))
                    .to_owned(),
            )
            .await?;

        use TaskMaterials as M;
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .col(uuid(M::Id).primary_key())
                    .col(uuid(M::TaskId))
                    .col(uuid(M::TicketId))
                    .col(integer(M::Position))
                    .col(string_len(M::Description, 500))
                    .col(big_integer(M::QuantityMilli))
                    .col(string_len(M::Unit, 16))
                    .col(big_integer(M::UnitPriceMinor))
                    .col(big_integer(M::TotalMinor))
                    .col(timestamp_with_time_zone(M::CreatedAt))
                    .foreign_key(&mut fk(M::Table, M::TaskId, Tasks::Table, Tasks::Id))
                    .foreign_key(&mut fk(M::Table, M::TicketId, Tickets::Table, Tickets::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_task_materials_task").table(M::Table).col(M::TaskId).col(M::Position).to_owned())
            .await?;
        manager.create_index(Index::create().name("ix_task_materials_ticket").table(M::Table).col(M::TicketId).to_owned()).await?;

        use Documents as D;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(uuid(D::Id).primary_key())
                    .col(uuid(D::TicketId))
                    .col(uuid_null(D::TaskId))
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
                    .foreign_key(&mut fk(D::Table, D::TicketId, Tickets::Table, Tickets::Id))
                    .foreign_key(&mut fk(D::Table, D::TaskId, Tasks::Table, Tasks::Id))
                    .foreign_key(&mut fk(D::Table, D::AttachmentId, Attachments::Table, Attachments::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ux_documents_kind_number").table(D::Table).col(D::Kind).col(D::Number).unique().to_owned())
            .await?;
        manager.create_index(Index::create().name("ix_documents_ticket").table(D::Table).col(D::TicketId).col(D::Id).to_owned()).await?;
        manager.create_index(Index::create().name("ix_documents_task").table(D::Table).col(D::TaskId).to_owned()).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Documents::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(TaskMaterials::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(TaskCompletions::Table).to_owned()).await?;
        let conn = manager.get_connection();
        conn.execute_unprepared("DROP INDEX ix_attachments_task").await?;
        for column in ["kind", "task_id"] {
            conn.execute_unprepared(&format!("ALTER TABLE attachments DROP COLUMN {column}")).await?;
        }
        Ok(())
    }
}
