//! Comments that arrive by email: who wrote them (the contact, or at least the address) and
//! the quoted history below the reply, kept apart so frontends can fold it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TicketComments {
    Table,
    AuthorEmail,
    QuotedText,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // See 000013: a REFERENCES clause on a new nullable column works on both databases.
        let uuid_type = if manager.get_database_backend() == DbBackend::Sqlite { "uuid_text" } else { "uuid" };
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "ALTER TABLE ticket_comments ADD COLUMN author_contact_id {uuid_type} NULL REFERENCES contacts (id)"
            ))
            .await?;
        manager
            .alter_table(
                Table::alter().table(TicketComments::Table).add_column(string_len_null(TicketComments::AuthorEmail, 320)).to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table(TicketComments::Table).add_column(text_null(TicketComments::QuotedText)).to_owned())
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        for column in ["quoted_text", "author_email", "author_contact_id"] {
            conn.execute_unprepared(&format!("ALTER TABLE ticket_comments DROP COLUMN {column}")).await?;
        }
        Ok(())
    }
}
