//! The connection pool of the Redis limiter: idle connections reused across
//! threads (dropped after a fork), connect and command timeouts, one retry on
//! a fresh connection when a pooled one turns out dead, and error messages
//! that name the server with its password masked.

use std::sync::atomic::Ordering;

use ::redis::{ConnectionLike, RedisError, RedisResult};

use super::client::Link;
use super::RedisLimiter;
use crate::limits::LimitsError;

/// Idle connections kept for reuse; more threads than this open and close
/// connections as needed.
const MAX_IDLE: usize = 64;

/// A pooled connection may have died with the server: worth one retry on a
/// fresh connection. Not after a timeout: the command may have run.
fn is_stale(err: &RedisError) -> bool {
    (err.is_connection_dropped() || err.is_io_error() || err.is_connection_refusal())
        && !err.is_timeout()
}

impl RedisLimiter {
    fn pop_idle(&self) -> Option<Link> {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // After a fork the child holds copies of the parent's sockets: using
        // them would interleave both processes' replies. Drop them (closing
        // only the child's copies) and connect afresh.
        let pid = std::process::id();
        if self.owner_pid.swap(pid, Ordering::AcqRel) != pid {
            idle.clear();
        }
        idle.pop()
    }

    fn push_idle(&self, con: Link) {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if idle.len() < MAX_IDLE {
            idle.push(con);
        }
    }

    fn clear_idle(&self) {
        let stale = std::mem::take(
            &mut *self
                .idle
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        drop(stale);
    }

    fn connect(&self) -> RedisResult<Link> {
        let opened = self
            .client
            .connect(self.options.connect_timeout, self.options.timeout);
        match opened {
            Ok(con) => {
                self.connections_opened.fetch_add(1, Ordering::Relaxed);
                if self.lost.swap(false, Ordering::AcqRel) {
                    self.reconnects.fetch_add(1, Ordering::Relaxed);
                }
                Ok(con)
            }
            Err(err) => {
                self.lost.store(true, Ordering::Release);
                Err(err)
            }
        }
    }

    /// Runs `op` on a pooled (or new) connection. A pooled connection that
    /// turns out dead (e.g. Redis restarted) is dropped with the rest of the
    /// pool and `op` is tried once more on a fresh connection: at worst that
    /// repeats a command whose reply was lost, which for an admission can
    /// only use up a credit, never grant an extra one (a give-back carries a
    /// receipt against being repeated).
    pub(crate) fn with_connection<T>(
        &self,
        what: &str,
        op: impl Fn(&mut dyn ConnectionLike) -> RedisResult<T>,
    ) -> Result<T, LimitsError> {
        let mut retried = false;
        loop {
            let (mut con, fresh) = match self.pop_idle() {
                Some(con) => (con, false),
                None => match self.connect() {
                    Ok(con) => (con, true),
                    Err(err) => return Err(self.failure(what, "cannot connect", &err)),
                },
            };
            match op(con.as_mut()) {
                Ok(value) => {
                    self.push_idle(con);
                    return Ok(value);
                }
                Err(err) if !fresh && !retried && is_stale(&err) => {
                    self.lost.store(true, Ordering::Release);
                    self.clear_idle();
                    retried = true;
                }
                Err(err) => {
                    if err.is_unrecoverable_error() || err.is_io_error() || err.is_timeout() {
                        self.lost.store(true, Ordering::Release);
                    } else {
                        // A server-side error (e.g. a key of another type):
                        // the connection itself is fine.
                        self.push_idle(con);
                    }
                    return Err(self.failure(what, "failed", &err));
                }
            }
        }
    }

    fn failure(&self, what: &str, how: &str, err: &RedisError) -> LimitsError {
        self.redis_errors.fetch_add(1, Ordering::Relaxed);
        // A read timeout surfaces as EAGAIN ("Resource temporarily
        // unavailable"): say what it means.
        let hint = if err.is_timeout() {
            let limit = if how == "cannot connect" {
                self.options.connect_timeout
            } else {
                self.options.timeout
            };
            format!("no answer within {:.3} s ({err})", limit.as_secs_f64())
        } else {
            err.to_string()
        };
        LimitsError::Connection(format!(
            "Redis at {}: {what} {how}: {hint}",
            self.display_url
        ))
    }
}
