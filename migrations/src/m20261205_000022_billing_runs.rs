//! Month-end billing runs and their statements. What a finalized statement billed is marked
//! on its source — `time_entries.billed_statement_id`, `task_materials.billed_statement_id`,
//! a `billed_fee_periods` row per contract period — so a source is billed at most once across
//! all runs, and what is left to bill is an indexed `IS NULL`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum BillingRuns {
    Table,
    Id,
    Period,
    PeriodFirst,
    PeriodLast,
    CustomerId,
    Status,
    Currency,
    CustomersTotal,
    CustomersDone,
    StatementsCount,
    Error,
    RequestedBy,
    ComputedAt,
    FinalizedAt,
    FinalizedBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Statements {
    Table,
    Id,
    RunId,
    CustomerId,
    Number,
    Status,
    PeriodFirst,
    PeriodLast,
    Totals,
    LinesCount,
    LateLines,
    UnpricedLines,
    InvoiceNumber,
    InvoiceIssuedOn,
    InvoiceExternalRef,
    InvoicedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StatementLines {
    Table,
    StatementId,
    Position,
    Kind,
    Basis,
    Description,
    ContractId,
    ServiceId,
    PeriodFirst,
    PeriodLast,
    DaysFirst,
    DaysLast,
    TicketId,
    TaskId,
    TimeEntryId,
    MaterialId,
    UserId,
    WorkDate,
    Minutes,
    IncludedMinutes,
    AllowanceFrom,
    BilledMinutes,
    QuantityMilli,
    Unit,
    UnitPriceMinor,
    RateSource,
    RateId,
    AmountMinor,
    Currency,
    Late,
    Unpriced,
}

#[derive(DeriveIden)]
enum BilledFeePeriods {
    Table,
    ContractId,
    PeriodFirst,
    StatementId,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Contracts {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use BillingRuns as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(uuid(R::Id).primary_key())
                    .col(string_len(R::Period, 7))
                    .col(date(R::PeriodFirst))
                    .col(date(R::PeriodLast))
                    .col(uuid_null(R::CustomerId))
                    .col(string_len(R::Status, 16))
                    .col(string_len(R::Currency, 3))
                    .col(integer(R::CustomersTotal).default(0))
                    .col(integer(R::CustomersDone).default(0))
                    .col(integer(R::StatementsCount).default(0))
                    .col(text_null(R::Error))
                    .col(uuid_null(R::RequestedBy))
                    .col(timestamp_with_time_zone_null(R::ComputedAt))
                    .col(timestamp_with_time_zone_null(R::FinalizedAt))
                    .col(uuid_null(R::FinalizedBy))
                    .col(big_integer(R::Version).default(1))
                    .col(timestamp_with_time_zone(R::CreatedAt))
                    .col(timestamp_with_time_zone(R::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(R::Table, R::CustomerId)
                            .to(Customers::Table, Customers::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_billing_runs_period").table(R::Table).col(R::PeriodFirst).col(R::Id).to_owned())
            .await?;

        use Statements as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(uuid(S::Id).primary_key())
                    .col(uuid(S::RunId))
                    .col(uuid(S::CustomerId))
                    .col(string_len_null(S::Number, 32).unique_key())
                    .col(string_len(S::Status, 16))
                    .col(date(S::PeriodFirst))
                    .col(date(S::PeriodLast))
                    .col(text(S::Totals))
                    .col(integer(S::LinesCount))
                    .col(integer(S::LateLines))
                    .col(integer(S::UnpricedLines))
                    .col(string_len_null(S::InvoiceNumber, 100))
                    .col(date_null(S::InvoiceIssuedOn))
                    .col(string_len_null(S::InvoiceExternalRef, 200))
                    .col(timestamp_with_time_zone_null(S::InvoicedAt))
                    .col(big_integer(S::Version).default(1))
                    .col(timestamp_with_time_zone(S::CreatedAt))
                    .col(timestamp_with_time_zone(S::UpdatedAt))
                    .foreign_key(ForeignKey::create().from(S::Table, S::RunId).to(R::Table, R::Id).on_delete(ForeignKeyAction::Cascade))
                    .foreign_key(
                        ForeignKey::create()
                            .from(S::Table, S::CustomerId)
                            .to(Customers::Table, Customers::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(Index::create().name("ix_statements_run").table(S::Table).col(S::RunId).col(S::CustomerId).to_owned()).await?;
        manager
            .create_index(Index::create().name("ix_statements_customer").table(S::Table).col(S::CustomerId).col(S::PeriodFirst).to_owned())
            .await?;
        manager.create_index(Index::create().name("ix_statements_updated").table(S::Table).col(S::UpdatedAt).col(S::Id).to_owned()).await?;

        // A run writes a line per time entry: a million for a large month. So the lines carry
        // one index, their key (statement, position), and no foreign key (checking it per row
        // tripled the time to write them): they are written only with their statement, in its
        // transaction, and removed with it by the store.
        use StatementLines as L;
        manager
            .create_table(
                Table::create()
                    .table(L::Table)
                    .col(uuid(L::StatementId))
                    .col(integer(L::Position))
                    .col(string_len(L::Kind, 16))
                    .col(string_len_null(L::Basis, 16))
                    .col(text(L::Description))
                    .col(uuid_null(L::ContractId))
                    .col(uuid_null(L::ServiceId))
                    .col(date_null(L::PeriodFirst))
                    .col(date_null(L::PeriodLast))
                    .col(date_null(L::DaysFirst))
                    .col(date_null(L::DaysLast))
                    .col(uuid_null(L::TicketId))
                    .col(uuid_null(L::TaskId))
                    .col(uuid_null(L::TimeEntryId))
                    .col(uuid_null(L::MaterialId))
                    .col(uuid_null(L::UserId))
                    .col(date_null(L::WorkDate))
                    .col(big_integer(L::Minutes))
                    .col(big_integer(L::IncludedMinutes))
                    .col(date_null(L::AllowanceFrom))
                    .col(big_integer(L::BilledMinutes))
                    .col(big_integer_null(L::QuantityMilli))
                    .col(string_len_null(L::Unit, 20))
                    .col(big_integer_null(L::UnitPriceMinor))
                    .col(string_len_null(L::RateSource, 16))
                    .col(uuid_null(L::RateId))
                    .col(big_integer(L::AmountMinor))
                    .col(string_len(L::Currency, 3))
                    .col(boolean(L::Late))
                    .col(boolean(L::Unpriced))
                    .primary_key(Index::create().col(L::StatementId).col(L::Position))
                    .to_owned(),
            )
            .await?;
        // Included minutes used are summed from the few lines that took some.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_statement_lines_allowance ON statement_lines (contract_id, allowance_from) WHERE allowance_from IS NOT NULL",
            )
            .await?;

        use BilledFeePeriods as B;
        manager
            .create_table(
                Table::create()
                    .table(B::Table)
                    .col(uuid(B::ContractId))
                    .col(date(B::PeriodFirst))
                    .col(uuid(B::StatementId))
                    .primary_key(Index::create().col(B::ContractId).col(B::PeriodFirst))
                    .foreign_key(
                        ForeignKey::create()
                            .from(B::Table, B::ContractId)
                            .to(Contracts::Table, Contracts::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create().from(B::Table, B::StatementId).to(S::Table, S::Id).on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;

        // The billed mark on the sources, without a foreign key: SQLite cannot add one to an
        // existing table through sea-query, and a finalized statement is never deleted.
        let conn = manager.get_connection();
        let uuid_type = if manager.get_database_backend() == sea_orm_migration::sea_orm::DbBackend::Sqlite { "uuid_text" } else { "uuid" };
        use sea_orm_migration::sea_orm::ConnectionTrait;
        for table in ["time_entries", "task_materials"] {
            conn.execute_unprepared(&format!("ALTER TABLE {table} ADD COLUMN billed_statement_id {uuid_type} NULL")).await?;
        }
        conn.execute_unprepared(
            "CREATE INDEX ix_time_entries_unbilled ON time_entries (customer_id, work_date) WHERE billed_statement_id IS NULL",
        )
        .await?;
        conn.execute_unprepared("CREATE INDEX ix_task_materials_unbilled ON task_materials (ticket_id) WHERE billed_statement_id IS NULL")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use sea_orm_migration::sea_orm::ConnectionTrait;
        let conn = manager.get_connection();
        conn.execute_unprepared("DROP INDEX ix_task_materials_unbilled").await?;
        conn.execute_unprepared("DROP INDEX ix_time_entries_unbilled").await?;
        for table in ["task_materials", "time_entries"] {
            conn.execute_unprepared(&format!("ALTER TABLE {table} DROP COLUMN billed_statement_id")).await?;
        }
        manager.drop_table(Table::drop().table(BilledFeePeriods::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(StatementLines::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Statements::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(BillingRuns::Table).to_owned()).await?;
        Ok(())
    }
}
