//! The Redis limiter: one round trip per decision (a Lua script run with
//! EVALSHA, loaded again by the client when the server answers NOSCRIPT),
//! pooled connections with connect and command timeouts (`pool`), and an
//! in-process fallback when Redis cannot be reached, unless strict, with a
//! backoff between probes and rate-limited notices (`health`).
//! The scripts and key names are in `scripts`; the near-duplicate hashes
//! shared through the same connections are in `crate::dedup::shared`.

mod client;
mod health;
mod pool;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ::redis::{Cmd, ConnectionLike, ErrorKind, RedisResult, Script, ServerErrorKind};

pub use health::Notice;

use super::memory::MemoryLimiter;
use super::scripts::{
    counter_key, limit_key, mask_url, receipt_key, ADMIT_SCRIPT, COUNTER_ADD_SCRIPT,
    COUNTER_TAKE_SCRIPT, COUNTER_TTL_SECONDS, GIVE_BACK_SCRIPT, RECEIPT_TTL_SECONDS,
};
use super::window::{check_now, clock_now};
use super::Admitted;
use super::{Candidate, LimitsError, WindowKind};
use crate::dedup::shared::HashCheck;

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
    /// A PEM file of the CA that signed the server's certificate (`rediss://`
    /// only); without it the system roots verify the server.
    pub tls_ca_cert: Option<PathBuf>,
    /// The URL is a seed node of a Redis Cluster: slots are discovered from
    /// it and MOVED/ASK redirections followed.
    pub cluster: bool,
}

impl RedisOptions {
    /// A timeout or interval given in seconds: finite, in (0, 86400].
    pub fn seconds(name: &str, seconds: f64) -> Result<Duration, LimitsError> {
        if seconds.is_finite() && seconds > 0.0 && seconds <= 86_400.0 {
            Ok(Duration::from_secs_f64(seconds))
        } else {
            Err(LimitsError::InvalidOption(format!(
                "{name}: must be a number of seconds in (0, 86400], got {seconds}"
            )))
        }
    }
}

impl Default for RedisOptions {
    fn default() -> Self {
        RedisOptions {
            strict: false,
            connect_timeout: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
            retry_interval: Duration::from_secs(1),
            warn_interval: Duration::from_secs(60),
            tls_ca_cert: None,
            cluster: false,
        }
    }
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
    client: client::Client,
    display_url: String,
    options: RedisOptions,
    idle: Mutex<Vec<client::Link>>,
    /// The process whose connections `idle` holds.
    owner_pid: AtomicU32,
    fallback: MemoryLimiter,
    admit_script: Script,
    give_back_script: Script,
    counter_add_script: Script,
    counter_take_script: Script,
    epoch: Instant,
    /// Random per limiter: with the process id and `give_backs`, names each
    /// give-back's receipt uniquely across processes, machines and forks.
    receipt_prefix: u64,
    give_backs: AtomicU64,
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

impl RedisLimiter {
    /// Parses `url` (e.g. `redis://user:password@host:6379/0`, or `rediss://`
    /// for TLS); connects lazily, on the first decision.
    pub fn new(url: &str, options: RedisOptions) -> Result<Self, LimitsError> {
        let display_url = mask_url(url);
        let client = client::Client::open(url, &display_url, &options)?;
        Ok(RedisLimiter {
            client,
            display_url,
            options,
            idle: Mutex::new(Vec::new()),
            owner_pid: AtomicU32::new(std::process::id()),
            fallback: MemoryLimiter::new(),
            admit_script: Script::new(ADMIT_SCRIPT),
            give_back_script: Script::new(GIVE_BACK_SCRIPT),
            counter_add_script: Script::new(COUNTER_ADD_SCRIPT),
            counter_take_script: Script::new(COUNTER_TAKE_SCRIPT),
            epoch: Instant::now(),
            receipt_prefix: random_u64(),
            give_backs: AtomicU64::new(0),
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

    /// Like [`MemoryLimiter::take`], shared through Redis in one round trip.
    pub fn take<S: AsRef<str>>(
        &self,
        scope: &str,
        candidates: &[Candidate<S>],
        now: f64,
    ) -> Result<(Option<usize>, Option<Notice>), LimitsError> {
        let (admitted, notice) = self.admission("take", scope, candidates, now, None, None)?;
        let chosen = match admitted {
            Admitted::Strategy(i) => Some(i),
            Admitted::Limited | Admitted::BatchFull | Admitted::NearDuplicate => None,
        };
        Ok((chosen, notice))
    }

    /// A kept frame's admission in one round trip: with `hash`, no
    /// near-duplicate of it among the hashes shared in Redis; with `batch`
    /// (its counter name and `max_batch_images`), room in the batch; and a
    /// credit of the first candidate that has one: checked and taken by one
    /// script. When admitted, the batch count goes up by one and the hash
    /// joins the shared set. No round trip at all when there is nothing to
    /// check or take. When Redis fails (not strict), the in-process limiter
    /// decides and `hash` is not checked: the caller checks its own memory.
    pub fn admit<S: AsRef<str>>(
        &self,
        scope: &str,
        candidates: &[Candidate<S>],
        now: f64,
        batch: Option<(&str, i64)>,
        hash: Option<&HashCheck>,
    ) -> Result<(Admitted, Option<Notice>), LimitsError> {
        self.admission("admit", scope, candidates, now, batch, hash)
    }

    /// `admit` (and `take`, an admission without a batch cap), its errors
    /// naming the call `what`.
    fn admission<S: AsRef<str>>(
        &self,
        what: &str,
        scope: &str,
        candidates: &[Candidate<S>],
        now: f64,
        batch: Option<(&str, i64)>,
        hash: Option<&HashCheck>,
    ) -> Result<(Admitted, Option<Notice>), LimitsError> {
        let now = check_now(now)?;
        let mut keys = Vec::with_capacity(2);
        if let Some(hash) = hash {
            keys.push(hash.key.clone());
        }
        let cap = match batch {
            Some((name, cap)) => {
                keys.push(counter_key(scope, name));
                cap.max(0)
            }
            None => -1,
        };
        let plan = Plan::new(scope, candidates, now, keys, cap, hash);
        if plan.sent.is_empty() && batch.is_none() && hash.is_none() {
            return Ok((
                plan.unlimited.map_or(Admitted::Limited, Admitted::Strategy),
                None,
            ));
        }
        let op = |con: &mut dyn ConnectionLike| -> RedisResult<Admitted> {
            let chosen: i64 = plan.invoke(&self.admit_script, con)?;
            Ok(match chosen {
                -3 => Admitted::NearDuplicate,
                -1 => Admitted::BatchFull,
                0 => plan.unlimited.map_or(Admitted::Limited, Admitted::Strategy),
                // The 1-based index of a sent candidate; -2: none had credit.
                n => usize::try_from(n - 1)
                    .ok()
                    .and_then(|i| plan.sent.get(i).copied())
                    .map_or(Admitted::Limited, Admitted::Strategy),
            })
        };
        self.decide(what, op, |memory| {
            memory.admit(scope, candidates, now, batch)
        })
    }

    /// An admitted frame given back in one round trip: one credit to each
    /// window of `strategy` (when it took one) and one off the count of
    /// `batch` (when it was counted), none below zero; and its hash
    /// forgotten from the shared set (`forget`: its key and member, from
    /// [`crate::dedup::shared::shared_hash`]; a frame admitted but not collected).
    pub fn release(
        &self,
        scope: &str,
        strategy: Option<&str>,
        now: f64,
        batch: Option<&str>,
        forget: Option<(&str, &[u8])>,
    ) -> Result<Option<Notice>, LimitsError> {
        let now = check_now(now)?;
        let mut keys: Vec<String> = Vec::with_capacity(4);
        if let Some(strategy) = strategy {
            keys.extend(
                WindowKind::ALL
                    .into_iter()
                    .map(|kind| limit_key(scope, strategy, kind, kind.window_id(now))),
            );
        }
        if let Some(name) = batch {
            keys.push(counter_key(scope, name));
        }
        if keys.is_empty() && forget.is_none() {
            return Ok(None);
        }
        let op = self.give_back_op(scope, &keys, forget);
        let ((), notice) = self.decide("release", op, |memory| {
            memory.release(scope, strategy, now, batch)
        })?;
        Ok(notice)
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
        let op = self.give_back_op(scope, &keys, None);
        let ((), notice) = self.decide("give_back", op, |memory| {
            // `now` was checked above, so this cannot fail.
            let _ = memory.give_back(scope, strategy, now);
        })?;
        Ok(notice)
    }

    /// One give-back of a credit to each of `keys` (and of `forget`'s hash),
    /// with a receipt of its own: when the connection dies after the server
    /// ran it and the pool retries it on a new one, the retry changes nothing.
    fn give_back_op<'a>(
        &'a self,
        scope: &str,
        keys: &'a [String],
        forget: Option<(&'a str, &'a [u8])>,
    ) -> impl Fn(&mut dyn ConnectionLike) -> RedisResult<()> + 'a {
        let id = format!(
            "{:016x}.{}.{}",
            self.receipt_prefix,
            std::process::id(),
            self.give_backs.fetch_add(1, Ordering::Relaxed)
        );
        let receipt = receipt_key(scope, &id);
        move |con| {
            let mut invocation = self.give_back_script.prepare_invoke();
            invocation.key(&receipt).arg(RECEIPT_TTL_SECONDS);
            for key in keys {
                invocation.key(key);
            }
            if let Some((key, member)) = forget {
                invocation.key(key).arg(member);
            }
            invocation.invoke::<i64>(con).map(drop)
        }
    }

    /// Adds `delta` to counter `name` of `scope`; returns the new value.
    pub fn counter_add(
        &self,
        scope: &str,
        name: &str,
        delta: i64,
    ) -> Result<(i64, Option<Notice>), LimitsError> {
        let key = counter_key(scope, name);
        let op = |con: &mut dyn ConnectionLike| -> RedisResult<i64> {
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
        let op = |con: &mut dyn ConnectionLike| -> RedisResult<i64> {
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
        let op = |con: &mut dyn ConnectionLike| -> RedisResult<bool> {
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

    /// One PING through the same connections (never falls back): a health
    /// check, and the baseline of the benchmark.
    pub fn ping(&self) -> Result<(), LimitsError> {
        self.with_connection("PING", |con| {
            ::redis::cmd("PING").query::<String>(con).map(drop)
        })
    }
}

/// A random number (std's hasher keys are seeded by the OS per process).
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}

/// What one admission sends: the candidates before the first unlimited one
/// (a limit of 0 never grants and needs no key), their window keys after
/// the hash set's and the batch counter's `keys`, and the arguments of
/// `ADMIT_SCRIPT`: the header, the hash check's, the candidates'.
struct Plan<'h> {
    sent: Vec<usize>,
    unlimited: Option<usize>,
    keys: Vec<String>,
    args: Vec<i64>,
    hash: Option<&'h HashCheck>,
    now: f64,
}

/// The arguments of `ADMIT_SCRIPT` before the hash check's.
const HEADER_ARGS: usize = 5;

impl<'h> Plan<'h> {
    fn new<S: AsRef<str>>(
        scope: &str,
        candidates: &[Candidate<S>],
        now: f64,
        mut keys: Vec<String>,
        cap: i64,
        hash: Option<&'h HashCheck>,
    ) -> Plan<'h> {
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
        let clock = clock_now();
        let mut args: Vec<i64> = Vec::with_capacity(HEADER_ARGS + sent.len() * 7);
        args.extend([
            cap,
            COUNTER_TTL_SECONDS,
            i64::from(unlimited.is_some()),
            sent.len() as i64,
            i64::from(hash.is_some()),
        ]);
        for &i in &sent {
            let candidate = &candidates[i];
            let windows: Vec<(WindowKind, u64)> = candidate.limits.iter().collect();
            args.push(windows.len() as i64);
            for (kind, limit) in windows {
                let id = kind.window_id(now);
                keys.push(limit_key(scope, candidate.strategy.as_ref(), kind, id));
                args.push(i64::try_from(limit).unwrap_or(i64::MAX));
                args.push(kind.shared_ttl(now, clock));
            }
        }
        Plan {
            sent,
            unlimited,
            keys,
            args,
            hash,
            now,
        }
    }

    /// The EVALSHA written straight into one command buffer: a
    /// `ScriptInvocation` would copy every key and argument into a vector of
    /// its own first (about 25 allocations per decision); loaded again when
    /// the server answers NOSCRIPT, as `ScriptInvocation::invoke` does.
    fn invoke(&self, script: &Script, con: &mut dyn ConnectionLike) -> RedisResult<i64> {
        let args = 3 + self.keys.len() + self.args.len() + if self.hash.is_some() { 9 } else { 0 };
        let bytes: usize = self.keys.iter().map(|k| k.len() + 16).sum::<usize>() + 24 * args + 64;
        let mut cmd = Cmd::with_capacity(args, bytes);
        cmd.arg("EVALSHA")
            .arg(script.get_hash())
            .arg(self.keys.len());
        for key in &self.keys {
            cmd.arg(key.as_str());
        }
        let (header, rest) = self.args.split_at(HEADER_ARGS);
        for arg in header {
            cmd.arg(*arg);
        }
        if let Some(hash) = self.hash {
            hash.push_args(&mut cmd, self.now);
        }
        for arg in rest {
            cmd.arg(*arg);
        }
        match cmd.query(con) {
            Err(err) if err.kind() == ErrorKind::Server(ServerErrorKind::NoScript) => {
                script.load(con)?;
                cmd.query(con)
            }
            answer => answer,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_positive_seconds_up_to_a_day() {
        assert_eq!(
            RedisOptions::seconds("timeout", 0.25),
            Ok(Duration::from_millis(250))
        );
        for bad in [0.0, -1.0, 86_400.5, f64::NAN, f64::INFINITY] {
            let err = RedisOptions::seconds("timeout", bad).unwrap_err();
            assert!(err.to_string().starts_with("timeout: must be"), "{err}");
        }
    }

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
}
