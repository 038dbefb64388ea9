//! A request body kept on disk instead of in memory, for middleware that must read a whole
//! upload before the handler does (the idempotency fingerprint) and then hand it on.

use std::path::{Path, PathBuf};

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::web::{Bytes, BytesMut};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CHUNK: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("the request body is larger than {0} bytes")]
    TooLarge(u64),
    #[error("the request body could not be read: {0}")]
    Body(String),
    #[error("the request body could not be kept: {0}")]
    Disk(#[from] std::io::Error),
}

/// The body on disk; the file is removed when this is dropped.
pub struct Spooled {
    path: PathBuf,
}

impl Spooled {
    /// Streams `payload` into a file under `dir`, feeding `hasher` on the way with every
    /// occurrence of `boundary` (a multipart delimiter, which clients choose at random per
    /// request) written as one fixed token, so the same parts fingerprint the same.
    pub async fn write(payload: &mut Payload, dir: &Path, limit: u64, hasher: &mut Sha256, boundary: &[u8]) -> Result<Self, SpoolError> {
        let mut normaliser = Normaliser::new(boundary);
        tokio::fs::create_dir_all(dir).await?;
        let spooled = Self { path: dir.join(uuid::Uuid::now_v7().simple().to_string()) };
        let mut file = tokio::fs::File::create(&spooled.path).await?;
        let mut size: u64 = 0;
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| SpoolError::Body(e.to_string()))?;
            size += chunk.len() as u64;
            if size > limit {
                return Err(SpoolError::TooLarge(limit));
            }
            normaliser.feed(hasher, &chunk);
            file.write_all(&chunk).await?;
        }
        normaliser.finish(hasher);
        file.flush().await?;
        Ok(spooled)
    }

    /// The body again, read back from the file in chunks.
    pub async fn payload(&self) -> Result<Payload, SpoolError> {
        let file = tokio::fs::File::open(&self.path).await?;
        let stream = futures_util::stream::unfold(Some(file), |file| async move {
            let mut file = file?;
            let mut buf = BytesMut::zeroed(CHUNK);
            match file.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    Some((Ok::<Bytes, PayloadError>(buf.freeze()), Some(file)))
                }
                Err(e) => Some((Err(PayloadError::Io(e)), None)),
            }
        });
        // Fused: readers such as actix-multipart poll again after the end.
        Ok(Payload::Stream { payload: Box::pin(stream.fuse()) })
    }
}

/// Feeds a hasher with `boundary` replaced, across chunk edges.
struct Normaliser<'a> {
    boundary: &'a [u8],
    carry: Vec<u8>,
}

impl<'a> Normaliser<'a> {
    fn new(boundary: &'a [u8]) -> Self {
        Self { boundary, carry: Vec::new() }
    }

    fn feed(&mut self, hasher: &mut Sha256, chunk: &[u8]) {
        if self.boundary.is_empty() {
            hasher.update(chunk);
            return;
        }
        self.carry.extend_from_slice(chunk);
        let buf = std::mem::take(&mut self.carry);
        let mut done = 0;
        while let Some(at) = memchr::memmem::find(&buf[done..], self.boundary) {
            hasher.update(&buf[done..done + at]);
            hasher.update(b"\0boundary\0");
            done += at + self.boundary.len();
        }
        // The tail might be the start of a boundary completed by the next chunk.
        let keep_from = done.max(buf.len().saturating_sub(self.boundary.len() - 1));
        hasher.update(&buf[done..keep_from]);
        self.carry = buf[keep_from..].to_vec();
    }

    fn finish(self, hasher: &mut Sha256) {
        hasher.update(&self.carry);
    }
}

impl Drop for Spooled {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %self.path.display(), error = %e, "could not remove a spooled request body");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(boundary: &[u8], chunks: &[&[u8]]) -> Vec<u8> {
        let mut hasher = Sha256::new();
        let mut n = Normaliser::new(boundary);
        for c in chunks {
            n.feed(&mut hasher, c);
        }
        n.finish(&mut hasher);
        hasher.finalize().to_vec()
    }

    #[test]
    fn the_same_parts_under_different_boundaries_hash_the_same() {
        let a = digest(b"--aaaa", &[b"--aaaa\r\nhello\r\n--aaaa--"]);
        let b = digest(b"--bbbb", &[b"--bbbb\r\nhello\r\n--bbbb--"]);
        assert_eq!(a, b);
        assert_ne!(a, digest(b"--bbbb", &[b"--bbbb\r\nhellO\r\n--bbbb--"]));
    }

    #[test]
    fn a_boundary_split_across_chunks_is_still_recognised() {
        let whole = digest(b"--abcdef", &[b"x--abcdefy--abcdef"]);
        assert_eq!(whole, digest(b"--abcdef", &[b"x--abc", b"defy--ab", b"cdef"]));
        assert_eq!(whole, digest(b"--abcdef", &[b"x", b"-", b"-abcdefy--abcde", b"f"]));
    }
}
