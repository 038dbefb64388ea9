//! The IMAP poller: a recurring job that reads the unseen messages of a mailbox folder and
//! files each through the inbound use case.
//!
//! A message is flagged `\Seen` (or moved) only after it is stored. A crash in between
//! leaves it unseen; the next poll reads it again and the Message-ID stores it once — so a
//! crash mid-batch neither loses nor duplicates.

use std::fmt::Debug;
use std::sync::Arc;

use async_imap::Client;
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use servdesk_domain::Actor;
use servdesk_persistence::DatabaseConnection;
use servdesk_persistence::jobs::Job;
use servdesk_usecases::Desk;
use servdesk_usecases::config::{ImapSecurity, ImapSettings};
use servdesk_usecases::jobs::{JobFuture, JobHandler};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::inbound;

pub const POLL_IMAP: &str = "mail.poll_imap";

/// Messages filed per poll: a full mailbox is worked down over several polls.
const BATCH: usize = 100;

pub struct ImapPoll {
    state: Desk,
    settings: ImapSettings,
}

impl ImapPoll {
    pub fn new(state: Desk, settings: ImapSettings) -> Self {
        Self { state, settings }
    }
}

impl JobHandler for ImapPoll {
    fn run<'a>(&'a self, _job: &'a Job, _db: &'a DatabaseConnection) -> JobFuture<'a> {
        let poller = ImapPoll { state: self.state.clone(), settings: self.settings.clone() };
        Box::pin(async move {
            let limit = std::time::Duration::from_secs(300);
            // A task of its own: the IMAP client's futures are not `Send` for every lifetime
            // the handler's future would need; owned, they are.
            let folder = poller.settings.folder.clone();
            let polled = tokio::spawn(async move { poller.poll().await });
            match tokio::time::timeout(limit, polled).await.map(|joined| joined.unwrap_or_else(|e| Err(e.to_string()))) {
                Ok(Ok(filed)) => {
                    if filed > 0 {
                        tracing::info!(filed, folder = %folder, "inbound email filed");
                    }
                    Ok(())
                }
                Ok(Err(e)) => Err(e),
                Err(_) => Err("the IMAP poll took longer than 5 minutes".to_owned()),
            }
        })
    }
}

fn tls_config() -> Result<Arc<rustls::ClientConfig>, String> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let config = rustls::ClientConfig::builder().with_platform_verifier().map_err(|e| e.to_string())?.with_no_client_auth();
    Ok(Arc::new(config))
}

async fn tls<S: AsyncRead + AsyncWrite + Unpin>(stream: S, host: &str) -> Result<tokio_rustls::client::TlsStream<S>, String> {
    let name = rustls::pki_types::ServerName::try_from(host.to_owned()).map_err(|e| format!("{host}: {e}"))?;
    tokio_rustls::TlsConnector::from(tls_config()?).connect(name, stream).await.map_err(|e| format!("TLS with {host}: {e}"))
}

impl ImapPoll {
    /// One pass over the folder; returns how many messages were filed.
    pub async fn poll(&self) -> Result<usize, String> {
        let s = &self.settings;
        let tcp =
            TcpStream::connect(format!("{}:{}", s.host, s.port)).await.map_err(|e| format!("connect to {}:{}: {e}", s.host, s.port))?;
        match s.security {
            ImapSecurity::None => {
                let mut client = Client::new(tcp);
                client.read_response().await.map_err(|e| e.to_string())?;
                self.work(client).await
            }
            ImapSecurity::Tls => {
                let mut client = Client::new(tls(tcp, &s.host).await?);
                client.read_response().await.map_err(|e| e.to_string())?;
                self.work(client).await
            }
            ImapSecurity::StartTls => {
                let mut client = Client::new(tcp);
                client.read_response().await.map_err(|e| e.to_string())?;
                client.run_command_and_check_ok("STARTTLS", None).await.map_err(|e| format!("STARTTLS: {e}"))?;
                let client = Client::new(tls(client.into_inner(), &s.host).await?);
                self.work(client).await
            }
        }
    }

    async fn work<T>(&self, client: Client<T>) -> Result<usize, String>
    where
        T: AsyncRead + AsyncWrite + Unpin + Debug + Send,
    {
        let s = &self.settings;
        let mut session = client.login(&s.user, &s.password).await.map_err(|(e, _)| format!("IMAP login as {}: {e}", s.user))?;
        session.select(&s.folder).await.map_err(|e| format!("select {}: {e}", s.folder))?;
        let mut uids: Vec<u32> = session.uid_search("UNSEEN").await.map_err(|e| e.to_string())?.into_iter().collect();
        uids.sort_unstable();
        let mut filed = 0;
        for uid in uids.into_iter().take(BATCH) {
            let fetched: Vec<_> = session
                .uid_fetch(uid.to_string(), "BODY.PEEK[]")
                .await
                .map_err(|e| e.to_string())?
                .try_collect()
                .await
                .map_err(|e| e.to_string())?;
            let Some(raw) = fetched.iter().find_map(|f| f.body().map(Bytes::copy_from_slice)) else { continue };
            match inbound::receive(&self.state, raw, Actor::default()).await {
                Ok(outcome) => {
                    tracing::debug!(uid, outcome = outcome.outcome, "inbound email stored");
                    filed += 1;
                }
                Err(e) => {
                    // Left unseen: the next poll tries it again.
                    tracing::error!(uid, error = ?e, "an inbound email could not be stored; it stays in the mailbox");
                    continue;
                }
            }
            match &s.move_to {
                Some(folder) => session.uid_mv(uid.to_string(), folder).await.map_err(|e| format!("move to {folder}: {e}"))?,
                None => {
                    let updates = session.uid_store(uid.to_string(), "+FLAGS.SILENT (\\Seen)").await.map_err(|e| e.to_string())?;
                    updates.collect::<Vec<_>>().await;
                }
            }
        }
        session.logout().await.ok();
        Ok(filed)
    }
}
