//! The team store: Cordon's store in a shared PostgreSQL database, beside the
//! per-process SQLite file ([`super::Store`]).
//!
//! Why it exists: with SQLite every process (the desktop app, the CLI, `cordon agent`)
//! keeps its own journal and audit log. A team needs one journal that every analyst's
//! app and every agent see and claim from, one audit log that the engine itself keeps
//! append-only, and to know which login wrote each row. PostgreSQL gives that:
//! row locks and `FOR UPDATE SKIP LOCKED` for claims, advisory locks for a leader,
//! roles and grants for who may do what, and triggers that no client can talk round.
//!
//! How it is built:
//! - **Plain SQL** through `tokio-postgres`, pooled by `deadpool-postgres`.
//! - **A synchronous API, like SQLite's.** The store is called from the blocking pool
//!   and sometimes from inside async workers, so [`PgStore`] owns one OS thread running
//!   a current-thread tokio runtime that owns the pool. [`PgStore::run`] sends a job to
//!   that thread and blocks on a plain channel for the answer: it works from any
//!   thread, a runtime's worker included, and never calls `Runtime::block_on` on the
//!   caller's thread (which would panic inside a runtime). Jobs run concurrently on
//!   that thread (each is a task, up to [`POOL_SIZE`] connections), so waiting on the
//!   network does not serialise them.
//! - **Migrations checked at open** ([`schema`], [`migrations`]): applied once each
//!   even by processes starting together; a store from a newer Cordon is refused.
//! - **Roles** (`cordon_reader`, `cordon_analyst`, `cordon_agent`) and the
//!   `session_user` stamp: `docs/team-store.md`.
//! - **TLS to the server** as the URL's `sslmode` asks, the certificate always checked
//!   against the OS trust store ([`tls`]).
//! - **The store's contract** ([`super::Engine`]): every operation SQLite's engine has,
//!   with the same states, audit rows, ordering and refusals, in files that mirror
//!   SQLite's (`jobs`, `queries`, `audit`, `cache`, `automation` and `rule_reads`,
//!   `proposals`, `engine`). Where SQLite relies on its one writer, this engine locks
//!   rows (`SELECT … FOR UPDATE` on the job, then the item, in every move; on the
//!   proposal in a verdict), so two processes on one store never both claim an item
//!   or decide a proposal. Each operation is one transaction (`READ COMMITTED`).

mod action_reads;
mod audit;
mod automation;
mod cache;
mod engine;
mod grid;
mod grid_columns;
mod jobs;
mod migrations;
mod proposals;
mod queries;
mod rule_reads;
mod schema;
mod sql;
mod team;
mod tls;
mod url;
mod worker;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

pub use deadpool_postgres;
#[doc(hidden)]
pub use migrations::MIGRATIONS as PG_MIGRATIONS;
#[doc(hidden)]
pub use migrations::WORKS_WITH as PG_WORKS_WITH;
pub use schema::PG_SCHEMA_VERSION;
pub use tokio_postgres;
pub use url::{check_profile_url, with_password};

use crate::error::{CoreError, Result};

/// A boxed future borrowing for `'a`, as [`PgStore::run`]'s jobs return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The most connections one [`PgStore`] holds at once.
pub const POOL_SIZE: usize = 8;
/// How long a job waits for a free connection, and a new connection for the server.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// The oldest PostgreSQL accepted (`server_version_num`): 13.
pub const MIN_SERVER_VERSION: i32 = 130_000;

/// The team store: a pool of connections to one PostgreSQL database, driven by a
/// thread of its own. Dropping it closes the connections and joins the thread.
pub struct PgStore {
    worker: worker::Worker,
    /// `host:port/database`, for messages (never the password).
    label: String,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("at", &self.label).finish()
    }
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/db`,
    /// or the `key=value` form), checks the server and applies the missing migrations.
    /// `sslmode` says whether TLS is used ([`tls`]; libpq's `verify-ca` and
    /// `verify-full` are read as `require`, which checks as much).
    pub fn open(url: &str) -> Result<PgStore> {
        let config: tokio_postgres::Config = tls::libpq_modes(url)
            .parse()
            .map_err(|e| team_error(format!("the team store's URL cannot be read: {e}")))?;
        Self::open_config(config)
    }

    /// [`PgStore::open`] with a parsed configuration.
    pub fn open_config(config: tokio_postgres::Config) -> Result<PgStore> {
        Self::open_with(config, migrations::MIGRATIONS)
    }

    /// Opens with `migrations` instead of the store's own list (tests).
    #[doc(hidden)]
    pub fn open_with(
        mut config: tokio_postgres::Config,
        migrations: &'static [&'static str],
    ) -> Result<PgStore> {
        if config.get_application_name().is_none() {
            config.application_name("cordon");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let label = label(&config);
        let host = host(&config);
        let store = PgStore {
            worker: worker::Worker::start(tls::manager(config)?, host)?,
            label,
        };
        store.run(move |c| {
            Box::pin(async move {
                check_server(&*c).await?;
                schema::migrate(c, migrations).await
            })
        })?;
        Ok(store)
    }

    /// Runs `f` with a connection of the pool on the store's thread and returns its
    /// answer; blocks the calling thread until then. `f`'s statements are not in a
    /// transaction unless it opens one ([`PgStore::transaction`] does). The connection
    /// goes back to the pool as `f` leaves it: change session settings only with
    /// `SET LOCAL` inside a transaction.
    ///
    /// If `f` panics, the connection goes back to the pool (an open transaction is
    /// rolled back) and this returns an error.
    pub fn run<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut deadpool_postgres::Client) -> BoxFuture<'c, Result<T>>
            + Send
            + 'static,
    {
        self.worker.run(f)
    }

    /// Runs `f` in one transaction, committed when it returns `Ok` and rolled back
    /// otherwise. `READ COMMITTED` whatever the server's default: every statement sees
    /// what was committed before it, and a row read `FOR UPDATE` after a wait is read
    /// as the other transaction left it (the store's moves rely on it).
    pub fn transaction<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'t> FnOnce(&'t deadpool_postgres::Transaction<'t>) -> BoxFuture<'t, Result<T>>
            + Send
            + 'static,
    {
        self.run(move |c| {
            Box::pin(async move {
                let tx = c
                    .build_transaction()
                    .isolation_level(tokio_postgres::IsolationLevel::ReadCommitted)
                    .start()
                    .await?;
                let out = f(&tx).await?;
                tx.commit().await?;
                Ok(out)
            })
        })
    }

    /// The schema version (the highest migration applied).
    pub fn schema_version(&self) -> Result<u32> {
        self.run(|c| Box::pin(async move { schema::read_version(&*c).await }))
    }

    /// Where the store is (`host:port/database`).
    pub fn label(&self) -> &str {
        &self.label
    }
}

/// Refuses a server older than [`MIN_SERVER_VERSION`].
async fn check_server(c: &impl deadpool_postgres::GenericClient) -> Result<()> {
    let v: String = c
        .query_one("SELECT current_setting('server_version_num')", &[])
        .await?
        .get(0);
    let n: i32 = v.trim().parse().unwrap_or(0);
    if n < MIN_SERVER_VERSION {
        return Err(team_error(format!(
            "the team store's server is PostgreSQL {n}; Cordon needs {MIN_SERVER_VERSION} or later"
        )));
    }
    Ok(())
}

/// Where the store at `url` is (`host:port/database`), never its credentials;
/// `(unreadable)` when the URL cannot be read.
pub fn describe_url(url: &str) -> String {
    tls::libpq_modes(url)
        .parse::<tokio_postgres::Config>()
        .map_or_else(|_| "(unreadable)".to_owned(), |c| label(&c))
}

/// The (first) server's host name, or its socket's folder.
fn host(config: &tokio_postgres::Config) -> String {
    use tokio_postgres::config::Host;
    match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    }
}

/// `host:port/database` of `config`, without credentials.
fn label(config: &tokio_postgres::Config) -> String {
    let host = host(config);
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "{host}:{port}/{}",
        config.get_dbname().unwrap_or("postgres")
    )
}

pub(crate) fn team_error(message: String) -> CoreError {
    CoreError::TeamStore(message)
}

/// A driver error as a sentence: the server's message, its SQLSTATE, detail and hint;
/// or the driver's message with its causes ("error performing TLS handshake: server
/// does not support TLS").
pub fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut s = format!("{} (SQLSTATE {})", db.message(), db.code().code());
            if let Some(d) = db.detail() {
                s.push_str(&format!("; {d}"));
            }
            if let Some(h) = db.hint() {
                s.push_str(&format!("; {h}"));
            }
            s
        }
        None => {
            let mut s = e.to_string();
            let mut cause = std::error::Error::source(e);
            while let Some(c) = cause {
                let text = c.to_string();
                if !s.ends_with(&text) {
                    s.push_str(": ");
                    s.push_str(&text);
                }
                cause = c.source();
            }
            s
        }
    }
}

impl From<tokio_postgres::Error> for CoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        team_error(describe(&e))
    }
}

/// A connection that could not be had from the pool to `host`: a refused certificate
/// is named as such ([`tls`]), anything else as the pool says.
pub(crate) fn connect_error(e: deadpool_postgres::PoolError, host: &str) -> CoreError {
    match &e {
        deadpool_postgres::PoolError::Backend(b) => {
            tls::untrusted(b, host).unwrap_or_else(|| e.into())
        }
        _ => e.into(),
    }
}

impl From<deadpool_postgres::PoolError> for CoreError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        use deadpool_postgres::PoolError;
        team_error(match e {
            PoolError::Backend(e) => format!("cannot connect: {}", describe(&e)),
            PoolError::Timeout(_) => format!(
                "no connection within {} s (is the server up and reachable?)",
                CONNECT_TIMEOUT.as_secs()
            ),
            other => other.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The store contract's engines are shared between threads.
    const _: fn() = || {
        fn shared<T: Send + Sync + std::fmt::Debug + 'static>() {}
        shared::<PgStore>();
    };

    #[test]
    fn a_store_is_named_without_its_credentials() {
        let c: tokio_postgres::Config = "postgres://a%40b:p%3Ass%2Fw@db.example:6543/team"
            .parse()
            .expect("url");
        assert_eq!(c.get_user(), Some("a@b"), "percent-decoded");
        assert_eq!(c.get_password(), Some(&b"p:ss/w"[..]));
        assert_eq!(label(&c), "db.example:6543/team");
        let k: tokio_postgres::Config = "host=/run/postgresql user=x password=y dbname=d"
            .parse()
            .expect("key=value");
        assert_eq!(label(&k), "/run/postgresql:5432/d");
        assert_eq!(
            describe_url("postgres://ana@/cordon?host=/var/run/postgresql"),
            "/var/run/postgresql:5432/cordon",
            "the Unix socket, in the URL form"
        );
        assert_eq!(
            describe_url("postgresql://a:pw-secret@db.example/team"),
            "db.example:5432/team"
        );
        assert_eq!(
            describe_url("postgres://a:pw-secret@h:port/x"),
            "(unreadable)"
        );
        for bad in [
            "postgres://u:pw-secret@127.0.0.1:1/x?sslmode=require",
            "postgres://u:pw-secret@127.0.0.1:port/x",
            "postgres://u:pw-secret@127.0.0.1/x?sslmode=pw-secret",
        ] {
            let e = format!("{:?}", PgStore::open(bad));
            assert!(e.contains("TeamStore") && !e.contains("pw-secret"), "{e}");
        }
    }
}
