//! Where attachment bytes live: the `object_store` crate over a local directory (the default,
//! under the data directory) or an S3-compatible bucket (`SERVDESK_STORAGE_URL=s3://…`).
//!
//! Objects are written with a multipart upload that becomes visible only when finished (the
//! local store writes a staging file and renames it), so a failed upload leaves nothing.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};

use crate::config::Config;

/// Installs rustls' ring provider for the S3 client (and any other HTTPS client of the process).
/// Safe to call more than once.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[derive(Debug, thiserror::Error)]
#[error("object store: {0}")]
pub struct StorageError(#[from] object_store::Error);

impl StorageError {
    /// The object is not there (as opposed to the store not answering).
    pub fn is_not_found(&self) -> bool {
        matches!(self.0, object_store::Error::NotFound { .. })
    }
}

#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    description: String,
}

impl Storage {
    pub fn from_config(config: &Config) -> Result<Self, String> {
        install_crypto_provider();
        let url = config.storage_url.trim();
        if url.is_empty() || url.starts_with("file://") {
            let dir = match url.strip_prefix("file://") {
                Some(path) if !path.is_empty() => std::path::PathBuf::from(path),
                _ => config.data_dir.join("attachments"),
            };
            std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            let store = LocalFileSystem::new_with_prefix(&dir).map_err(|e| format!("storage directory {}: {e}", dir.display()))?;
            return Ok(Self { store: Arc::new(store), description: format!("directory {}", dir.display()) });
        }
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err("SERVDESK_STORAGE_URL: s3:// needs a bucket name".to_owned());
            }
            // Credentials, region and endpoint come from the usual AWS_* variables
            // (AWS_ENDPOINT and AWS_ALLOW_HTTP for MinIO, Garage, Ceph and the like); names
            // object_store does not know are ignored, as its own `from_env` does.
            let s3 = config
                .s3_settings
                .iter()
                .filter_map(|(key, value)| Some((key.parse::<AmazonS3ConfigKey>().ok()?, value)))
                .fold(AmazonS3Builder::new(), |builder, (key, value)| builder.with_config(key, value))
                .with_bucket_name(bucket)
                .build()
                .map_err(|e| format!("SERVDESK_STORAGE_URL: {e}"))?;
            let prefix = prefix.trim_matches('/');
            let store: Arc<dyn ObjectStore> =
                if prefix.is_empty() { Arc::new(s3) } else { Arc::new(PrefixStore::new(s3, prefix.to_owned())) };
            return Ok(Self { store, description: format!("bucket {bucket}/{prefix}") });
        }
        Err(format!("SERVDESK_STORAGE_URL must be file:///path or s3://bucket/prefix, not {url:?}"))
    }

    /// Where the object of attachment `id` lives: spread by month, so listings stay short.
    pub fn attachment_key(id: uuid::Uuid, at: chrono::DateTime<chrono::Utc>) -> String {
        Self::monthly("attachments", &id.to_string(), at)
    }

    /// Where the raw source of inbound email `id` is kept.
    pub fn inbound_key(id: uuid::Uuid, at: chrono::DateTime<chrono::Utc>) -> String {
        Self::monthly("inbound", &format!("{id}.eml"), at)
    }

    fn monthly(area: &str, name: &str, at: chrono::DateTime<chrono::Utc>) -> String {
        use chrono::Datelike;
        format!("{area}/{:04}/{:02}/{name}", at.year(), at.month())
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    /// Starts writing an object; nothing is visible under `key` until [`Upload::finish`].
    pub async fn begin(&self, key: &str) -> Result<Upload, StorageError> {
        let upload = self.store.put_multipart(&Path::from(key)).await?;
        Ok(Upload { writer: WriteMultipart::new(upload) })
    }

    pub async fn read(&self, key: &str) -> Result<BoxStream<'static, Result<Bytes, StorageError>>, StorageError> {
        let got = self.store.get(&Path::from(key)).await?;
        Ok(got.into_stream().map_err(StorageError).boxed())
    }

    /// Reads a whole (small) object into memory: images going into a report.
    pub async fn read_all(&self, key: &str) -> Result<Bytes, StorageError> {
        Ok(self.store.get(&Path::from(key)).await?.bytes().await?)
    }

    /// Writes a whole object generated in memory (a report).
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StorageError> {
        self.store.put(&Path::from(key), bytes.into()).await?;
        Ok(())
    }

    /// Removes objects whose rows were never written or were deleted. Failures are logged:
    /// an orphaned object wastes space but loses nothing.
    pub async fn discard(&self, keys: impl IntoIterator<Item = &str>) {
        for key in keys {
            if let Err(e) = self.store.delete(&Path::from(key)).await {
                tracing::warn!(key, error = %e, "could not remove an attachment object");
            }
        }
    }
}

pub struct Upload {
    writer: WriteMultipart,
}

impl Upload {
    pub async fn write(&mut self, bytes: Bytes) -> Result<(), StorageError> {
        // At most two parts in flight: bounded memory per upload.
        self.writer.wait_for_capacity(2).await?;
        self.writer.put(bytes);
        Ok(())
    }

    pub async fn finish(self) -> Result<(), StorageError> {
        self.writer.finish().await?;
        Ok(())
    }

    pub async fn abort(self) {
        if let Err(e) = self.writer.abort().await {
            tracing::warn!(error = %e, "could not abort an attachment upload");
        }
    }
}
