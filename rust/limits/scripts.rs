//! What the Redis limiter sends: its Lua scripts, its key names, and the
//! URL as shown in messages (password masked).
//!
//! Keys: `framesieve:{<scope>}:<strategy>:<minute|hour|day>:<window id>` for
//! limits and `framesieve:{<scope>}:<name>:count` for counters. The `{scope}`
//! hash tag puts every key of one decision in one Redis Cluster slot; the
//! scope is escaped so it cannot close the tag early, and the two key shapes
//! end differently (digits vs `count`), so no limit key can equal a counter key.

use super::{escape_scope, WindowKind};

/// KEYS: the windows of every candidate, in order. ARGV[1]: the number of
/// candidates; then for each one its number of windows `n` and `n` pairs
/// (limit, ttl). Returns the 1-based index of the chosen candidate, or 0.
///
/// One MGET per candidate looked at and one `SET ... EX` per window taken
/// (the new count and a fresh expiry in one call): the fewest commands inside
/// the script, which is most of a decision's time in Redis.
pub(crate) const TAKE_SCRIPT: &str = r"
local k, a = 1, 2
for c = 1, tonumber(ARGV[1]) do
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
      redis.call('SET', keys[w], string.format('%d', counts[w] + 1), 'EX', ARGV[a + 2 * w])
    end
    return c
  end
  k = k + n
  a = a + 1 + 2 * n
end
return 0
";

/// KEYS: windows to return one credit to; a missing or zero key stays as is.
pub(crate) const GIVE_BACK_SCRIPT: &str = r"
for i = 1, #KEYS do
  local used = tonumber(redis.call('GET', KEYS[i]) or '0')
  if used > 0 then
    redis.call('DECR', KEYS[i])
  end
end
return 0
";

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

/// KEYS[1]: the recent hashes of a scope (a sorted set: member the hash's 8
/// bytes, big-endian; score the time it was remembered). ARGV: hi, lo,
/// from, max_hamming, to. Returns 1 when a member scored within [from, to] lies
/// within `max_hamming` bits of the hash, else 0. The popcount is the SWAR
/// one on 32-bit halves: LuaBitOp works on 32 bits, and every intermediate sum
/// stays far below 2^51, where Lua's doubles are exact and `bit` normalises.
pub(crate) const NEAR_DUPLICATE_SCRIPT: &str = r"
local function pop(x)
  x = x - bit.band(bit.rshift(x, 1), 0x55555555)
  x = bit.band(x, 0x33333333) + bit.band(bit.rshift(x, 2), 0x33333333)
  x = bit.band(x + bit.rshift(x, 4), 0x0F0F0F0F)
  x = x + bit.rshift(x, 8)
  return bit.band(x + bit.rshift(x, 16), 0x3F)
end
local hi, lo, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[4])
local members = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[3], ARGV[5])
for i = 1, #members do
  local other_hi, other_lo = struct.unpack('>I4I4', members[i])
  if pop(bit.bxor(hi, other_hi)) + pop(bit.bxor(lo, other_lo)) <= limit then
    return 1
  end
end
return 0
";

/// KEYS[1]: the recent hashes of a scope. ARGV: member, now, since,
/// max_entries, ttl. Remembers the member at `now`, drops those older than
/// `since` and the oldest beyond `max_entries`, and refreshes the expiry.
pub(crate) const REMEMBER_HASH_SCRIPT: &str = r"
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
local extra = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4])
if extra > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, extra - 1)
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 0
";

/// The two 32-bit halves of a hash (LuaBitOp works on 32 bits) and its member
/// in the recent-hash set: its 8 bytes, big-endian.
pub(crate) fn hash_member(hash: u64) -> (u32, u32, [u8; 8]) {
    ((hash >> 32) as u32, hash as u32, hash.to_be_bytes())
}

/// Counters live 40 days after their last write: longer than any batch
/// (`monthly` recreation) is filled.
pub(crate) const COUNTER_TTL_SECONDS: i64 = 40 * 86_400;

/// `url` with its password (and a `pass`/`password` query value) replaced by
/// `***`, for messages and reprs.
pub fn mask_url(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(at) => url.split_at(at + 3),
        None => ("", url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rfind('@') {
        Some(at) => {
            let (userinfo, host) = authority.split_at(at);
            match userinfo.find(':') {
                Some(colon) => format!("{}:***{host}", &userinfo[..colon]),
                // A lone user part may be a token: mask it whole.
                None => format!("***{host}"),
            }
        }
        None => authority.to_string(),
    };
    let tail = match tail.find('?') {
        Some(q) => {
            let (path, query) = tail.split_at(q + 1);
            let masked: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key == "pass" || key == "password" => format!("{key}=***"),
                    _ => pair.to_string(),
                })
                .collect();
            format!("{path}{}", masked.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}{authority}{tail}")
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

/// The recent-hash set of near-duplicate suppression: it ends in `hashes`, where
/// limit keys end in digits and counter keys in `count`.
pub(crate) fn hashes_key(scope: &str) -> String {
    format!("framesieve:{{{}}}:dedup:hashes", escape_scope(scope))
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
        assert_eq!(hashes_key("ws/p"), "framesieve:{ws/p}:dedup:hashes");
    }

    #[test]
    fn hash_members_split_into_32_bit_halves() {
        let (hi, lo, member) = hash_member(0xFFFF_FFFF_0000_0001);
        assert_eq!((hi, lo), (u32::MAX, 1));
        assert_eq!(member, [255, 255, 255, 255, 0, 0, 0, 1]);
    }
}
