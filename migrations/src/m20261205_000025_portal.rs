//! The customers' side: portal accounts of contacts (a password, a role in their company),
//! the one-time links that invite them and log them in, their sessions, and the tracking
//! links that show one request to whoever holds the link.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::keys::cascade;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Calls {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PortalAccounts {
    Table,
    ContactId,
    Role,
    PasswordHash,
    InvitedAt,
    ActivatedAt,
    LastLoginAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PortalLinks {
    Table,
    Id,
    ContactId,
    Purpose,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum PortalSessions {
    Table,
    Id,
    ContactId,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum TrackingLinks {
    Table,
    Id,
    Token,
    CallId,
    TicketId,
    CreatedAt,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PortalAccounts::Table)
                    .col(uuid(PortalAccounts::ContactId).primary_key())
                    .col(string_len(PortalAccounts::Role, 16))
                    .col(text_null(PortalAccounts::PasswordHash))
                    .col(timestamp_with_time_zone_null(PortalAccounts::InvitedAt))
                    .col(timestamp_with_time_zone_null(PortalAccounts::ActivatedAt))
                    .col(timestamp_with_time_zone_null(PortalAccounts::LastLoginAt))
                    .col(timestamp_with_time_zone(PortalAccounts::CreatedAt))
                    .col(timestamp_with_time_zone(PortalAccounts::UpdatedAt))
                    .foreign_key(&mut cascade(PortalAccounts::Table, PortalAccounts::ContactId, Contacts::Table, Contacts::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PortalLinks::Table)
                    .col(uuid(PortalLinks::Id).primary_key())
                    .col(uuid(PortalLinks::ContactId))
                    .col(string_len(PortalLinks::Purpose, 16))
                    .col(string_len_uniq(PortalLinks::TokenHash, 64))
                    .col(timestamp_with_time_zone(PortalLinks::CreatedAt))
                    .col(timestamp_with_time_zone(PortalLinks::ExpiresAt))
                    .col(timestamp_with_time_zone_null(PortalLinks::UsedAt))
                    .foreign_key(&mut cascade(PortalLinks::Table, PortalLinks::ContactId, Contacts::Table, Contacts::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_portal_links_contact").table(PortalLinks::Table).col(PortalLinks::ContactId).to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PortalSessions::Table)
                    .col(uuid(PortalSessions::Id).primary_key())
                    .col(uuid(PortalSessions::ContactId))
                    .col(timestamp_with_time_zone(PortalSessions::CreatedAt))
                    .col(timestamp_with_time_zone(PortalSessions::ExpiresAt))
                    .col(timestamp_with_time_zone_null(PortalSessions::RevokedAt))
                    .foreign_key(&mut cascade(PortalSessions::Table, PortalSessions::ContactId, Contacts::Table, Contacts::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_portal_sessions_contact").table(PortalSessions::Table).col(PortalSessions::ContactId).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TrackingLinks::Table)
                    .col(uuid(TrackingLinks::Id).primary_key())
                    .col(string_len_uniq(TrackingLinks::Token, 64))
                    .col(uuid_null(TrackingLinks::CallId))
                    .col(uuid_null(TrackingLinks::TicketId))
                    .col(timestamp_with_time_zone(TrackingLinks::CreatedAt))
                    .col(timestamp_with_time_zone_null(TrackingLinks::RevokedAt))
                    .foreign_key(&mut cascade(TrackingLinks::Table, TrackingLinks::CallId, Calls::Table, Calls::Id))
                    .foreign_key(&mut cascade(TrackingLinks::Table, TrackingLinks::TicketId, Tickets::Table, Tickets::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_tracking_links_call").table(TrackingLinks::Table).col(TrackingLinks::CallId).to_owned())
            .await?;
        manager
            .create_index(
                Index::create().name("ix_tracking_links_ticket").table(TrackingLinks::Table).col(TrackingLinks::TicketId).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["tracking_links", "portal_sessions", "portal_links", "portal_accounts"] {
            manager.drop_table(Table::drop().table(Alias::new(table)).to_owned()).await?;
        }
        Ok(())
    }
}
