//! The Redis limiter: one round trip per decision (a Lua script run with
//! EVALSHA, loaded again by the client when the server answers NOSCRIPT),
//! pooled connections with connect and command timeouts, and an in-process
//! fallback when Redis cannot be reached (unless strict).
//! The scripts and key names are in `scripts`.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ::redis::{Connection, RedisError, RedisResult, Script};

use super::memory::MemoryLimiter;
use super::scripts::{
    counter_key, hash_member, hashes_key, limit_key, mask_url, COUNTER_ADD_SCRIPT,
    COUNTER_TAKE_SCRIPT, COUNTER_TTL_SECONDS, GIVE_BACK_SCRIPT, NEAR_DUPLICATE_SCRIPT,
    REMEMBER_HASH_SCRIPT, TAKE_SCRIPT,
};
use super::window::check_now;
use super::{Candidate, LimitsError, WindowKind};

/// The longest wait between two probes of a Redis that stays down.
const MAX_RETRY_INTERVAL: Duration = Duration::from_secs(30);

/// Idle connections kept for reuse; more threads than this open and close
/// connections as needed.
const MAX_IDLE: usize = 64;

/// Settings of a [`RedisLimiter`].
#[derive(Clone, Debug)]
pub struct RedisOptions {
    /// Raise on Redis errors instead of deciding in-process.
    pub strict: bool,
    /// Limit for opening a connection.
    pub connect_timeout: Duration,
    /// Limit for one command's reply (and for sending it).
    pub timeout: Duration,
    /// After a failure (not strict), how long decisions stay in-process before
    /// Redis is probed again (doubling while it stays down, up to 30 s); keeps
    /// a down Redis from costing a timeout per frame.
    pub retry_interval: Duration,
    /// At most one fallback warning per this interval.
    pub warn_interval: Duration,
}

impl Default for RedisOptions {
    fn default() -> Self {
        RedisOptions {
            strict: false,
            connect_timeout: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
            retry_interval: Duration::from_secs(1),
            warn_interval: Duration::from_secs(60),
        }
    }
}

/// Something the caller should log: the core stays free of any logger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// Redis failed and a decision was made in-process (a warning; emitted at
    /// most once per `warn_interval`).
    FellBack(String),
    /// Redis answers again after a fallback period (information).
    Recovered(String),
}

/// Counters describing a [`RedisLimiter`]'s life so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RedisStats {
    /// Decisions (and counter operations) made in-process because Redis failed.
    pub fallback_decisions: u64,
    /// Redis calls that failed.
    pub redis_errors: u64,
    /// Connections opened again after one was lost or failed to open.
    pub reconnects: u64,
    /// Connections opened in total.
    pub connections_opened: u64,
}

/// Limits shared by every process that uses the same Redis; see the module docs.
pub struct RedisLimiter {
    client: ::redis::Client,
    display_url: String,
    options: RedisOptions,
    idle: Mutex<Vec<Connection>>,
    /// The process whose connections `idle` holds.
    owner_pid: AtomicU32,
    fallback: MemoryLimiter,
    take_script: Script,
    give_back_script: Script,
    counter_add_script: Script,
    counter_take_script: Script,
    near_duplicate_script: Script,
    remember_hash_script: Script,
    epoch: Instant,
    /// Monotonic nanoseconds (since `epoch`) before which Redis is not tried.
    retry_at: AtomicU64,
    /// Monotonic nanoseconds of the last fallback warning (0: none yet).
    warned_at: AtomicU64,
    /// In fallback since the last failure.
    down: AtomicBool,
    /// Failed probes in a row (for the backoff).
    failures: AtomicU32,
    /// A connection failed; the next one opened is a reconnect.
    lost: AtomicBool,
    fallback_decisions: AtomicU64,
    redis_errors: AtomicU64,
    reconnects: AtomicU64,
    connections_opened: AtomicU64,
}

/// A pooled connection may have died with the server: worth one retry on a
/// fresh connection. Not after a timeout: the command may have run.
fn is_stale(err: &RedisError) -> bool {
    (err.is_connection_dropped() || err.is_io_error() || err.is_connection_refusal())
        && !err.is_timeout()
}

impl RedisLimiter {
    /// Parses `url` (e.g. `redis://:password@host:6379/0`); connects lazily, on
    /// the first decision.
    pub fn new(url: &str, options: RedisOptions) -> Result<Self, LimitsError> {
        let display_url = mask_url(url);
        let client = ::redis::Client::open(url).map_err(|err| {
            // The parser's messages name the problem, not the URL's parts.
            LimitsError::InvalidUrl(format!(
                "invalid Redis URL {display_url:?}: {err} \
                 (expected redis://[user:password@]host[:port][/db])"
            ))
        })?;
        Ok(RedisLimiter {
            client,
            display_url,
            options,
            idle: Mutex::new(Vec::new()),
            owner_pid: AtomicU32::new(std::process::id()),
            fallback: MemoryLimiter::new(),
            take_script: Script::new(TAKE_SCRIPT),
            give_back_script: Script::new(GIVE_BACK_SCRIPT),
            counter_add_script: Script::new(COUNTER_ADD_SCRIPT),
            counter_take_script: Script::new(COUNTER_TAKE_SCRIPT),
            near_duplicate_script: Script::new(NEAR_DUPLICATE_SCRIPT),
            remember_hash_script: Script::new(REMEMBER_HASH_SCRIPT),
            epoch: Instant::now(),
            retry_at: AtomicU64::new(0),
            warned_at: AtomicU64::new(0),
            down: AtomicBool::new(false),
            failures: AtomicU32::new(0),
            lost: AtomicBool::new(false),
            fallback_decisions: AtomicU64::new(0),
            redis_errors: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
            connections_opened: AtomicU64::new(0),
        })
    }

    /// The URL with its password masked.
    pub fn display_url(&self) -> &str {
        &self.display_url
    }

    pub fn options(&self) -> &RedisOptions {
        &self.options
    }

    pub fn stats(&self) -> RedisStats {
        RedisStats {
            fallback_decisions: self.fallback_decisions.load(Ordering::Relaxed),
            redis_errors: self.redis_errors.load(Ordering::Relaxed),
            reconnects: self.reconnects.load(Ordering::Relaxed),
            connections_opened: self.connections_opened.load(Ordering::Relaxed),
        }
    }

    fn mono_nanos(&self) -> u64 {
        // Nanoseconds since creation, never 0 (0 means "never" below).
        u64::try_from(self.epoch.elapsed().as_nanos())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    fn pop_idle(&self) -> Option<Connection> {
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

    fn push_idle(&self, con: Connection) {
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

    fn connect(&self) -> RedisResult<Connection> {
        let opened = self
            .client
            .get_connection_with_timeout(self.options.connect_timeout)
            .and_then(|con| {
                con.set_read_timeout(Some(self.options.timeout))?;
                con.set_write_timeout(Some(self.options.timeout))?;
                Ok(con)
            });
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
    /// repeats a command whose reply was lost, which can only use up a credit,
    /// never grant an extra one.
    fn with_connection<T>(
        &self,
        what: &str,
        op: impl Fn(&mut Connection) -> RedisResult<T>,
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
            match op(&mut con) {
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

    /// Runs `op` on Redis, or, when not strict and Redis fails (or failed less
    /// than `retry_interval` ago), `fallback` in-process.
    fn decide<T>(
        &self,
        what: &str,
        op: impl Fn(&mut Connection) -> RedisResult<T>,
        fallback: impl FnOnce(&MemoryLimiter) -> T,
    ) -> Result<(T, Option<Notice>), LimitsError> {
        if !self.options.strict {
            let retry_at = self.retry_at.load(Ordering::Acquire);
            if retry_at != 0 {
                let now = self.mono_nanos();
                // While Redis is down one thread at a time probes it (and may
                // wait for connect_timeout); the others decide in-process.
                let claimed = now >= retry_at
                    && self
                        .retry_at
                        .compare_exchange(
                            retry_at,
                            now.saturating_add(self.backoff_nanos()),
                            Ordering::AcqRel,
                            Ordering::Acquire,
                        )
                        .is_ok();
                if !claimed {
                    return Ok(self.fall_back(None, fallback));
                }
            }
        }
        match self.with_connection(what, op) {
            Ok(value) => {
                let notice = if self.down.swap(false, Ordering::AcqRel) {
                    self.retry_at.store(0, Ordering::Release);
                    self.failures.store(0, Ordering::Release);
                    Some(Notice::Recovered(format!(
                        "Redis at {} answers again; rate limits are shared again",
                        self.display_url
                    )))
                } else {
                    None
                };
                Ok((value, notice))
            }
            Err(err) if self.options.strict => Err(err),
            Err(err) => {
                self.down.store(true, Ordering::Release);
                self.failures.fetch_add(1, Ordering::AcqRel);
                self.retry_at.store(
                    self.mono_nanos().saturating_add(self.backoff_nanos()),
                    Ordering::Release,
                );
                Ok(self.fall_back(Some(err), fallback))
            }
        }
    }

    /// How long to decide in-process before probing Redis again:
    /// `retry_interval`, doubled for each failed probe in a row, at most
    /// `MAX_RETRY_INTERVAL` (never less than `retry_interval`).
    fn backoff_nanos(&self) -> u64 {
        let failures = self.failures.load(Ordering::Acquire).clamp(1, 16);
        let base = self.options.retry_interval;
        let backoff = base
            .saturating_mul(1 << (failures - 1))
            .min(MAX_RETRY_INTERVAL.max(base));
        u64::try_from(backoff.as_nanos()).unwrap_or(u64::MAX)
    }

    fn fall_back<T>(
        &self,
        err: Option<LimitsError>,
        fallback: impl FnOnce(&MemoryLimiter) -> T,
    ) -> (T, Option<Notice>) {
        let total = self.fallback_decisions.fetch_add(1, Ordering::Relaxed) + 1;
        let value = fallback(&self.fallback);
        let now = self.mono_nanos();
        let last = self.warned_at.load(Ordering::Acquire);
        let interval = u64::try_from(self.options.warn_interval.as_nanos()).unwrap_or(u64::MAX);
        let due = last == 0 || now.saturating_sub(last) >= interval;
        // One thread wins the right to warn for this interval.
        let notice = (due
            && self
                .warned_at
                .compare_exchange(last, now, Ordering::AcqRel, Ordering::Acquire)
                .is_ok())
        .then(|| {
            let cause = err.map_or_else(
                || format!("Redis at {} is unreachable", self.display_url),
                |err| err.to_string(),
            );
            Notice::FellBack(format!(
                "{cause}; rate limits are enforced per process until it answers again \
                 ({total} decisions made in-process so far; pass strict=True to raise instead)"
            ))
        });
        (value, notice)
    }

    /// Like [`MemoryLimiter::take`], shared through Redis in one round trip.
    pub fn take<S: AsRef<str>>(
        &self,
        scope: &str,
        candidates: &[Candidate<S>],
        now: f64,
    ) -> Result<(Option<usize>, Option<Notice>), LimitsError> {
        let now = check_now(now)?;
        // Only the candidates before the first unlimited one need Redis; a
        // limit of 0 never grants and needs no key.
        let mut sent = Vec::with_capacity(candidates.len());
        let mut unlimited = None;
        for (i, candidate) in candidates.iter().enumerate() {
            if candidate.limits.is_unlimited() {
                unlimited = Some(i);
                break;
            }
            if !candidate.limits.never_grants() {
                sent.push(i);
            }
        }
        if sent.is_empty() {
            return Ok((unlimited, None));
        }
        let mut keys = Vec::with_capacity(sent.len() * 3);
        let mut args: Vec<i64> = Vec::with_capacity(1 + sent.len() * 7);
        args.push(sent.len() as i64);
        for &i in &sent {
            let candidate = &candidates[i];
            let windows: Vec<(WindowKind, u64)> = candidate.limits.iter().collect();
            args.push(windows.len() as i64);
            for (kind, limit) in windows {
                let id = kind.window_id(now);
                keys.push(limit_key(scope, candidate.strategy.as_ref(), kind, id));
                args.push(i64::try_from(limit).unwrap_or(i64::MAX));
                args.push(kind.ttl_seconds());
            }
        }
        let op = |con: &mut Connection| -> RedisResult<Option<usize>> {
            let mut invocation = self.take_script.prepare_invoke();
            for key in &keys {
                invocation.key(key);
            }
            for arg in &args {
                invocation.arg(*arg);
            }
            // The script's answer is 1-based, 0 for none of the sent candidates.
            let chosen: i64 = invocation.invoke(con)?;
            Ok(match usize::try_from(chosen) {
                Ok(n) if n >= 1 => sent.get(n - 1).copied().or(unlimited),
                _ => unlimited,
            })
        };
        self.decide("take", op, |memory| {
            memory.take(scope, candidates, now).ok().flatten()
        })
    }

    /// Like [`MemoryLimiter::give_back`]: one credit back to each window of
    /// `strategy` that `now` falls in, never below zero, in one round trip.
    pub fn give_back(
        &self,
        scope: &str,
        strategy: &str,
        now: f64,
    ) -> Result<Option<Notice>, LimitsError> {
        let now = check_now(now)?;
        let keys: Vec<String> = WindowKind::ALL
            .into_iter()
            .map(|kind| limit_key(scope, strategy, kind, kind.window_id(now)))
            .collect();
        let op = |con: &mut Connection| -> RedisResult<()> {
            let mut invocation = self.give_back_script.prepare_invoke();
            for key in &keys {
                invocation.key(key);
            }
            invocation.invoke::<i64>(con).map(drop)
        };
        let ((), notice) = self.decide("give_back", op, |memory| {
            // `now` was checked above, so this cannot fail.
            let _ = memory.give_back(scope, strategy, now);
        })?;
        Ok(notice)
    }

    /// Adds `delta` to counter `name` of `scope`; returns the new value.
    pub fn counter_add(
        &self,
        scope: &str,
        name: &str,
        delta: i64,
    ) -> Result<(i64, Option<Notice>), LimitsError> {
        let key = counter_key(scope, name);
        let op = |con: &mut Connection| -> RedisResult<i64> {
            self.counter_add_script
                .key(&key)
                .arg(delta)
                .arg(COUNTER_TTL_SECONDS)
                .invoke(con)
        };
        self.decide("counter_add", op, |memory| {
            memory.counter_add(scope, name, delta)
        })
    }

    /// The value of counter `name` of `scope` (0 when absent).
    pub fn counter_get(
        &self,
        scope: &str,
        name: &str,
    ) -> Result<(i64, Option<Notice>), LimitsError> {
        let key = counter_key(scope, name);
        let op = |con: &mut Connection| -> RedisResult<i64> {
            let value: Option<i64> = ::redis::cmd("GET").arg(&key).query(con)?;
            Ok(value.unwrap_or(0))
        };
        self.decide("counter_get", op, |memory| memory.counter_get(scope, name))
    }

    /// Adds 1 to counter `name` of `scope` when it is below `limit`; returns
    /// whether it did (atomic across every process sharing the Redis).
    pub fn counter_take(
        &self,
        scope: &str,
        name: &str,
        limit: i64,
    ) -> Result<(bool, Option<Notice>), LimitsError> {
        let key = counter_key(scope, name);
        let op = |con: &mut Connection| -> RedisResult<bool> {
            let taken: i64 = self
                .counter_take_script
                .key(&key)
                .arg(limit)
                .arg(COUNTER_TTL_SECONDS)
                .invoke(con)?;
            Ok(taken == 1)
        };
        self.decide("counter_take", op, |memory| {
            memory.counter_take(scope, name, limit)
        })
    }

    /// Whether a hash within `max_hamming` bits of `hash` was remembered in
    /// `scope` (by any process) at most `window_seconds` from `now`, either
    /// way as the in-process filter does, in one round trip. `None` when Redis
    /// failed and the limiter fell back: the caller then decides with what it
    /// remembers itself.
    pub fn near_duplicate(
        &self,
        scope: &str,
        hash: u64,
        now: f64,
        window_seconds: f64,
        max_hamming: u32,
    ) -> Result<(Option<bool>, Option<Notice>), LimitsError> {
        let now = check_now(now)?;
        let window = check_now(window_seconds)?.max(0.0);
        let key = hashes_key(scope);
        let (hi, lo, _) = hash_member(hash);
        let op = |con: &mut Connection| -> RedisResult<Option<bool>> {
            let found: i64 = self
                .near_duplicate_script
                .key(&key)
                .arg(hi)
                .arg(lo)
                .arg(now - window)
                .arg(max_hamming)
                .arg(now + window)
                .invoke(con)?;
            Ok(Some(found == 1))
        };
        self.decide("near_duplicate", op, |_| None)
    }

    /// Remembers `hash` in `scope` at `now` for `window_seconds`, keeping at
    /// most `max_entries` hashes (the newest), in one round trip.
    pub fn remember_hash(
        &self,
        scope: &str,
        hash: u64,
        now: f64,
        window_seconds: f64,
        max_entries: u64,
    ) -> Result<Option<Notice>, LimitsError> {
        let now = check_now(now)?;
        let window = check_now(window_seconds)?.max(0.0);
        let key = hashes_key(scope);
        let (_, _, member) = hash_member(hash);
        // The set outlives the window a little, so a late reader still finds it.
        let ttl = (window.ceil() as i64).saturating_add(60);
        let op = |con: &mut Connection| -> RedisResult<()> {
            self.remember_hash_script
                .key(&key)
                .arg(&member[..])
                .arg(now)
                .arg(now - window)
                .arg(max_entries)
                .arg(ttl)
                .invoke::<i64>(con)
                .map(drop)
        };
        let ((), notice) = self.decide("remember_hash", op, |_| ())?;
        Ok(notice)
    }

    /// One PING through the same connections (never falls back): a health
    /// check, and the baseline of the benchmark.
    pub fn ping(&self) -> Result<(), LimitsError> {
        self.with_connection("PING", |con| {
            ::redis::cmd("PING").query::<String>(con).map(drop)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_urls_do_not_echo_the_password() {
        let err = RedisLimiter::new("nonsense://:s3cret@", RedisOptions::default())
            .err()
            .map(|err| err.to_string())
            .unwrap_or_default();
        assert!(err.contains("invalid Redis URL"), "{err}");
        assert!(!err.contains("s3cret"), "{err}");
    }

    fn unreachable_limiter(strict: bool) -> RedisLimiter {
        // Port 1 on loopback: refused at once, no waiting on a timeout.
        let options = RedisOptions {
            strict,
            retry_interval: Duration::from_secs(3600),
            ..RedisOptions::default()
        };
        RedisLimiter::new("redis://:s3cret@127.0.0.1:1/0", options).unwrap()
    }

    #[test]
    fn strict_raises_with_a_masked_url() {
        let limiter = unreachable_limiter(true);
        let cands = [Candidate {
            strategy: "a",
            limits: {
                let mut l = super::super::Limits::default();
                l.add(WindowKind::Minute, 1);
                l
            },
        }];
        let err = limiter.take("s", &cands, 0.0).unwrap_err().to_string();
        assert!(err.contains("redis://:***@127.0.0.1:1/0"), "{err}");
        assert!(!err.contains("s3cret"), "{err}");
        assert_eq!(limiter.stats().redis_errors, 1);
        // Candidates that need no Redis decide without it.
        let free = [Candidate {
            strategy: "b",
            limits: super::super::Limits::UNLIMITED,
        }];
        assert_eq!(limiter.take("s", &free, 0.0), Ok((Some(0), None)));
    }

    #[test]
    fn fallback_decides_in_process_and_warns_once() {
        let limiter = unreachable_limiter(false);
        let mut limits = super::super::Limits::default();
        limits.add(WindowKind::Minute, 2);
        let cands = [Candidate {
            strategy: "a",
            limits,
        }];
        let results: Vec<_> = (0..4)
            .map(|_| limiter.take("s", &cands, 0.0).unwrap())
            .collect();
        assert_eq!(
            results.iter().map(|r| r.0).collect::<Vec<_>>(),
            vec![Some(0), Some(0), None, None]
        );
        let warnings = results
            .iter()
            .filter(|r| matches!(r.1, Some(Notice::FellBack(_))))
            .count();
        assert_eq!(warnings, 1);
        let stats = limiter.stats();
        assert_eq!(stats.fallback_decisions, 4);
        // Only the first decision tried Redis; the rest waited for retry_interval.
        assert_eq!(stats.redis_errors, 1);
    }

    #[test]
    fn probes_of_a_down_redis_back_off() {
        let options = RedisOptions {
            retry_interval: Duration::from_millis(20),
            ..RedisOptions::default()
        };
        let limiter = RedisLimiter::new("redis://127.0.0.1:1/0", options).unwrap();
        let cands = [Candidate {
            strategy: "a",
            limits: {
                let mut l = super::super::Limits::default();
                l.add(WindowKind::Day, 1_000_000);
                l
            },
        }];
        let started = Instant::now();
        let mut decisions = 0u64;
        while started.elapsed() < Duration::from_millis(300) {
            assert_eq!(limiter.take("s", &cands, 0.0).map(|r| r.0), Ok(Some(0)));
            decisions += 1;
            std::thread::sleep(Duration::from_millis(1));
        }
        let stats = limiter.stats();
        assert_eq!(stats.fallback_decisions, decisions);
        // Probes at about 0, 20, 60, 140 and 300 ms (doubling), not every 20 ms
        // (15 probes); a slow machine only makes fewer.
        assert!(
            (2..=6).contains(&stats.redis_errors),
            "{} probes",
            stats.redis_errors
        );
    }
}
