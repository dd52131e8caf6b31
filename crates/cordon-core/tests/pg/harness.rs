//! A fresh database per test on the server whose URL is in `CORDON_TEST_PG_URL`
//! (`scripts/pg.sh start` prints it), dropped at the end with the logins made for it.

use cordon_core::store::pg::tokio_postgres::{self, Config, NoTls, SimpleQueryMessage};
use cordon_core::store::pg::{BoxFuture, PgStore};

/// The server's superuser configuration; `None` when the tests are skipped on purpose.
pub fn server() -> Option<(String, Config)> {
    match std::env::var("CORDON_TEST_PG_URL") {
        Ok(url) if !url.trim().is_empty() => {
            let config = url
                .parse()
                .expect("CORDON_TEST_PG_URL is not a PostgreSQL URL");
            Some((url, config))
        }
        _ if std::env::var("CORDON_SKIP_PG").as_deref() == Ok("1") => {
            eprintln!("team store tests skipped: CORDON_SKIP_PG=1 and no CORDON_TEST_PG_URL");
            None
        }
        _ => panic!(
            "CORDON_TEST_PG_URL is not set: run `eval \"$(bash scripts/pg.sh start)\"` \
             (scripts/pg.sh start starts a test server and prints the URL), \
             or set CORDON_SKIP_PG=1 to skip the team store's tests"
        ),
    }
}

/// A short random name part.
pub fn random() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// One test's database.
pub struct TestDb {
    pub name: String,
    /// The superuser's URL to this database.
    pub url: String,
    /// The superuser's configuration for this database.
    pub config: Config,
    admin: Config,
    logins: Vec<String>,
}

impl TestDb {
    pub fn new() -> Option<TestDb> {
        let (url, admin) = server()?;
        let name = format!("cordon_test_{}", random());
        simple(&admin, &format!("CREATE DATABASE {name}")).expect("CREATE DATABASE");
        let mut config = admin.clone();
        config.dbname(&name);
        let (base, query) = match url.split_once('?') {
            Some((b, q)) => (b, format!("?{q}")),
            None => (url.as_str(), String::new()),
        };
        let prefix = base.rsplit_once('/').map_or(base, |(p, _)| p);
        Some(TestDb {
            url: format!("{prefix}/{name}{query}"),
            name,
            config,
            admin,
            logins: Vec::new(),
        })
    }

    /// A new login granted `role`, and its configuration for this database.
    pub fn login(&mut self, role: &str) -> (String, Config) {
        let user = format!("cordon_t_{}", random());
        let password = random();
        simple(
            &self.admin,
            &format!("CREATE ROLE {user} LOGIN PASSWORD '{password}' IN ROLE {role}"),
        )
        .expect("CREATE ROLE");
        self.logins.push(user.clone());
        let mut c = self.config.clone();
        c.user(&user).password(password);
        (user, c)
    }

    /// Runs `sql` on this database as the superuser, on a connection of its own.
    pub fn sql(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        simple(&self.config, sql).unwrap_or_else(|e| panic!("{sql}: {e:?}"))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let drop_db = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(e) = simple(&self.admin, &drop_db) {
            eprintln!("{drop_db}: {e}");
        }
        for user in &self.logins {
            if let Err(e) = simple(&self.admin, &format!("DROP ROLE IF EXISTS {user}")) {
                eprintln!("DROP ROLE {user}: {e}");
            }
        }
    }
}

/// `sql` (one or more statements, simple protocol) on a new connection made on a
/// thread of its own (so it may be called inside a runtime); the rows as text.
pub fn simple(
    config: &Config,
    sql: &str,
) -> Result<Vec<Vec<Option<String>>>, tokio_postgres::Error> {
    let config = config.clone();
    let sql = sql.to_owned();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let (client, conn) = config.connect(NoTls).await?;
            let conn = tokio::spawn(conn);
            let out = client.simple_query(&sql).await;
            drop(client);
            let _ = conn.await;
            Ok(out?
                .into_iter()
                .filter_map(|m| match m {
                    SimpleQueryMessage::Row(r) => {
                        Some((0..r.len()).map(|i| r.get(i).map(str::to_owned)).collect())
                    }
                    _ => None,
                })
                .collect())
        })
    })
    .join()
    .expect("the SQL thread panicked")
}

/// The SQLSTATE `sql` fails with through `store` (`None`: it succeeded).
pub fn sqlstate(store: &PgStore, sql: &str) -> Option<String> {
    let sql = sql.to_owned();
    store
        .run(move |c| -> BoxFuture<'_, _> {
            Box::pin(async move {
                Ok(c.batch_execute(&sql).await.err().map(|e| {
                    e.code()
                        .map_or_else(|| e.to_string(), |s| s.code().to_owned())
                }))
            })
        })
        .expect("run")
}

/// The first column of the first row of `sql` through `store`, as text.
pub fn scalar(store: &PgStore, sql: &str) -> Option<String> {
    let sql = sql.to_owned();
    store
        .run(move |c| -> BoxFuture<'_, _> {
            Box::pin(async move {
                let rows = c.simple_query(&sql).await?;
                Ok(rows.into_iter().find_map(|m| match m {
                    SimpleQueryMessage::Row(r) => Some(r.get(0).map(str::to_owned)),
                    _ => None,
                }))
            })
        })
        .expect("run")
        .flatten()
}
