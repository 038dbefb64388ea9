//! Directory: customers with their locations and contacts (phones kept apart so a caller's
//! number is an indexed lookup), partners, products and equipment; and the yearly number
//! sequences that tickets, calls and documents draw from.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
    Name,
    Kind,
    TaxId,
    Email,
    Phone,
    BillingEmail,
    BillingAddress,
    Language,
    AcknowledgeCalls,
    AutoResolveAlarms,
    Notes,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Locations {
    Table,
    Id,
    CustomerId,
    Name,
    AddressLine,
    PostalCode,
    City,
    Country,
    Latitude,
    Longitude,
    Notes,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
    CustomerId,
    Name,
    Email,
    JobTitle,
    PortalAccess,
    PreferredChannel,
    Language,
    Notes,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ContactPhones {
    Table,
    ContactId,
    Phone,
    Position,
}

#[derive(DeriveIden)]
enum Partners {
    Table,
    Id,
    Name,
    TaxId,
    Email,
    Phone,
    Notes,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    Name,
    Sku,
    DefaultWarrantyMonths,
    SerialPattern,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Equipment {
    Table,
    Id,
    ProductId,
    SerialNumber,
    CustomerId,
    LocationId,
    InstalledOn,
    WarrantyEnd,
    WarrantyEndOverridden,
    Notes,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sequences {
    Table,
    Name,
    Period,
    LastValue,
}

fn fk(from: (impl IntoIden, impl IntoIden), to: (impl IntoIden, impl IntoIden), on_delete: ForeignKeyAction) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from.0, from.1).to(to.0, to.1).on_delete(on_delete).to_owned()
}

fn index(name: &str, table: impl IntoIden, cols: Vec<DynIden>) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(c);
    }
    i.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Customers::Table)
                    .col(uuid(Customers::Id).primary_key())
                    .col(string_len(Customers::Name, 200))
                    .col(string_len(Customers::Kind, 16))
                    .col(string_len_null(Customers::TaxId, 64))
                    .col(string_len_null(Customers::Email, 254))
                    .col(string_len_null(Customers::Phone, 32))
                    .col(string_len_null(Customers::BillingEmail, 254))
                    .col(text_null(Customers::BillingAddress))
                    .col(string_len_null(Customers::Language, 16))
                    .col(boolean(Customers::AcknowledgeCalls).default(true))
                    .col(boolean(Customers::AutoResolveAlarms).default(false))
                    .col(text_null(Customers::Notes))
                    .col(boolean(Customers::Active).default(true))
                    .col(big_integer(Customers::Version).default(1))
                    .col(timestamp_with_time_zone(Customers::CreatedAt))
                    .col(timestamp_with_time_zone(Customers::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_customers_updated",
                Customers::Table,
                vec![Customers::UpdatedAt.into_iden(), Customers::Id.into_iden()],
            ))
            .await?;
        manager.create_index(index("ix_customers_email", Customers::Table, vec![Customers::Email.into_iden()])).await?;
        manager.create_index(index("ix_customers_phone", Customers::Table, vec![Customers::Phone.into_iden()])).await?;

        manager
            .create_table(
                Table::create()
                    .table(Locations::Table)
                    .col(uuid(Locations::Id).primary_key())
                    .col(uuid(Locations::CustomerId))
                    .col(string_len(Locations::Name, 200))
                    .col(string_len(Locations::AddressLine, 300))
                    .col(string_len_null(Locations::PostalCode, 20))
                    .col(string_len(Locations::City, 120))
                    .col(string_len_null(Locations::Country, 2))
                    .col(double_null(Locations::Latitude))
                    .col(double_null(Locations::Longitude))
                    .col(text_null(Locations::Notes))
                    .col(boolean(Locations::Active).default(true))
                    .col(big_integer(Locations::Version).default(1))
                    .col(timestamp_with_time_zone(Locations::CreatedAt))
                    .col(timestamp_with_time_zone(Locations::UpdatedAt))
                    .foreign_key(&mut fk(
                        (Locations::Table, Locations::CustomerId),
                        (Customers::Table, Customers::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_locations_customer", Locations::Table, vec![Locations::CustomerId.into_iden()])).await?;
        manager
            .create_index(index(
                "ix_locations_updated",
                Locations::Table,
                vec![Locations::UpdatedAt.into_iden(), Locations::Id.into_iden()],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Contacts::Table)
                    .col(uuid(Contacts::Id).primary_key())
                    .col(uuid(Contacts::CustomerId))
                    .col(string_len(Contacts::Name, 200))
                    .col(string_len_null(Contacts::Email, 254))
                    .col(string_len_null(Contacts::JobTitle, 200))
                    .col(boolean(Contacts::PortalAccess).default(false))
                    .col(string_len(Contacts::PreferredChannel, 8).default("email"))
                    .col(string_len_null(Contacts::Language, 16))
                    .col(text_null(Contacts::Notes))
                    .col(boolean(Contacts::Active).default(true))
                    .col(big_integer(Contacts::Version).default(1))
                    .col(timestamp_with_time_zone(Contacts::CreatedAt))
                    .col(timestamp_with_time_zone(Contacts::UpdatedAt))
                    .foreign_key(&mut fk(
                        (Contacts::Table, Contacts::CustomerId),
                        (Customers::Table, Customers::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_contacts_customer", Contacts::Table, vec![Contacts::CustomerId.into_iden()])).await?;
        manager.create_index(index("ix_contacts_email", Contacts::Table, vec![Contacts::Email.into_iden()])).await?;
        manager
            .create_index(index("ix_contacts_updated", Contacts::Table, vec![Contacts::UpdatedAt.into_iden(), Contacts::Id.into_iden()]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ContactPhones::Table)
                    .col(uuid(ContactPhones::ContactId))
                    .col(string_len(ContactPhones::Phone, 32))
                    .col(integer(ContactPhones::Position))
                    .primary_key(Index::create().col(ContactPhones::ContactId).col(ContactPhones::Phone))
                    .foreign_key(&mut fk(
                        (ContactPhones::Table, ContactPhones::ContactId),
                        (Contacts::Table, Contacts::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_contact_phones_phone", ContactPhones::Table, vec![ContactPhones::Phone.into_iden()])).await?;

        manager
            .create_table(
                Table::create()
                    .table(Partners::Table)
                    .col(uuid(Partners::Id).primary_key())
                    .col(string_len(Partners::Name, 200))
                    .col(string_len_null(Partners::TaxId, 64))
                    .col(string_len_null(Partners::Email, 254))
                    .col(string_len_null(Partners::Phone, 32))
                    .col(text_null(Partners::Notes))
                    .col(boolean(Partners::Active).default(true))
                    .col(big_integer(Partners::Version).default(1))
                    .col(timestamp_with_time_zone(Partners::CreatedAt))
                    .col(timestamp_with_time_zone(Partners::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ix_partners_updated", Partners::Table, vec![Partners::UpdatedAt.into_iden(), Partners::Id.into_iden()]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Products::Table)
                    .col(uuid(Products::Id).primary_key())
                    .col(string_len(Products::Name, 200))
                    .col(string_len_null(Products::Sku, 100).unique_key())
                    .col(integer(Products::DefaultWarrantyMonths).default(24))
                    .col(string_len_null(Products::SerialPattern, 200))
                    .col(boolean(Products::Active).default(true))
                    .col(big_integer(Products::Version).default(1))
                    .col(timestamp_with_time_zone(Products::CreatedAt))
                    .col(timestamp_with_time_zone(Products::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ix_products_updated", Products::Table, vec![Products::UpdatedAt.into_iden(), Products::Id.into_iden()]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Equipment::Table)
                    .col(uuid(Equipment::Id).primary_key())
                    .col(uuid(Equipment::ProductId))
                    .col(string_len(Equipment::SerialNumber, 100))
                    .col(uuid_null(Equipment::CustomerId))
                    .col(uuid_null(Equipment::LocationId))
                    .col(date_null(Equipment::InstalledOn))
                    .col(date_null(Equipment::WarrantyEnd))
                    .col(boolean(Equipment::WarrantyEndOverridden).default(false))
                    .col(text_null(Equipment::Notes))
                    .col(boolean(Equipment::Active).default(true))
                    .col(big_integer(Equipment::Version).default(1))
                    .col(timestamp_with_time_zone(Equipment::CreatedAt))
                    .col(timestamp_with_time_zone(Equipment::UpdatedAt))
                    .foreign_key(&mut fk(
                        (Equipment::Table, Equipment::ProductId),
                        (Products::Table, Products::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        (Equipment::Table, Equipment::CustomerId),
                        (Customers::Table, Customers::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        (Equipment::Table, Equipment::LocationId),
                        (Locations::Table, Locations::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_equipment_product_serial")
                    .table(Equipment::Table)
                    .col(Equipment::ProductId)
                    .col(Equipment::SerialNumber)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_equipment_serial", Equipment::Table, vec![Equipment::SerialNumber.into_iden()])).await?;
        manager.create_index(index("ix_equipment_customer", Equipment::Table, vec![Equipment::CustomerId.into_iden()])).await?;
        manager
            .create_index(index(
                "ix_equipment_updated",
                Equipment::Table,
                vec![Equipment::UpdatedAt.into_iden(), Equipment::Id.into_iden()],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sequences::Table)
                    .col(string_len(Sequences::Name, 32))
                    .col(integer(Sequences::Period))
                    .col(big_integer(Sequences::LastValue))
                    .primary_key(Index::create().col(Sequences::Name).col(Sequences::Period))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Sequences::Table.into_iden(),
            Equipment::Table.into_iden(),
            Products::Table.into_iden(),
            Partners::Table.into_iden(),
            ContactPhones::Table.into_iden(),
            Contacts::Table.into_iden(),
            Locations::Table.into_iden(),
            Customers::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
