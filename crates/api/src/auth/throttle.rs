//! Failed logins, counted per account and per client address in a sliding window: past the
//! limit a login answers 429 with `Retry-After` before any password is checked. Staff and
//! portal logins share it (their accounts are named apart).

use servdesk_domain::errors::code;
use servdesk_persistence::{TransactionTrait, login_failures};

use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, now};

/// 429 when `subject` failed `max` times inside the window.
pub async fn check(state: &AppState, subject: &str, max: u64) -> ApiResult<()> {
    let window = servdesk_domain::policy::duration(state.config.login_failure_window);
    let now = now();
    let (count, oldest) = login_failures::since(&state.db, subject, now - window).await?;
    if count >= max {
        let retry_after = oldest.map_or(window, |o| o + window - now).num_seconds().max(1);
        return Err(ApiError::too_many_requests(code::TOO_MANY_LOGIN_ATTEMPTS, retry_after.unsigned_abs()));
    }
    Ok(())
}

/// Checks the account's and the address's limits.
pub async fn check_both(state: &AppState, account: &str, address: &str) -> ApiResult<()> {
    check(state, account, state.config.login_max_failures_per_account).await?;
    check(state, address, state.config.login_max_failures_per_ip).await
}

/// Counts a failed attempt against both.
pub async fn failed(state: &AppState, account: &str, address: &str) -> ApiResult<()> {
    let txn = state.db.begin().await?;
    login_failures::record(&txn, account, now()).await?;
    login_failures::record(&txn, address, now()).await?;
    servdesk_usecases::commit(txn).await?;
    Ok(())
}

/// A successful login forgets the account's failures.
pub async fn succeeded(state: &AppState, account: &str) -> ApiResult<()> {
    login_failures::clear(&state.db, account).await?;
    Ok(())
}
