//! Route authorisation in the handler's signature: `auth: Authorized<can::UsersManage>`.
//!
//! Extracted first, it answers 401 (no caller) or 403 (caller without the permission) before
//! the body is parsed, so a caller who may not use a route learns nothing about its input.

use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use servdesk_domain::Permission;

use super::Caller;
use crate::error::ApiError;

/// A permission as a type, so it can be named in a handler's signature.
pub trait Required {
    const PERMISSION: Permission;
}

/// The caller, known to hold `P`.
pub struct Authorized<P: Required> {
    pub caller: Caller,
    _permission: PhantomData<P>,
}

impl<P: Required> std::ops::Deref for Authorized<P> {
    type Target = Caller;

    fn deref(&self) -> &Caller {
        &self.caller
    }
}

impl<P: Required> FromRequest for Authorized<P> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let checked = Caller::from_request(req, payload)
            .into_inner()
            .and_then(|caller| caller.require(P::PERMISSION).map(|()| Authorized { caller, _permission: PhantomData }));
        std::future::ready(checked)
    }
}

/// A staff member in person holding `P`: for routes that act as the caller (their queue, their
/// ticket, their calendar link), which an integration's key is refused whatever its scopes,
/// before the body is read like any other refusal.
pub struct InPerson<P: Required> {
    pub authorized: Authorized<P>,
    pub user_id: uuid::Uuid,
}

impl<P: Required> std::ops::Deref for InPerson<P> {
    type Target = Caller;

    fn deref(&self) -> &Caller {
        &self.authorized.caller
    }
}

impl<P: Required> FromRequest for InPerson<P> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let checked = Authorized::<P>::from_request(req, payload).into_inner().and_then(|authorized| {
            let user_id = authorized.user_id()?;
            Ok(InPerson { authorized, user_id })
        });
        std::future::ready(checked)
    }
}

/// One marker type per [`Permission`].
pub mod can {
    use super::{Permission, Required};

    macro_rules! markers {
        ($($name:ident),+ $(,)?) => {
            $(
                #[doc = concat!("[`Permission::", stringify!($name), "`]")]
                pub struct $name;
                impl Required for $name {
                    const PERMISSION: Permission = Permission::$name;
                }
            )+
        };
    }

    markers!(
        UsersRead,
        UsersManage,
        TeamsRead,
        TeamsManage,
        ApiKeysManage,
        JobsManage,
        DirectoryRead,
        DirectoryWrite,
        DirectoryDelete,
        CallerLookup,
        DictionariesRead,
        DictionariesManage,
        TicketsRead,
        TicketsWrite,
        TicketsCoordinate,
        TicketsComment,
        CallsCreate,
        CallsRead,
        CallsTriage,
        CannedRead,
        CannedManage,
        TasksRead,
        TasksWrite,
        TasksWork,
        TimeTrack,
        TimeRead,
        TimeReadAll,
        TimeManage,
        PlannerRead,
        NotificationsManage,
        InboundEmail,
        FormsManage,
        TelephonyLog,
        ChangesRead,
        WebhooksManage,
        BillingRead,
        BillingManage,
        ReportsRead,
    );
}
