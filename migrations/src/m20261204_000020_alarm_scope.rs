//! Monitoring alarms per sender: an alarm's identity is its dedup key within its customer (or
//! the API key that raised it), so two customers' devices that both say `disk-full` are two
//! alarms. A repeat of an alarm whose call nobody has triaged yet is counted on that call.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Calls {
    Table,
    AlarmKey,
    AlarmCount,
    AlarmLastSeenAt,
    AlarmResolvedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        manager.alter_table(Table::alter().table(Calls::Table).add_column(string_len_null(Calls::AlarmKey, 400)).to_owned()).await?;
        manager.alter_table(Table::alter().table(Calls::Table).add_column(big_integer(Calls::AlarmCount).default(1)).to_owned()).await?;
        manager
            .alter_table(Table::alter().table(Calls::Table).add_column(timestamp_with_time_zone_null(Calls::AlarmLastSeenAt)).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(Calls::Table).add_column(timestamp_with_time_zone_null(Calls::AlarmResolvedAt)).to_owned())
            .await?;
        manager.create_index(Index::create().name("ix_calls_alarm_key").table(Calls::Table).col(Calls::AlarmKey).to_owned()).await?;
        // Open tickets of alarms raised before: their keys were global; they stay so (a
        // repeat from any sender still finds them until they close).
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("ix_calls_alarm_key").table(Calls::Table).to_owned()).await?;
        let conn = manager.get_connection();
        for column in ["alarm_resolved_at", "alarm_last_seen_at", "alarm_count", "alarm_key"] {
            conn.execute_unprepared(&format!("ALTER TABLE calls DROP COLUMN {column}")).await?;
        }
        Ok(())
    }
}
