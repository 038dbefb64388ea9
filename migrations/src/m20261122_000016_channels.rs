//! Channels: the messages Servdesk sends and receives (the outbox and the email history of a
//! ticket), the notification templates admins edit, and the switches that turn a
//! notification off for everyone or for one customer.
//!
//! One `messages` table holds both directions: outbound notifications (rendered once, then
//! delivered by the worker) and inbound emails. Their `Message-ID`s thread replies to
//! tickets; the unique index also stores a redelivered inbound message once.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    Direction,
    Channel,
    Event,
    Status,
    TicketId,
    CallId,
    CommentId,
    TaskId,
    ContactId,
    UserId,
    ToAddress,
    ToName,
    FromAddress,
    FromName,
    Subject,
    BodyText,
    BodyHtml,
    Language,
    MessageId,
    InReplyTo,
    ReferenceIds,
    AutoSubmitted,
    AttachmentIds,
    Attempts,
    LastError,
    SourceJobId,
    RawKey,
    CreatedAt,
    UpdatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum Templates {
    Table,
    Id,
    Event,
    Language,
    Subject,
    BodyText,
    BodyHtml,
    SmsText,
    Version,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum NotificationSettings {
    Table,
    Id,
    Event,
    Scope,
    CustomerId,
    Enabled,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Calls {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Customers {
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
        use Messages as M;
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .col(uuid(M::Id).primary_key())
                    .col(string_len(M::Direction, 8))
                    .col(string_len(M::Channel, 8))
                    .col(string_len_null(M::Event, 40))
                    .col(string_len(M::Status, 16))
                    .col(uuid_null(M::TicketId))
                    .col(uuid_null(M::CallId))
                    .col(uuid_null(M::CommentId))
                    .col(uuid_null(M::TaskId))
                    .col(uuid_null(M::ContactId))
                    .col(uuid_null(M::UserId))
                    .col(string_len(M::ToAddress, 320))
                    .col(string_len_null(M::ToName, 200))
                    .col(string_len_null(M::FromAddress, 320))
                    .col(string_len_null(M::FromName, 200))
                    .col(text(M::Subject))
                    .col(text(M::BodyText))
                    .col(text_null(M::BodyHtml))
                    .col(string_len_null(M::Language, 16))
                    .col(string_len_null(M::MessageId, 998))
                    .col(string_len_null(M::InReplyTo, 998))
                    .col(text(M::ReferenceIds))
                    .col(string_len_null(M::AutoSubmitted, 40))
                    .col(text(M::AttachmentIds))
                    .col(integer(M::Attempts))
                    .col(text_null(M::LastError))
                    .col(uuid_null(M::SourceJobId))
                    .col(string_len_null(M::RawKey, 200))
                    .col(timestamp_with_time_zone(M::CreatedAt))
                    .col(timestamp_with_time_zone(M::UpdatedAt))
                    .col(timestamp_with_time_zone_null(M::SentAt))
                    .foreign_key(&mut fk(M::Table, M::TicketId, Tickets::Table, Tickets::Id))
                    .foreign_key(&mut fk(M::Table, M::CallId, Calls::Table, Calls::Id))
                    .foreign_key(&mut fk(M::Table, M::UserId, Users::Table, Users::Id))
                    .to_owned(),
            )
            .await?;
        manager.create_index(Index::create().name("ux_messages_message_id").table(M::Table).col(M::MessageId).unique().to_owned()).await?;
        // A notification job composes its message once, even when it runs again after a crash.
        manager
            .create_index(Index::create().name("ux_messages_source_job").table(M::Table).col(M::SourceJobId).unique().to_owned())
            .await?;
        manager
            .create_index(Index::create().name("ix_messages_ticket").table(M::Table).col(M::TicketId).col(M::CreatedAt).to_owned())
            .await?;
        manager.create_index(Index::create().name("ix_messages_call").table(M::Table).col(M::CallId).to_owned()).await?;
        manager
            .create_index(
                Index::create().name("ix_messages_outbox").table(M::Table).col(M::Direction).col(M::Status).col(M::CreatedAt).to_owned(),
            )
            .await?;

        use Templates as T;
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .col(uuid(T::Id).primary_key())
                    .col(string_len(T::Event, 40))
                    .col(string_len(T::Language, 16))
                    .col(text(T::Subject))
                    .col(text(T::BodyText))
                    .col(text_null(T::BodyHtml))
                    .col(text_null(T::SmsText))
                    .col(big_integer(T::Version))
                    .col(uuid_null(T::UpdatedBy))
                    .col(timestamp_with_time_zone(T::CreatedAt))
                    .col(timestamp_with_time_zone(T::UpdatedAt))
                    .foreign_key(&mut fk(T::Table, T::UpdatedBy, Users::Table, Users::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ux_templates_event_language").table(T::Table).col(T::Event).col(T::Language).unique().to_owned(),
            )
            .await?;

        use NotificationSettings as N;
        manager
            .create_table(
                Table::create()
                    .table(N::Table)
                    .col(uuid(N::Id).primary_key())
                    .col(string_len(N::Event, 40))
                    // `*` for the installation-wide switch, else the customer's id: a unique
                    // key that does not depend on how a database treats NULLs.
                    .col(string_len(N::Scope, 40))
                    .col(uuid_null(N::CustomerId))
                    .col(boolean(N::Enabled))
                    .col(timestamp_with_time_zone(N::UpdatedAt))
                    .foreign_key(&mut fk(N::Table, N::CustomerId, Customers::Table, Customers::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ux_notification_settings").table(N::Table).col(N::Event).col(N::Scope).unique().to_owned())
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(NotificationSettings::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Templates::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Messages::Table).to_owned()).await
    }
}
