//! The Redis limiter's health: decisions fall back in-process while Redis
//! cannot be reached (unless strict), probes of a Redis that stays down back
//! off, and the caller gets at most one fallback notice per interval.

use std::sync::atomic::Ordering;
use std::time::Duration;

use ::redis::{ConnectionLike, RedisResult};

use super::RedisLimiter;
use crate::limits::memory::MemoryLimiter;
use crate::limits::LimitsError;

/// The longest wait between two probes of a Redis that stays down.
const MAX_RETRY_INTERVAL: Duration = Duration::from_secs(30);

/// Something the caller should log: the core stays free of any logger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// Redis failed and a decision was made in-process (a warning; emitted at
    /// most once per `warn_interval`).
    FellBack(String),
    /// Redis answers again after a fallback period (information).
    Recovered(String),
}

impl RedisLimiter {
    fn mono_nanos(&self) -> u64 {
        // Nanoseconds since creation, never 0 (0 means "never" below).
        u64::try_from(self.epoch.elapsed().as_nanos())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    /// Runs `op` on Redis, or, when not strict and Redis fails (or failed less
    /// than `retry_interval` ago), `fallback` in-process.
    pub(crate) fn decide<T>(
        &self,
        what: &str,
        op: impl Fn(&mut dyn ConnectionLike) -> RedisResult<T>,
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::redis::RedisOptions;
    use crate::limits::{Candidate, Limits, WindowKind};
    use std::time::Instant;

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
    fn fallback_decides_in_process_and_warns_once() {
        let limiter = unreachable_limiter(false);
        let mut limits = Limits::default();
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
                let mut l = Limits::default();
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
