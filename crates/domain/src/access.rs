//! Who may do what: staff roles, API-key scopes and the permission matrix between them.
//!
//! Every route names the [`Permission`] it needs; whether a caller has it is decided here,
//! once, so the matrix can be read (and tested) in one place.

use uuid::Uuid;

named_enum! {
    /// A staff member's role. Partners are subcontractors' field staff with a narrow view.
    Role {
        Admin = "admin",
        Coordinator = "coordinator",
        Agent = "agent",
        Technician = "technician",
        Finance = "finance",
        Partner = "partner",
    }
}

named_enum! {
    /// What an integration's API key may do; keys never act as a staff member.
    Scope {
        CallsWrite = "calls:write",
        TicketsRead = "tickets:read",
        TicketsWrite = "tickets:write",
        InboundWrite = "inbound:write",
        TelephonyRead = "telephony:read",
        TelephonyWrite = "telephony:write",
        BillingRead = "billing:read",
        BillingWrite = "billing:write",
        SyncRead = "sync:read",
        /// Manage webhook subscriptions (an ERP registering where it is told of changes).
        WebhooksWrite = "webhooks:write",
        UsersRead = "users:read",
        DirectoryRead = "directory:read",
        DirectoryWrite = "directory:write",
        /// Read the desk's reports (a BI tool, a wallboard).
        ReportsRead = "reports:read",
    }
}

/// An action a route performs, named after what it touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read the staff directory (to assign, mention, hand over).
    UsersRead,
    /// Create, change and deactivate staff accounts.
    UsersManage,
    TeamsRead,
    TeamsManage,
    ApiKeysManage,
    /// See the background job queue and retry dead jobs.
    JobsManage,
    /// Read customers, locations, contacts, partners, products and equipment.
    DirectoryRead,
    /// Create and change them.
    DirectoryWrite,
    /// Delete the ones nothing refers to.
    DirectoryDelete,
    /// Look a caller up by phone or email (the caller card).
    CallerLookup,
    /// Read the dictionaries (statuses, priorities, categories, types).
    DictionariesRead,
    /// Edit them.
    DictionariesManage,
    /// See tickets (which ones depends on the role: see the tickets store's visibility).
    TicketsRead,
    /// Create tickets and change their fields.
    TicketsWrite,
    /// Assign tickets and close them at any time.
    TicketsCoordinate,
    /// Reply to the contact or add internal notes on a ticket one can see.
    TicketsComment,
    /// Register incoming calls.
    CallsCreate,
    /// See calls and the untriaged queue.
    CallsRead,
    /// Convert, merge or dismiss calls.
    CallsTriage,
    /// Use canned responses.
    CannedRead,
    /// Write them.
    CannedManage,
    /// See tasks (technicians their own; see the tasks routes).
    TasksRead,
    /// Create tasks and change their fields.
    TasksWrite,
    /// Move tasks through their statuses, work their checklists and complete them
    /// (technicians their own, partners their partner's).
    TasksWork,
    /// Run a stopwatch and log one's own time.
    TimeTrack,
    /// Read time entries (one's own; everyone's with [`Permission::TimeReadAll`]).
    TimeRead,
    /// Read everyone's time entries and their totals (effective time per customer).
    TimeReadAll,
    /// Log and change others' time, and time on closed tickets.
    TimeManage,
    /// See the planner: planned tasks of everyone, grouped by assignee.
    PlannerRead,
    /// Edit notification templates and switches; see the outbox and retry failed messages.
    NotificationsManage,
    /// Hand in raw inbound email (an MTA pipe, a mail provider's webhook).
    InboundEmail,
    /// Define the web forms websites embed.
    FormsManage,
    /// Report phone calls from the PBX (who called, who answered, missed calls).
    TelephonyLog,
    /// Follow the change feed of every synced record.
    ChangesRead,
    /// Manage webhook subscriptions: where changes are told, their secrets, the delivery log.
    WebhooksManage,
    /// See pay data: colleagues' hourly cost rates and the labour cost of their time (one's
    /// own is always shown to oneself).
    CostsRead,
    /// Read contracts, billing rates, billing runs and statements, and the documents the ERP
    /// and Servdesk link to tickets.
    BillingRead,
    /// Write them: contracts and their status, rates, billing runs (start, recompute,
    /// finalize), the invoice the ERP posts back, linked documents.
    BillingManage,
    /// Read the desk's reports: intake, ticket flow, response times, work per agent, SLA
    /// compliance (figures over every ticket, whoever may open it).
    ReportsRead,
}

impl Role {
    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match permission {
            DictionariesRead => true,
            TicketsRead => !matches!(self, Partner),
            TicketsWrite => matches!(self, Admin | Coordinator | Agent),
            TicketsCoordinate => matches!(self, Admin | Coordinator),
            TicketsComment => matches!(self, Admin | Coordinator | Agent | Technician),
            CallsCreate | CallsRead | TelephonyLog => matches!(self, Admin | Coordinator | Agent),
            CallsTriage | CannedManage | ChangesRead => matches!(self, Admin | Coordinator),
            CannedRead => !matches!(self, Partner),
            TasksRead => true,
            TasksWork | TimeTrack => self != Finance,
            TasksWrite | PlannerRead => matches!(self, Admin | Coordinator | Agent),
            TimeRead => true,
            TimeReadAll => matches!(self, Admin | Coordinator | Finance),
            TimeManage => matches!(self, Admin | Coordinator),
            CostsRead | BillingManage => matches!(self, Admin | Finance),
            BillingRead => matches!(self, Admin | Coordinator | Finance),
            ReportsRead => matches!(self, Admin | Coordinator | Finance),
            UsersRead | TeamsRead | DirectoryRead | CallerLookup => !matches!(self, Partner),
            DirectoryWrite => matches!(self, Admin | Coordinator | Agent),
            DirectoryDelete => matches!(self, Admin | Coordinator),
            UsersManage | TeamsManage | ApiKeysManage | JobsManage | DictionariesManage | NotificationsManage | InboundEmail
            | FormsManage | WebhooksManage => self == Admin,
        }
    }
}

impl Scope {
    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Scope::UsersRead => matches!(permission, UsersRead | TeamsRead),
            // A sync reads the feed and every record it names.
            Scope::SyncRead => matches!(
                permission,
                UsersRead
                    | TeamsRead
                    | DirectoryRead
                    | DictionariesRead
                    | ChangesRead
                    | TicketsRead
                    | TasksRead
                    | CallsRead
                    | TimeRead
                    | TimeReadAll
                    | BillingRead
            ),
            Scope::TicketsRead => matches!(permission, DictionariesRead | TicketsRead | TasksRead),
            Scope::TicketsWrite => {
                matches!(permission, DictionariesRead | TicketsRead | TicketsWrite | TicketsComment | TasksRead | TasksWrite | TasksWork)
            }
            Scope::CallsWrite => matches!(permission, DictionariesRead | CallsCreate),
            Scope::DirectoryRead => matches!(permission, DirectoryRead | CallerLookup),
            Scope::DirectoryWrite => matches!(permission, DirectoryRead | DirectoryWrite | CallerLookup),
            Scope::TelephonyRead => permission == CallerLookup,
            Scope::TelephonyWrite => matches!(permission, CallerLookup | TelephonyLog),
            Scope::BillingRead => matches!(permission, DictionariesRead | TimeRead | TimeReadAll | CostsRead | BillingRead),
            Scope::BillingWrite => {
                matches!(permission, DictionariesRead | TimeRead | TimeReadAll | CostsRead | BillingRead | BillingManage)
            }
            Scope::InboundWrite => permission == InboundEmail,
            Scope::WebhooksWrite => permission == WebhooksManage,
            Scope::ReportsRead => matches!(permission, DictionariesRead | ReportsRead),
        }
    }
}

/// An integration's credential. The secret itself is never kept; see the API's key format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: Uuid,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub created_by: Uuid,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    User {
        id: Uuid,
        role: Role,
        session_id: Uuid,
    },
    ApiKey {
        id: Uuid,
        scopes: Vec<Scope>,
    },
    /// Servdesk itself, acting on rules staff set (a web form that converts its
    /// submissions, a triage rule). Never the caller of a request: only use cases make it.
    System,
}

impl Principal {
    pub fn can(&self, permission: Permission) -> bool {
        match self {
            Principal::User { role, .. } => role.allows(permission),
            Principal::ApiKey { scopes, .. } => scopes.iter().any(|s| s.allows(permission)),
            // The rules it follows were set by admins; it opens and routes what they say.
            Principal::System => matches!(
                permission,
                Permission::TicketsRead
                    | Permission::TicketsWrite
                    | Permission::TicketsCoordinate
                    | Permission::CallsCreate
                    | Permission::CallsTriage
            ),
        }
    }

    /// A stable name of the caller, for records kept per caller (idempotency keys, audit).
    pub fn subject(&self) -> String {
        match self {
            Principal::User { id, .. } => format!("user:{id}"),
            Principal::ApiKey { id, .. } => format!("key:{id}"),
            Principal::System => "system".to_owned(),
        }
    }

    pub fn user_id(&self) -> Option<Uuid> {
        match self {
            Principal::User { id, .. } => Some(*id),
            Principal::ApiKey { .. } | Principal::System => None,
        }
    }
}

/// Who did something: a staff member or an integration's key (neither: the system).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    pub api_key_id: Option<Uuid>,
}

impl Actor {
    /// The system itself (a job, an inbound email): no person, no key.
    pub const SYSTEM: Actor = Actor { user_id: None, api_key_id: None };

    /// The actor a principal acts as.
    pub fn of(principal: &Principal) -> Self {
        match principal {
            Principal::User { id, .. } => Actor { user_id: Some(*id), api_key_id: None },
            Principal::ApiKey { id, .. } => Actor { user_id: None, api_key_id: Some(*id) },
            Principal::System => Actor::SYSTEM,
        }
    }
}

/// Which tickets a caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    All,
    /// Tickets of these teams, assigned to the user, or created by them.
    Agent {
        user_id: Uuid,
        team_ids: Vec<Uuid>,
    },
    /// Tickets assigned to the user (or with a task assigned to them).
    Assigned {
        user_id: Uuid,
    },
    /// A portal requester: the tickets they are the contact of.
    Requester {
        contact_id: Uuid,
    },
    /// A portal manager: every ticket of their company.
    Company {
        customer_id: Uuid,
    },
    Nothing,
}

impl Visibility {
    /// What `principal` sees: admins, coordinators, finance and integrations all; agents
    /// their teams' tickets (`team_ids`: the agent's teams), their own and those they
    /// opened; technicians those assigned to them; partners none.
    pub fn of(principal: &Principal, team_ids: impl FnOnce() -> Vec<Uuid>) -> Self {
        match principal {
            Principal::ApiKey { .. } | Principal::System => Visibility::All,
            Principal::User { role: Role::Admin | Role::Coordinator | Role::Finance, .. } => Visibility::All,
            Principal::User { id, role: Role::Agent, .. } => Visibility::Agent { user_id: *id, team_ids: team_ids() },
            Principal::User { id, role: Role::Technician, .. } => Visibility::Assigned { user_id: *id },
            Principal::User { role: Role::Partner, .. } => Visibility::Nothing,
        }
    }

    /// Only agents' visibility depends on their teams.
    pub fn needs_teams(principal: &Principal) -> bool {
        matches!(principal, Principal::User { role: Role::Agent, .. })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn agents_see_their_teams_tickets_and_technicians_only_theirs() {
        let me = Uuid::from_u128(1);
        let team = Uuid::from_u128(7);
        let agent = Principal::User { id: me, role: Role::Agent, session_id: Uuid::nil() };
        assert_eq!(Visibility::of(&agent, || vec![team]), Visibility::Agent { user_id: me, team_ids: vec![team] });
        let technician = Principal::User { id: me, role: Role::Technician, session_id: Uuid::nil() };
        assert_eq!(Visibility::of(&technician, Vec::new), Visibility::Assigned { user_id: me });
    }

    #[test]
    fn coordinators_and_integrations_see_every_ticket_and_partners_none() {
        let coordinator = Principal::User { id: Uuid::nil(), role: Role::Coordinator, session_id: Uuid::nil() };
        assert_eq!(Visibility::of(&coordinator, || unreachable!("no teams needed")), Visibility::All);
        let partner = Principal::User { id: Uuid::nil(), role: Role::Partner, session_id: Uuid::nil() };
        assert_eq!(Visibility::of(&partner, Vec::new), Visibility::Nothing);
        assert!(Visibility::needs_teams(&Principal::User { id: Uuid::nil(), role: Role::Agent, session_id: Uuid::nil() }));
        assert!(!Visibility::needs_teams(&coordinator));
    }

    #[test]
    fn a_person_acts_as_themselves_and_a_key_as_the_key() {
        let user = Principal::User { id: Uuid::from_u128(1), role: Role::Agent, session_id: Uuid::nil() };
        assert_eq!(Actor::of(&user), Actor { user_id: Some(Uuid::from_u128(1)), api_key_id: None });
        assert_eq!(Actor::SYSTEM, Actor::default());
    }

    use super::*;

    fn user(role: Role) -> Principal {
        Principal::User { id: Uuid::nil(), role, session_id: Uuid::nil() }
    }

    #[test]
    fn only_admins_manage_users_teams_keys_and_jobs() {
        for perm in [
            Permission::UsersManage,
            Permission::TeamsManage,
            Permission::ApiKeysManage,
            Permission::JobsManage,
            Permission::DictionariesManage,
            Permission::NotificationsManage,
        ] {
            for role in Role::ALL {
                assert_eq!(user(*role).can(perm), *role == Role::Admin, "{role} {perm:?}");
            }
        }
    }

    #[test]
    fn every_staff_role_but_partner_reads_the_directory() {
        for role in Role::ALL {
            assert_eq!(user(*role).can(Permission::UsersRead), *role != Role::Partner, "{role}");
        }
    }

    #[test]
    fn agents_edit_the_directory_but_only_coordinators_and_admins_delete_from_it() {
        assert!(user(Role::Agent).can(Permission::DirectoryWrite));
        assert!(!user(Role::Agent).can(Permission::DirectoryDelete));
        assert!(user(Role::Coordinator).can(Permission::DirectoryDelete));
        assert!(!user(Role::Technician).can(Permission::DirectoryWrite));
        assert!(!user(Role::Partner).can(Permission::DirectoryRead));
    }

    #[test]
    fn partners_work_tasks_and_log_time_but_see_no_tickets_and_no_one_elses_time() {
        let partner = user(Role::Partner);
        assert!(partner.can(Permission::TasksRead) && partner.can(Permission::TasksWork) && partner.can(Permission::TimeTrack));
        assert!(!partner.can(Permission::TicketsRead) && !partner.can(Permission::TasksWrite));
        assert!(!partner.can(Permission::TimeReadAll) && !partner.can(Permission::PlannerRead));
    }

    #[test]
    fn finance_reads_all_time_but_only_coordinators_and_admins_change_others_time() {
        assert!(user(Role::Finance).can(Permission::TimeReadAll));
        assert!(!user(Role::Finance).can(Permission::TimeManage));
        assert!(!user(Role::Agent).can(Permission::TimeManage));
        assert!(user(Role::Coordinator).can(Permission::TimeManage));
        let billing = Principal::ApiKey { id: Uuid::nil(), scopes: vec![Scope::BillingRead] };
        assert!(billing.can(Permission::TimeReadAll) && !billing.can(Permission::TimeTrack));
    }

    #[test]
    fn only_admins_finance_and_billing_keys_see_colleagues_pay() {
        let billing = Principal::ApiKey { id: Uuid::nil(), scopes: vec![Scope::BillingRead] };
        assert!(user(Role::Admin).can(Permission::CostsRead) && user(Role::Finance).can(Permission::CostsRead));
        assert!(billing.can(Permission::CostsRead));
        for role in [Role::Coordinator, Role::Agent, Role::Technician, Role::Partner] {
            assert!(!user(role).can(Permission::CostsRead), "{role:?}");
        }
    }

    #[test]
    fn a_telephony_key_may_look_callers_up_and_nothing_else() {
        let key = Principal::ApiKey { id: Uuid::nil(), scopes: vec![Scope::TelephonyRead] };
        assert!(key.can(Permission::CallerLookup));
        assert!(!key.can(Permission::DirectoryRead));
    }

    #[test]
    fn an_api_key_can_only_what_its_scopes_grant() {
        let key = Principal::ApiKey { id: Uuid::nil(), scopes: vec![Scope::CallsWrite] };
        assert!(!key.can(Permission::UsersRead));
        let sync = Principal::ApiKey { id: Uuid::nil(), scopes: vec![Scope::SyncRead] };
        assert!(sync.can(Permission::UsersRead));
        assert!(!sync.can(Permission::UsersManage));
    }

    #[test]
    fn an_api_key_never_manages_anything_whatever_its_scopes() {
        let key = Principal::ApiKey { id: Uuid::nil(), scopes: Scope::ALL.to_vec() };
        for perm in [Permission::UsersManage, Permission::TeamsManage, Permission::ApiKeysManage, Permission::JobsManage] {
            assert!(!key.can(perm), "{perm:?}");
        }
    }

    #[test]
    fn roles_and_scopes_round_trip_through_their_names() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(*r));
        }
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(*s));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn the_system_opens_and_routes_tickets_on_admins_rules_and_does_nothing_else() {
        let system = Principal::System;
        assert!(system.can(Permission::TicketsCoordinate) && system.can(Permission::CallsTriage));
        assert!(!system.can(Permission::UsersManage) && !system.can(Permission::BillingRead) && !system.can(Permission::CostsRead));
        assert_eq!(Actor::of(&system), Actor::SYSTEM);
        assert_eq!(system.user_id(), None);
    }

    #[test]
    fn subjects_tell_users_and_keys_apart() {
        assert_ne!(user(Role::Admin).subject(), Principal::ApiKey { id: Uuid::nil(), scopes: vec![] }.subject());
    }
}
