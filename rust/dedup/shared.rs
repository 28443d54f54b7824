//! Recent frame hashes shared through Redis (SPEC §9, `deduplication.shared`):
//! every process feeding one destination sees the others' hashes. Each check
//! and each remember is one Lua script round trip on the `RedisLimiter`'s
//! connections, with its fallback: when Redis cannot be reached (not strict)
//! a check answers `None` and the caller decides with its own
//! `RecentHashes`. The settings are checked as for the in-process filter.
//! The engine itself checks and remembers through the admission script
//! (`RedisLimiter::admit` with a [`HashCheck`]): one round trip with the
//! credits, and a hash given back with them when the frame is not collected.

use std::sync::LazyLock;

use ::redis::{ConnectionLike, RedisResult, Script};

use super::error::DedupError;
use super::settings::{check_max_entries, check_max_hamming, check_window};
use crate::limits::scripts::{popcount_lua, remember_lua};
use crate::limits::window::check_now;
use crate::limits::{escape_scope, Notice, RedisLimiter};

/// KEYS[1]: the recent hashes of a scope (a sorted set: member the hash's 8
/// bytes, big-endian; score the time it was remembered). ARGV: hi, lo,
/// from, max_hamming, to. Returns 1 when a member scored within [from, to] lies
/// within `max_hamming` bits of the hash, else 0.
const NEAR_DUPLICATE_SCRIPT: &str = concat!(
    popcount_lua!(),
    r"
local hi, lo, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[4])
local members = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[3], ARGV[5])
for i = 1, #members do
  local other_hi, other_lo = struct.unpack('>I4I4', members[i])
  if pop(bit.bxor(hi, other_hi)) + pop(bit.bxor(lo, other_lo)) <= limit then
    return 1
  end
end
return 0
"
);

/// KEYS[1]: the recent hashes of a scope. ARGV: member, now, since,
/// max_entries, ttl. Remembers the member at `now`, drops those older than
/// `since` and the oldest beyond `max_entries`, and refreshes the expiry.
const REMEMBER_HASH_SCRIPT: &str = concat!(
    remember_lua!(),
    r"
remember(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
return 0
"
);

/// The two 32-bit halves of a hash (LuaBitOp works on 32 bits) and its member
/// in the recent-hash set: its 8 bytes, big-endian.
fn hash_member(hash: u64) -> (u32, u32, [u8; 8]) {
    ((hash >> 32) as u32, hash as u32, hash.to_be_bytes())
}

static NEAR_DUPLICATE: LazyLock<Script> = LazyLock::new(|| Script::new(NEAR_DUPLICATE_SCRIPT));
static REMEMBER_HASH: LazyLock<Script> = LazyLock::new(|| Script::new(REMEMBER_HASH_SCRIPT));

/// The recent-hash set of near-duplicate suppression, of `scope` or of one
/// `source` feeding it: under the scope's hash tag, like its limit and batch
/// keys, so one admission script can touch them all (one Redis Cluster slot).
/// It ends in `hashes`, where limit keys end in digits and counter keys in
/// `count`.
pub(crate) fn hashes_key(scope: &str, source: Option<&str>) -> String {
    match source {
        None => format!("framesieve:{{{}}}:dedup:hashes", escape_scope(scope)),
        Some(source) => format!(
            "framesieve:{{{}}}:dedup:source:{}:hashes",
            escape_scope(scope),
            escape_scope(source)
        ),
    }
}

/// Where `hash` of a frame of `source` (or of none) in `scope` lies in Redis:
/// the set's key and the hash's member in it, what a give-back forgets.
pub fn shared_hash(scope: &str, source: Option<&str>, hash: u64) -> (String, [u8; 8]) {
    (hashes_key(scope, source), hash_member(hash).2)
}

/// What the admission script needs to check a frame hash against the shared
/// set, and to remember it there when the frame is admitted (SPEC §9):
/// checked as the in-process filter checks.
pub struct HashCheck {
    pub(crate) key: String,
    hi: u32,
    lo: u32,
    member: [u8; 8],
    max_hamming: u32,
    window: f64,
    max_entries: usize,
    ttl: i64,
}

impl HashCheck {
    /// `hash` of a frame of `source` (or of none) in `scope`, with the
    /// settings of `deduplication`.
    pub fn new(
        scope: &str,
        source: Option<&str>,
        hash: u64,
        max_hamming: u32,
        window_seconds: f64,
        max_entries: u64,
    ) -> Result<HashCheck, DedupError> {
        let max_hamming = check_max_hamming(i64::from(max_hamming))?;
        let window = check_window(window_seconds)?;
        // Past i64::MAX the cap cannot be reached anyway.
        let max_entries = check_max_entries(i64::try_from(max_entries).unwrap_or(i64::MAX))?;
        let (hi, lo, member) = hash_member(hash);
        Ok(HashCheck {
            key: hashes_key(scope, source),
            hi,
            lo,
            member,
            max_hamming,
            window,
            max_entries,
            ttl: set_ttl(window),
        })
    }

    /// The 9 arguments of `ADMIT_SCRIPT` after its flag, for a decision at `now`.
    pub(crate) fn push_args(&self, cmd: &mut ::redis::Cmd, now: f64) {
        cmd.arg(self.hi)
            .arg(self.lo)
            .arg(self.max_hamming)
            .arg(now - self.window)
            .arg(now + self.window)
            .arg(&self.member[..])
            .arg(now)
            .arg(self.max_entries)
            .arg(self.ttl);
    }
}

/// The set outlives the window a little, so a late reader still finds it.
fn set_ttl(window: f64) -> i64 {
    (window.ceil() as i64).saturating_add(60)
}

/// Whether a hash within `max_hamming` bits of `hash` was remembered in
/// `scope` (by any process) at most `window_seconds` from `now`, either way as
/// the in-process filter does, in one round trip. `None` when Redis failed and
/// the limiter fell back: the caller then decides with what it remembers itself.
pub fn near_duplicate(
    redis: &RedisLimiter,
    scope: &str,
    source: Option<&str>,
    hash: u64,
    now: f64,
    window_seconds: f64,
    max_hamming: u32,
) -> Result<(Option<bool>, Option<Notice>), DedupError> {
    let max_hamming = check_max_hamming(i64::from(max_hamming))?;
    let window = check_window(window_seconds)?;
    let now = check_now(now)?;
    let key = hashes_key(scope, source);
    let (hi, lo, _) = hash_member(hash);
    let op = |con: &mut dyn ConnectionLike| -> RedisResult<Option<bool>> {
        let found: i64 = NEAR_DUPLICATE
            .key(&key)
            .arg(hi)
            .arg(lo)
            .arg(now - window)
            .arg(max_hamming)
            .arg(now + window)
            .invoke(con)?;
        Ok(Some(found == 1))
    };
    Ok(redis.decide("near_duplicate", op, |_| None)?)
}

/// Remembers `hash` in `scope` at `now` for `window_seconds`, keeping at most
/// `max_entries` hashes (the newest), in one round trip.
pub fn remember_hash(
    redis: &RedisLimiter,
    scope: &str,
    source: Option<&str>,
    hash: u64,
    now: f64,
    window_seconds: f64,
    max_entries: u64,
) -> Result<Option<Notice>, DedupError> {
    let window = check_window(window_seconds)?;
    // Past i64::MAX the cap cannot be reached anyway.
    let max_entries = check_max_entries(i64::try_from(max_entries).unwrap_or(i64::MAX))?;
    let now = check_now(now)?;
    let key = hashes_key(scope, source);
    let (_, _, member) = hash_member(hash);
    let ttl = set_ttl(window);
    let op = |con: &mut dyn ConnectionLike| -> RedisResult<()> {
        REMEMBER_HASH
            .key(&key)
            .arg(&member[..])
            .arg(now)
            .arg(now - window)
            .arg(max_entries)
            .arg(ttl)
            .invoke::<i64>(con)
            .map(drop)
    };
    let ((), notice) = redis.decide("remember_hash", op, |_| ())?;
    Ok(notice)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::RedisOptions;

    #[test]
    fn the_key_is_hash_tagged_by_scope() {
        assert_eq!(hashes_key("ws/p", None), "framesieve:{ws/p}:dedup:hashes");
        assert_eq!(hashes_key("a}b", None), "framesieve:{a%7Db}:dedup:hashes");
        assert_eq!(
            hashes_key("ws/p", Some("cam}1")),
            "framesieve:{ws/p}:dedup:source:cam%7D1:hashes"
        );
    }

    #[test]
    fn hash_members_split_into_32_bit_halves() {
        let (hi, lo, member) = hash_member(0xFFFF_FFFF_0000_0001);
        assert_eq!((hi, lo), (u32::MAX, 1));
        assert_eq!(member, [255, 255, 255, 255, 0, 0, 0, 1]);
    }

    #[test]
    fn bad_arguments_are_named_before_redis_is_tried() {
        let redis = RedisLimiter::new("redis://127.0.0.1:1/0", RedisOptions::default()).unwrap();
        let err = near_duplicate(&redis, "s", None, 1, 0.0, 1.0, 65).unwrap_err();
        assert!(err.to_string().starts_with("max_hamming:"), "{err}");
        let err = near_duplicate(&redis, "s", None, 1, 0.0, f64::NAN, 6).unwrap_err();
        assert!(err.to_string().starts_with("window_seconds:"), "{err}");
        let err = near_duplicate(&redis, "s", None, 1, f64::INFINITY, 1.0, 6).unwrap_err();
        assert!(matches!(err, DedupError::Shared(_)), "{err}");
        let err = remember_hash(&redis, "s", None, 1, 0.0, 1.0, 0).unwrap_err();
        assert!(err.to_string().starts_with("max_entries:"), "{err}");
        assert_eq!(redis.stats().redis_errors, 0);
        // Unreachable and not strict: the check falls back to the caller.
        assert_eq!(
            near_duplicate(&redis, "s", None, 1, 0.0, 1.0, 6).map(|r| r.0),
            Ok(None)
        );
    }
}
