//! Contracts and billing rates: a customer's contracts with their flat-fee services, the
//! locations and categories they cover and their status history; equipment may name its
//! contract; tickets remember the contract that covers them; billing rates per installation,
//! role, user, category or customer, each from a date on.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Contracts {
    Table,
    Id,
    Number,
    CustomerId,
    Name,
    Status,
    StartsOn,
    EndsOn,
    Cycle,
    Timing,
    Currency,
    IncludedMinutes,
    HourlyRateMinor,
    Notes,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ContractServices {
    Table,
    Id,
    ContractId,
    Position,
    Kind,
    Description,
    FeeMinor,
}

#[derive(DeriveIden)]
enum ContractLocations {
    Table,
    ContractId,
    LocationId,
}

#[derive(DeriveIden)]
enum ContractCategories {
    Table,
    ContractId,
    CategoryId,
}

#[derive(DeriveIden)]
enum ContractStatusChanges {
    Table,
    Id,
    ContractId,
    FromStatus,
    ToStatus,
    EffectiveOn,
    Note,
    ChangedBy,
    ChangedAt,
}

#[derive(DeriveIden)]
enum BillingRates {
    Table,
    Id,
    Scope,
    ScopeKey,
    Role,
    UserId,
    CategoryId,
    CustomerId,
    RateMinor,
    Currency,
    ValidFrom,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Locations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum DictionaryEntries {
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

fn owned(table: impl IntoIden, from: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(table, from).to(Contracts::Table, Contracts::Id).on_delete(ForeignKeyAction::Cascade).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Contracts as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(uuid(C::Id).primary_key())
                    .col(string_len(C::Number, 32).unique_key())
                    .col(uuid(C::CustomerId))
                    .col(string_len(C::Name, 200))
                    .col(string_len(C::Status, 16))
                    .col(date(C::StartsOn))
                    .col(date_null(C::EndsOn))
                    .col(string_len(C::Cycle, 16))
                    .col(string_len(C::Timing, 16))
                    .col(string_len(C::Currency, 3))
                    .col(big_integer(C::IncludedMinutes).default(0))
                    .col(big_integer_null(C::HourlyRateMinor))
                    .col(text_null(C::Notes))
                    .col(big_integer(C::Version).default(1))
                    .col(timestamp_with_time_zone(C::CreatedAt))
                    .col(timestamp_with_time_zone(C::UpdatedAt))
                    .foreign_key(&mut fk(C::Table, C::CustomerId, Customers::Table, Customers::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_contracts_customer").table(C::Table).col(C::CustomerId).col(C::StartsOn).to_owned())
            .await?;
        manager.create_index(Index::create().name("ix_contracts_updated").table(C::Table).col(C::UpdatedAt).col(C::Id).to_owned()).await?;

        use ContractServices as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(uuid(S::Id).primary_key())
                    .col(uuid(S::ContractId))
                    .col(integer(S::Position))
                    .col(string_len(S::Kind, 16))
                    .col(string_len(S::Description, 500))
                    .col(big_integer(S::FeeMinor))
                    .foreign_key(&mut owned(S::Table, S::ContractId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_contract_services_contract").table(S::Table).col(S::ContractId).col(S::Position).to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ContractLocations::Table)
                    .col(uuid(ContractLocations::ContractId))
                    .col(uuid(ContractLocations::LocationId))
                    .primary_key(Index::create().col(ContractLocations::ContractId).col(ContractLocations::LocationId))
                    .foreign_key(&mut owned(ContractLocations::Table, ContractLocations::ContractId))
                    .foreign_key(&mut fk(ContractLocations::Table, ContractLocations::LocationId, Locations::Table, Locations::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ContractCategories::Table)
                    .col(uuid(ContractCategories::ContractId))
                    .col(uuid(ContractCategories::CategoryId))
                    .primary_key(Index::create().col(ContractCategories::ContractId).col(ContractCategories::CategoryId))
                    .foreign_key(&mut owned(ContractCategories::Table, ContractCategories::ContractId))
                    .foreign_key(&mut fk(
                        ContractCategories::Table,
                        ContractCategories::CategoryId,
                        DictionaryEntries::Table,
                        DictionaryEntries::Id,
                    ))
                    .to_owned(),
            )
            .await?;

        use ContractStatusChanges as H;
        manager
            .create_table(
                Table::create()
                    .table(H::Table)
                    .col(uuid(H::Id).primary_key())
                    .col(uuid(H::ContractId))
                    .col(string_len_null(H::FromStatus, 16))
                    .col(string_len(H::ToStatus, 16))
                    .col(date(H::EffectiveOn))
                    .col(text_null(H::Note))
                    .col(uuid_null(H::ChangedBy))
                    .col(timestamp_with_time_zone(H::ChangedAt))
                    .foreign_key(&mut owned(H::Table, H::ContractId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_contract_status_changes").table(H::Table).col(H::ContractId).col(H::Id).to_owned())
            .await?;

        use BillingRates as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(uuid(R::Id).primary_key())
                    .col(string_len(R::Scope, 16))
                    // `installation`, `role:technician`, `user:<id>`, …: one rate per scope and date.
                    .col(string_len(R::ScopeKey, 64))
                    .col(string_len_null(R::Role, 16))
                    .col(uuid_null(R::UserId))
                    .col(uuid_null(R::CategoryId))
                    .col(uuid_null(R::CustomerId))
                    .col(big_integer(R::RateMinor))
                    .col(string_len(R::Currency, 3))
                    .col(date(R::ValidFrom))
                    .col(big_integer(R::Version).default(1))
                    .col(timestamp_with_time_zone(R::CreatedAt))
                    .col(timestamp_with_time_zone(R::UpdatedAt))
                    .foreign_key(&mut fk(R::Table, R::UserId, Users::Table, Users::Id))
                    .foreign_key(&mut fk(R::Table, R::CategoryId, DictionaryEntries::Table, DictionaryEntries::Id))
                    .foreign_key(&mut fk(R::Table, R::CustomerId, Customers::Table, Customers::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ux_billing_rates_scope_date").table(R::Table).col(R::ScopeKey).col(R::ValidFrom).unique().to_owned(),
            )
            .await?;

        // sea-query cannot add a foreign key to an existing SQLite table; both databases accept
        // a REFERENCES clause on a new nullable column.
        let uuid_type = if manager.get_database_backend() == DbBackend::Sqlite { "uuid_text" } else { "uuid" };
        let conn = manager.get_connection();
        for table in ["equipment", "tickets"] {
            conn.execute_unprepared(&format!("ALTER TABLE {table} ADD COLUMN contract_id {uuid_type} NULL REFERENCES contracts (id)"))
                .await?;
            conn.execute_unprepared(&format!("CREATE INDEX ix_{table}_contract ON {table} (contract_id)")).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        for table in ["tickets", "equipment"] {
            conn.execute_unprepared(&format!("DROP INDEX ix_{table}_contract")).await?;
            conn.execute_unprepared(&format!("ALTER TABLE {table} DROP COLUMN contract_id")).await?;
        }
        manager.drop_table(Table::drop().table(BillingRates::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ContractStatusChanges::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ContractCategories::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ContractLocations::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ContractServices::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Contracts::Table).to_owned()).await?;
        Ok(())
    }
}
