//! What the Redis limiter sends: its Lua scripts, its key names, and the
//! URL as shown in messages (password masked).
//!
//! Keys: `framesieve:{<scope>}:<strategy>:<minute|hour|day>:<window id>` for
//! limits and `framesieve:{<scope>}:<name>:count` for counters. The `{scope}`
//! hash tag puts every key of one decision in one Redis Cluster slot; the
//! scope is escaped so it cannot close the tag early, and the two key shapes
//! end differently (digits vs `count`), so no limit key can equal a counter key.

use super::{escape_scope, WindowKind};

/// Lua: `pop(x)`, the bits set in a 32-bit value. The SWAR popcount:
/// LuaBitOp works on 32 bits, and every intermediate sum stays far below
/// 2^51, where Lua's doubles are exact and `bit` normalises. A macro, so that
/// `concat!` can put it in front of the scripts that compare frame hashes.
macro_rules! popcount_lua {
    () => {
        r"
local function pop(x)
  x = x - bit.band(bit.rshift(x, 1), 0x55555555)
  x = bit.band(x, 0x33333333) + bit.band(bit.rshift(x, 2), 0x33333333)
  x = bit.band(x + bit.rshift(x, 4), 0x0F0F0F0F)
  x = x + bit.rshift(x, 8)
  return bit.band(x + bit.rshift(x, 16), 0x3F)
end
"
    };
}
pub(crate) use popcount_lua;

/// Lua: `remember(key, member, now, since, max_entries, ttl)`, a frame hash
/// joining a recent-hash set: added at `now`, those older than `since` and
/// the oldest beyond `max_entries` dropped, the expiry refreshed. Shared by
/// the admission script and `remember_hash`.
macro_rules! remember_lua {
    () => {
        r"
local function remember(key, member, now, since, max_entries, ttl)
  redis.call('ZADD', key, now, member)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. since)
  local extra = redis.call('ZCARD', key) - tonumber(max_entries)
  if extra > 0 then
    redis.call('ZREMRANGEBYRANK', key, 0, extra - 1)
  end
  redis.call('EXPIRE', key, ttl)
end
"
    };
}
pub(crate) use remember_lua;

/// A decision in one round trip: the near-duplicate check against the
/// recent frame hashes shared by every process (when given), the batch room
/// of `max_batch_images` (when capped) and the credits, checked and taken
/// atomically; a plain take is an admission without either. An admitted
/// frame's hash joins the shared set in the same script, so two processes
/// cannot both admit look-alikes.
///
/// KEYS: the recent-hash set (only when ARGV[5] is 1), the batch counter
/// (only when ARGV[1] >= 0), then the windows of every candidate, in order.
/// ARGV[1]: the batch cap, or -1 for none; ARGV[2]: the counter's ttl;
/// ARGV[3]: 1 when an unlimited candidate follows the sent ones; ARGV[4]: the
/// number of candidates; ARGV[5]: 1 when the hash is checked, then its 9
/// arguments (hi, lo, max_hamming, from, to, member, now, max_entries, ttl:
/// see `crate::dedup::shared::HashCheck`); then for each candidate its number
/// of windows `n` and `n` pairs (limit, ttl; negative: the expiry is
/// refreshed by every write). Returns the 1-based index of
/// the chosen candidate, 0 for the unlimited one, -1 when the batch is full,
/// -2 when no candidate has credit, -3 for a near-duplicate.
///
/// One MGET per candidate looked at and one write per window taken. A
/// window of the present (a ttl > 0) takes an INCR, and an EXPIRE with its
/// first credit only: set then, the expiry outlasts the window. A window of
/// video time far from the clock (a ttl < 0: a recorded video, which may be
/// read slower than real time) takes `SET count EX -ttl`, the expiry counted
/// from every write, so it lives while it is used. Each `redis.call` costs
/// more than the Lua around it, and INCR of a small integer is the cheapest
/// write: redis-server 7.0 spent 10.9 µs on a live decision of 3 windows
/// against 16.4 µs with `SET ... EX` (`benches/bench_limits.py` profiles it).
pub(crate) const ADMIT_SCRIPT: &str = concat!(
    popcount_lua!(),
    remember_lua!(),
    r"
local cap = tonumber(ARGV[1])
local dedup = ARGV[5] == '1'
local k, a = 1, 6
if dedup then
  local hi, lo, limit = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
  local members = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[9], ARGV[10])
  for i = 1, #members do
    local other_hi, other_lo = struct.unpack('>I4I4', members[i])
    if pop(bit.bxor(hi, other_hi)) + pop(bit.bxor(lo, other_lo)) <= limit then
      return -3
    end
  end
  k, a = 2, 15
end
local batch = nil
if cap >= 0 then
  batch = KEYS[k]
  if tonumber(redis.call('GET', batch) or '0') >= cap then
    return -1
  end
  k = k + 1
end
local chosen = -2
if ARGV[3] == '1' then
  chosen = 0
end
for c = 1, tonumber(ARGV[4]) do
  local n = tonumber(ARGV[a])
  local keys = {}
  for w = 1, n do
    keys[w] = KEYS[k + w - 1]
  end
  local values = redis.call('MGET', unpack(keys))
  local counts = {}
  local free = true
  for w = 1, n do
    local used = 0
    if values[w] then
      used = tonumber(values[w])
      if not used then
        return redis.error_reply('framesieve: key ' .. keys[w] .. ' does not hold a count')
      end
    end
    if used >= tonumber(ARGV[a + 2 * w - 1]) then
      free = false
      break
    end
    counts[w] = used
  end
  if free then
    for w = 1, n do
      local ttl = tonumber(ARGV[a + 2 * w])
      if ttl < 0 then
        redis.call('SET', keys[w], string.format('%d', counts[w] + 1), 'EX', -ttl)
      else
        redis.call('INCR', keys[w])
        if not values[w] then
          redis.call('EXPIRE', keys[w], ttl)
        end
      end
    end
    chosen = c
    break
  end
  k = k + n
  a = a + 1 + 2 * n
end
if chosen >= 0 then
  if batch then
    redis.call('INCR', batch)
    redis.call('EXPIRE', batch, ARGV[2])
  end
  if dedup then
    remember(KEYS[1], ARGV[11], ARGV[12], ARGV[9], ARGV[13], ARGV[14])
  end
end
return chosen
"
);

/// KEYS[1]: this give-back's receipt; then windows (and, for a frame given
/// back, its batch counter) to return one credit to, a missing or zero key
/// staying as is; then, when ARGV[2] is given, the recent-hash set to forget
/// the member ARGV[2] from (a frame admitted but never collected). ARGV[1]:
/// how long the receipt lives. A give-back whose receipt exists already ran:
/// run again (its reply lost with the connection, retried on a new one) it
/// would return a credit twice. Returns 1 when it changed something.
pub(crate) const GIVE_BACK_SCRIPT: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
local n = #KEYS
local changed = 0
if ARGV[2] then
  changed = redis.call('ZREM', KEYS[n], ARGV[2])
  n = n - 1
end
for i = 2, n do
  local used = tonumber(redis.call('GET', KEYS[i]) or '0')
  if used > 0 then
    redis.call('DECR', KEYS[i])
    changed = 1
  end
end
if changed > 0 then
  redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
end
return changed
";

/// How long a give-back's receipt lives: far longer than the one retry that
/// could repeat it (milliseconds later).
pub(crate) const RECEIPT_TTL_SECONDS: i64 = 600;

/// KEYS[1]: a counter; ARGV: delta, ttl. Returns the new value.
pub(crate) const COUNTER_ADD_SCRIPT: &str = r"
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return value
";

/// KEYS[1]: a counter; ARGV: limit, ttl. Adds 1 when below the limit; 1 if it did.
pub(crate) const COUNTER_TAKE_SCRIPT: &str = r"
local value = tonumber(redis.call('GET', KEYS[1]) or '0')
if value >= tonumber(ARGV[1]) then
  return 0
end
redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
";

/// Counters live 40 days after their last write: longer than any batch
/// (`monthly` recreation) is filled.
pub(crate) const COUNTER_TTL_SECONDS: i64 = 40 * 86_400;

/// `url` with its password (and a `pass`/`password` query value) replaced by
/// `***`, for messages and reprs.
///
/// Whatever the password holds: an unencoded `@`, `/`, `?` or `#` would end
/// the authority early for a URL parser, so the user info here runs up to the
/// *last* `@` of the whole URL (masking too much is harmless, too little is a
/// leak), and the user name is what precedes its first `:`.
pub fn mask_url(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(at) => url.split_at(at + 3),
        None => ("", url),
    };
    let rest = match rest.rfind('@') {
        Some(at) => {
            let (userinfo, host) = rest.split_at(at);
            match userinfo.find(':') {
                Some(colon) => format!("{}:***{host}", &userinfo[..colon]),
                // A lone user part may be a token: mask it whole.
                None => format!("***{host}"),
            }
        }
        None => rest.to_string(),
    };
    format!("{scheme}{}", mask_query_passwords(&rest))
}

/// Every `pass=` / `password=` value after a `?` or `&`, up to the next `&`
/// or `#`, replaced by `***`.
fn mask_query_passwords(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['?', '&']) {
        let (head, tail) = rest.split_at(at + 1);
        out.push_str(head);
        rest = tail;
        for name in ["password=", "pass="] {
            if rest.starts_with(name) {
                out.push_str(name);
                out.push_str("***");
                let end = rest.find(['&', '#']).unwrap_or(rest.len());
                rest = &rest[end..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

pub(crate) fn limit_key(scope: &str, strategy: &str, kind: WindowKind, id: i64) -> String {
    format!(
        "framesieve:{{{}}}:{strategy}:{}:{id}",
        escape_scope(scope),
        kind.key_name()
    )
}

pub(crate) fn counter_key(scope: &str, name: &str) -> String {
    format!("framesieve:{{{}}}:{name}:count", escape_scope(scope))
}

/// The receipt of give-back `id` (unique to the call) in `scope`'s hash slot.
pub(crate) fn receipt_key(scope: &str, id: &str) -> String {
    format!("framesieve:{{{}}}:give-back:{id}", escape_scope(scope))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_masked() {
        assert_eq!(
            mask_url("redis://user:s3cret@host:6379/0"),
            "redis://user:***@host:6379/0"
        );
        assert_eq!(mask_url("redis://:s3cret@host"), "redis://:***@host");
        assert_eq!(mask_url("redis://token@host/1"), "redis://***@host/1");
        assert_eq!(mask_url("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
        assert_eq!(
            mask_url("redis+unix:///tmp/r.sock?db=1&pass=s3cret"),
            "redis+unix:///tmp/r.sock?db=1&pass=***"
        );
        assert_eq!(mask_url("redis://a:p@ss@host"), "redis://a:***@host");
        assert_eq!(
            mask_url("rediss://a:p@s@s@host:1/2"),
            "rediss://a:***@host:1/2"
        );
        assert_eq!(
            mask_url("redis://alice:p%40ss%3Aw0rd@host/0"),
            "redis://alice:***@host/0"
        );
    }

    #[test]
    fn passwords_with_url_delimiters_are_masked_whole() {
        // Unencoded delimiters in a password, each a secret "x/y?z#w&pass=".
        for url in [
            "redis://u:x/y?z#w@host:6379/0",
            "redis://u:x/y?z#w&pass=q@host",
            "redis://:@@@host",
            "redis+unix:///tmp/r.sock?user=a@b&pass=x/y",
            "redis+unix:///tmp/r.sock?password=x/y#frag",
        ] {
            let shown = mask_url(url);
            assert!(!shown.contains("x/y"), "{url} -> {shown}");
            assert!(shown.contains("***"), "{url} -> {shown}");
        }
        assert_eq!(
            mask_url("redis://u:x/y?z#w@host:6379/0"),
            "redis://u:***@host:6379/0"
        );
    }

    #[test]
    fn keys_are_hash_tagged_by_scope() {
        assert_eq!(
            limit_key("ws/p", "close:1", WindowKind::Hour, 42),
            "framesieve:{ws/p}:close:1:hour:42"
        );
        assert_eq!(
            counter_key("ws/p", "batch_2024"),
            "framesieve:{ws/p}:batch_2024:count"
        );
        assert_eq!(
            limit_key("a}b", "s", WindowKind::Day, -1),
            "framesieve:{a%7Db}:s:day:-1"
        );
    }
}
