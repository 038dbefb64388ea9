//! Webhooks: the subscriptions, the events waiting to be told (written in the transaction
//! of the change they tell of, so none is lost or invented) and each delivery of an event
//! to a subscription with the outcome of its last attempt.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::keys::cascade;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebhookSubscriptions {
    Table,
    Id,
    Url,
    Description,
    EventTypes,
    Active,
    Secret,
    PreviousSecret,
    PreviousSecretUntil,
    OwnerUserId,
    FailingSince,
    DisabledReason,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    Id,
    EventType,
    Resource,
    ResourceId,
    Previous,
    OccurredAt,
    Payload,
    DispatchedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    SubscriptionId,
    EventId,
    ResourceKey,
    Status,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastAttemptAt,
    ResponseStatus,
    DurationMs,
    ResponseExcerpt,
    Error,
    RedeliveryOf,
    CreatedAt,
    DeliveredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebhookSubscriptions::Table)
                    .col(uuid(WebhookSubscriptions::Id).primary_key())
                    .col(text(WebhookSubscriptions::Url))
                    .col(text_null(WebhookSubscriptions::Description))
                    .col(text(WebhookSubscriptions::EventTypes))
                    .col(boolean(WebhookSubscriptions::Active).default(true))
                    .col(text(WebhookSubscriptions::Secret))
                    .col(text_null(WebhookSubscriptions::PreviousSecret))
                    .col(timestamp_with_time_zone_null(WebhookSubscriptions::PreviousSecretUntil))
                    .col(uuid_null(WebhookSubscriptions::OwnerUserId))
                    .col(timestamp_with_time_zone_null(WebhookSubscriptions::FailingSince))
                    .col(text_null(WebhookSubscriptions::DisabledReason))
                    .col(big_integer(WebhookSubscriptions::Version).default(1))
                    .col(timestamp_with_time_zone(WebhookSubscriptions::CreatedAt))
                    .col(timestamp_with_time_zone(WebhookSubscriptions::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookEvents::Table)
                    .col(uuid(WebhookEvents::Id).primary_key())
                    .col(string_len(WebhookEvents::EventType, 40))
                    .col(string_len(WebhookEvents::Resource, 40))
                    .col(uuid(WebhookEvents::ResourceId))
                    .col(text_null(WebhookEvents::Previous))
                    .col(timestamp_with_time_zone(WebhookEvents::OccurredAt))
                    .col(text_null(WebhookEvents::Payload))
                    .col(timestamp_with_time_zone_null(WebhookEvents::DispatchedAt))
                    .to_owned(),
            )
            .await?;
        // The dispatcher looks for what is not dispatched yet, oldest first.
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_events_waiting")
                    .table(WebhookEvents::Table)
                    .col(WebhookEvents::DispatchedAt)
                    .col(WebhookEvents::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(uuid(WebhookDeliveries::Id).primary_key())
                    .col(uuid(WebhookDeliveries::SubscriptionId))
                    .col(uuid(WebhookDeliveries::EventId))
                    .col(string_len(WebhookDeliveries::ResourceKey, 80))
                    .col(string_len(WebhookDeliveries::Status, 20))
                    .col(integer(WebhookDeliveries::Attempts).default(0))
                    .col(timestamp_with_time_zone(WebhookDeliveries::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(WebhookDeliveries::LockedUntil))
                    .col(timestamp_with_time_zone_null(WebhookDeliveries::LastAttemptAt))
                    .col(integer_null(WebhookDeliveries::ResponseStatus))
                    .col(integer_null(WebhookDeliveries::DurationMs))
                    .col(text_null(WebhookDeliveries::ResponseExcerpt))
                    .col(text_null(WebhookDeliveries::Error))
                    .col(uuid_null(WebhookDeliveries::RedeliveryOf))
                    .col(timestamp_with_time_zone(WebhookDeliveries::CreatedAt))
                    .col(timestamp_with_time_zone_null(WebhookDeliveries::DeliveredAt))
                    .foreign_key(&mut cascade(
                        WebhookDeliveries::Table,
                        WebhookDeliveries::SubscriptionId,
                        WebhookSubscriptions::Table,
                        WebhookSubscriptions::Id,
                    ))
                    .foreign_key(&mut cascade(
                        WebhookDeliveries::Table,
                        WebhookDeliveries::EventId,
                        WebhookEvents::Table,
                        WebhookEvents::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        // Due deliveries; the ones ahead of a delivery for the same record; the log.
        for (name, cols) in [
            ("ix_webhook_deliveries_due", vec![WebhookDeliveries::Status, WebhookDeliveries::NextAttemptAt]),
            (
                "ix_webhook_deliveries_order",
                vec![WebhookDeliveries::SubscriptionId, WebhookDeliveries::ResourceKey, WebhookDeliveries::Status],
            ),
            ("ix_webhook_deliveries_log", vec![WebhookDeliveries::SubscriptionId, WebhookDeliveries::Id]),
            ("ix_webhook_deliveries_event", vec![WebhookDeliveries::EventId]),
        ] {
            let mut index = Index::create();
            index.name(name).table(WebhookDeliveries::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(WebhookDeliveries::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(WebhookEvents::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(WebhookSubscriptions::Table).to_owned()).await
    }
}
