//! The synchronous API from every kind of caller: a current-thread runtime (whose
//! only thread blocks), a multi-thread runtime's workers, and many plain threads.

use std::sync::Arc;

use cordon_core::CoreError;
use cordon_core::store::pg::PgStore;

use super::harness::{TestDb, scalar};

fn one(store: &PgStore) -> i32 {
    store
        .run(|c| Box::pin(async move { Ok(c.query_one("SELECT 1::INT4", &[]).await?.get(0)) }))
        .unwrap()
}

#[test]
fn run_works_inside_runtimes_and_from_many_threads_at_once() {
    let Some(db) = TestDb::new() else { return };
    let store = Arc::new(PgStore::open_config(db.config.clone()).unwrap());

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    assert_eq!(rt.block_on(async { one(&store) }), 1);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let s = Arc::clone(&store);
                tokio::spawn(async move { one(&s) })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap(), 1);
        }
    });

    let (threads, each) = (8, 50);
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let s = Arc::clone(&store);
            std::thread::spawn(move || {
                for i in 0..each {
                    let actor = format!("thread-{t}");
                    let detail = i.to_string();
                    if i % 5 == 0 {
                        s.transaction(move |tx| {
                            Box::pin(async move {
                                tx.execute(
                                    "INSERT INTO audit (at, actor, event, detail) VALUES ('t', $1, 'e', $2)",
                                    &[&actor, &detail],
                                )
                                .await?;
                                Ok(())
                            })
                        })
                        .unwrap();
                    } else {
                        s.run(move |c| {
                            Box::pin(async move {
                                c.execute(
                                    "INSERT INTO audit (at, actor, event, detail) VALUES ('t', $1, 'e', $2)",
                                    &[&actor, &detail],
                                )
                                .await?;
                                Ok(())
                            })
                        })
                        .unwrap();
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(
        scalar(&store, "SELECT count(*) || ' ' || count(DISTINCT seq) || ' ' || count(DISTINCT actor || detail) FROM audit").as_deref(),
        Some("400 400 400")
    );
}

#[test]
fn a_failing_or_panicking_job_leaves_the_store_working() {
    let Some(db) = TestDb::new() else { return };
    let store = PgStore::open_config(db.config.clone()).unwrap();

    let bad = store.run(|c| Box::pin(async move { Ok(c.batch_execute("SELEC 1").await?) }));
    assert!(
        matches!(&bad, Err(CoreError::TeamStore(m)) if m.contains("42601")),
        "{bad:?}"
    );

    let panicked = store.run(|_| -> cordon_core::store::pg::BoxFuture<'_, _> {
        Box::pin(async move {
            if one_is_one() {
                panic!("a job's bug");
            }
            Ok(())
        })
    });
    assert!(
        matches!(&panicked, Err(CoreError::TeamStore(m)) if m.contains("panicked")),
        "{panicked:?}"
    );

    let rolled_back: Result<(), _> = store.transaction(|tx| {
        Box::pin(async move {
            tx.batch_execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
                .await?;
            Err(CoreError::TeamStore("changed my mind".into()))
        })
    });
    assert!(rolled_back.is_err());
    assert_eq!(
        scalar(&store, "SELECT count(*) FROM meta").as_deref(),
        Some("0")
    );
    assert_eq!(one(&store), 1);
}

fn one_is_one() -> bool {
    std::hint::black_box(1) == 1
}
