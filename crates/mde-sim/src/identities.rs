//! The well-known demo identities: the same in every scenario, written in the README, so
//! that the app, the tests and a person with `curl` can all sign in to the demo tenant.

/// The demo tenant.
pub const TENANT_ID: &str = "11111111-1111-1111-1111-111111111111";
/// A verified domain of the tenant, accepted in place of the tenant id.
pub const TENANT_DOMAIN: &str = "contoso.example";

/// Analyst app: may isolate, scan, restrict and read.
pub const ANALYST_CLIENT_ID: &str = "22222222-2222-2222-2222-222222222222";
pub const ANALYST_SECRET: &str = "demo-analyst-secret";
pub const ANALYST_APP_NAME: &str = "Cordon Demo Analyst App";

/// Read-only (manager) app.
pub const READER_CLIENT_ID: &str = "33333333-3333-3333-3333-333333333333";
pub const READER_SECRET: &str = "demo-reader-secret";
pub const READER_APP_NAME: &str = "Cordon Demo Reader App";

/// Public client for delegated sign-in (auth code + PKCE, device code).
pub const PUBLIC_CLIENT_ID: &str = "44444444-4444-4444-4444-444444444444";
pub const PUBLIC_APP_NAME: &str = "Cordon Desktop";

/// The automation app that isolated machines during last night's storm.
pub const AUTOMATION_CLIENT_ID: &str = "55555555-5555-5555-5555-555555555555";
pub const AUTOMATION_SECRET: &str = "demo-automation-secret";
pub const AUTOMATION_APP_NAME: &str = "Contoso SOC Automation";

/// Investigator app: may collect investigation packages (the analyst app may not, as
/// in a tenant that keeps forensics with a separate team).
pub const INVESTIGATOR_CLIENT_ID: &str = "66666666-6666-6666-6666-666666666666";
pub const INVESTIGATOR_SECRET: &str = "demo-investigator-secret";
pub const INVESTIGATOR_APP_NAME: &str = "Contoso Forensics";

/// The delegated demo user (signs in without a password prompt): the person a sign-in
/// without a `login_hint` speaks for.
pub const DEMO_USER: &str = "analyst@contoso.example";
pub const DEMO_USER_NAME: &str = "Demo Analyst";

/// A second delegated person (same permissions), so that tests can tell two people
/// apart: who isolated, who released, whose sign-in a refresh token belongs to.
pub const DEMO_LEAD: &str = "lead@contoso.example";
pub const DEMO_LEAD_NAME: &str = "Demo Lead";

/// The WindowsDefenderATP resource (token audience) and the scope asking for it.
pub const API_RESOURCE: &str = "https://api.securitycenter.microsoft.com";
pub const API_SCOPE: &str = "https://api.securitycenter.microsoft.com/.default";

/// Application permissions of the analyst app.
pub const ANALYST_ROLES: &[&str] = &[
    "Machine.Isolate",
    "Machine.ReadWrite.All",
    "Machine.Scan",
    "Machine.RestrictExecution",
    "Alert.Read.All",
];
/// Application permissions of the read-only app.
pub const READER_ROLES: &[&str] = &["Machine.Read.All", "Alert.Read.All"];
/// Application permissions of the automation app.
pub const AUTOMATION_ROLES: &[&str] = &["Machine.Isolate", "Machine.Read.All", "Alert.Read.All"];
/// Application permissions of the investigator app.
pub const INVESTIGATOR_ROLES: &[&str] = &[
    "Machine.CollectForensics",
    "Machine.Read.All",
    "Alert.Read.All",
];
/// Delegated permissions the public client holds for the demo user.
pub const DEMO_USER_SCOPES: &[&str] = &[
    "Machine.Isolate",
    "Machine.ReadWrite",
    "Machine.Scan",
    "Machine.RestrictExecution",
    "Alert.Read",
];

/// A person of the demo tenant who can sign in to the public client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Person {
    /// The user principal name (`upn`, `unique_name`, `preferred_username`).
    pub upn: &'static str,
    /// The display name (`name`).
    pub name: &'static str,
    /// The delegated permissions the public client holds for them (`scp`).
    pub scopes: &'static [&'static str],
}

/// The people of the demo tenant; the first is the default ([`DEMO_USER`]).
pub const PEOPLE: &[Person] = &[
    Person {
        upn: DEMO_USER,
        name: DEMO_USER_NAME,
        scopes: DEMO_USER_SCOPES,
    },
    Person {
        upn: DEMO_LEAD,
        name: DEMO_LEAD_NAME,
        scopes: DEMO_USER_SCOPES,
    },
];

/// The person a sign-in without a `login_hint` speaks for ([`DEMO_USER`]).
pub fn default_person() -> &'static Person {
    const DEFAULT: &Person = &PEOPLE[0];
    DEFAULT
}

/// Finds a person by user principal name (case-insensitive, as Entra compares them).
pub fn person(upn: &str) -> Option<&'static Person> {
    PEOPLE
        .iter()
        .find(|p| p.upn.eq_ignore_ascii_case(upn.trim()))
}

/// A registered confidential app.
#[derive(Debug, Clone, Copy)]
pub struct App {
    pub client_id: &'static str,
    pub secret: &'static str,
    pub display_name: &'static str,
    pub roles: &'static [&'static str],
}

/// The confidential apps registered in the demo tenant.
pub const APPS: &[App] = &[
    App {
        client_id: ANALYST_CLIENT_ID,
        secret: ANALYST_SECRET,
        display_name: ANALYST_APP_NAME,
        roles: ANALYST_ROLES,
    },
    App {
        client_id: READER_CLIENT_ID,
        secret: READER_SECRET,
        display_name: READER_APP_NAME,
        roles: READER_ROLES,
    },
    App {
        client_id: AUTOMATION_CLIENT_ID,
        secret: AUTOMATION_SECRET,
        display_name: AUTOMATION_APP_NAME,
        roles: AUTOMATION_ROLES,
    },
    App {
        client_id: INVESTIGATOR_CLIENT_ID,
        secret: INVESTIGATOR_SECRET,
        display_name: INVESTIGATOR_APP_NAME,
        roles: INVESTIGATOR_ROLES,
    },
];

/// Finds a confidential app by client id (GUIDs compare case-insensitively).
pub fn app(client_id: &str) -> Option<&'static App> {
    APPS.iter()
        .find(|a| a.client_id.eq_ignore_ascii_case(client_id))
}

/// Whether `tenant` names the demo tenant (by id or verified domain).
pub fn is_tenant(tenant: &str) -> bool {
    tenant.eq_ignore_ascii_case(TENANT_ID) || tenant.eq_ignore_ascii_case(TENANT_DOMAIN)
}
