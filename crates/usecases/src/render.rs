//! Records as the API shows them, for what hands records to others outside a request: the
//! change feed's entries, the live stream and webhook payloads. The shapes belong to the
//! HTTP layer, so it supplies the renderer (see `Desk::renderer`); the use cases only ask.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use uuid::Uuid;

use crate::{Desk, Result};

/// Renders the record `resource` (`ticket`, `comment`, … as the change feed names them)
/// with `id` as the API returns it; `None` when it no longer exists.
pub trait Renderer: Send + Sync + 'static {
    fn render<'a>(&'a self, desk: &'a Desk, resource: &'a str, id: Uuid) -> BoxFuture<'a, Result<Option<serde_json::Value>>>;
}

/// For a desk built without the HTTP layer's shapes (no such process ships today): names
/// the record and nothing more, so a payload still says what it is about.
pub struct IdOnly;

impl Renderer for IdOnly {
    fn render<'a>(&'a self, _desk: &'a Desk, _resource: &'a str, id: Uuid) -> BoxFuture<'a, Result<Option<serde_json::Value>>> {
        Box::pin(async move { Ok(Some(serde_json::json!({ "id": id }))) })
    }
}

/// Renders through the desk's renderer.
pub async fn render(desk: &Desk, resource: &str, id: Uuid) -> Result<Option<serde_json::Value>> {
    let renderer: Arc<dyn Renderer> = desk.renderer.clone();
    renderer.render(desk, resource, id).await
}
