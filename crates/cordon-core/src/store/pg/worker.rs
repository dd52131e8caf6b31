//! The team store's thread: a current-thread tokio runtime owning the connection pool.
//!
//! Callers hand it jobs over an unbounded channel (sending never blocks nor needs a
//! runtime) and wait for the answer on a `std::sync::mpsc` channel, which may block any
//! thread, a runtime's worker included (tokio's own blocking receive refuses to run
//! inside a runtime). Each job runs as a task, so jobs waiting on the server overlap.

use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;

use deadpool_postgres::{Manager, Pool, Runtime};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::{BoxFuture, CONNECT_TIMEOUT, POOL_SIZE, connect_error, team_error};
use crate::error::Result;

/// A job: given the pool, a future that runs the caller's work and sends its answer.
type Job = Box<dyn FnOnce(Pool) -> BoxFuture<'static, ()> + Send>;

pub(super) struct Worker {
    /// The server's host, to name it when its certificate is refused.
    host: Arc<str>,
    jobs: Option<UnboundedSender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    pub(super) fn start(manager: Manager, host: String) -> Result<Worker> {
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(CONNECT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|e| team_error(format!("cannot make the connection pool: {e}")))?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| team_error(format!("cannot start the store's runtime: {e}")))?;
        let (tx, mut rx) = unbounded_channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("cordon-team-store".to_owned())
            .spawn(move || {
                rt.block_on(async move {
                    while let Some(job) = rx.recv().await {
                        tokio::spawn(job(pool.clone()));
                    }
                    pool.close();
                });
            })
            .map_err(|e| team_error(format!("cannot start the store's thread: {e}")))?;
        Ok(Worker {
            host: host.into(),
            jobs: Some(tx),
            thread: Some(thread),
        })
    }

    pub(super) fn run<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut deadpool_postgres::Client) -> BoxFuture<'c, Result<T>>
            + Send
            + 'static,
    {
        let (reply, answer) = mpsc::sync_channel::<Result<T>>(1);
        let host = Arc::clone(&self.host);
        let job: Job = Box::new(move |pool: Pool| {
            Box::pin(async move {
                let out = match pool.get().await {
                    Ok(mut client) => f(&mut client).await,
                    Err(e) => Err(connect_error(e, &host)),
                };
                // The caller waits for it; it cannot have gone.
                let _ = reply.send(out);
            })
        });
        let stopped = || team_error("the team store's thread has stopped".to_owned());
        self.jobs
            .as_ref()
            .ok_or_else(stopped)?
            .send(job)
            .map_err(|_| stopped())?;
        // The sender is dropped without an answer only if the job panicked.
        answer.recv().map_err(|_| {
            team_error("the team store's job panicked; nothing more is known".to_owned())
        })?
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Every job has answered (each `run` borrows the store until then); closing the
        // channel ends the thread's loop, which closes the pool.
        self.jobs.take();
        if let Some(t) = self.thread.take()
            && t.thread().id() != std::thread::current().id()
        {
            let _ = t.join();
        }
    }
}
