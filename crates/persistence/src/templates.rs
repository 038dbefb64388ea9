//! Notification templates admins wrote (the built-in defaults live in the domain).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use servdesk_domain::notifications::{NotificationEvent, TemplateText};
use uuid::Uuid;

use crate::entities::templates as row;
use crate::error::StoreError;

/// A stored template.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTemplate {
    pub event: NotificationEvent,
    pub language: String,
    pub text: TemplateText,
    pub version: i64,
    pub updated_by: Option<Uuid>,
    pub updated_at: DateTime<Utc>,
}

fn to_template(m: row::Model) -> Result<StoredTemplate, StoreError> {
    Ok(StoredTemplate {
        event: NotificationEvent::parse(&m.event).ok_or_else(|| StoreError::corrupt("templates", format!("{}: event", m.id)))?,
        language: m.language,
        text: TemplateText { subject: m.subject, text: m.body_text, html: m.body_html, sms: m.sms_text },
        version: m.version,
        updated_by: m.updated_by,
        updated_at: m.updated_at,
    })
}

pub async fn all(conn: &impl ConnectionTrait) -> Result<Vec<StoredTemplate>, StoreError> {
    row::Entity::find()
        .order_by_asc(row::Column::Event)
        .order_by_asc(row::Column::Language)
        .all(conn)
        .await?
        .into_iter()
        .map(to_template)
        .collect()
}

pub async fn get(conn: &impl ConnectionTrait, event: NotificationEvent, language: &str) -> Result<Option<StoredTemplate>, StoreError> {
    row::Entity::find()
        .filter(row::Column::Event.eq(event.as_str()))
        .filter(row::Column::Language.eq(language))
        .one(conn)
        .await?
        .map(to_template)
        .transpose()
}

/// The stored templates of an event in any of `languages`.
pub async fn of_event(
    conn: &impl ConnectionTrait,
    event: NotificationEvent,
    languages: &[String],
) -> Result<Vec<StoredTemplate>, StoreError> {
    row::Entity::find()
        .filter(row::Column::Event.eq(event.as_str()))
        .filter(row::Column::Language.is_in(languages.iter().map(String::as_str)))
        .all(conn)
        .await?
        .into_iter()
        .map(to_template)
        .collect()
}

/// Writes the template of `event` in `language`, replacing the one there was.
pub async fn put(
    conn: &impl ConnectionTrait,
    event: NotificationEvent,
    language: &str,
    text: &TemplateText,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<StoredTemplate, StoreError> {
    let version = get(conn, event, language).await?.map_or(1, |t| t.version + 1);
    let model = row::ActiveModel {
        id: Set(Uuid::now_v7()),
        event: Set(event.as_str().to_owned()),
        language: Set(language.to_owned()),
        subject: Set(text.subject.clone()),
        body_text: Set(text.text.clone()),
        body_html: Set(text.html.clone()),
        sms_text: Set(text.sms.clone()),
        version: Set(version),
        updated_by: Set(by),
        created_at: Set(now),
        updated_at: Set(now),
    };
    row::Entity::insert(model)
        .on_conflict(
            OnConflict::columns([row::Column::Event, row::Column::Language])
                .update_columns([
                    row::Column::Subject,
                    row::Column::BodyText,
                    row::Column::BodyHtml,
                    row::Column::SmsText,
                    row::Column::Version,
                    row::Column::UpdatedBy,
                    row::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    get(conn, event, language).await?.ok_or(StoreError::NotFound)
}

/// Removes a stored template (the built-in default applies again). False when there was none.
pub async fn delete(conn: &impl ConnectionTrait, event: NotificationEvent, language: &str) -> Result<bool, StoreError> {
    let result = row::Entity::delete_many()
        .filter(row::Column::Event.eq(event.as_str()))
        .filter(row::Column::Language.eq(language))
        .exec(conn)
        .await?;
    Ok(result.rows_affected > 0)
}
