/**
 * The Lua scripts of the Redis bus. Each runs atomically in Redis, which is what makes a
 * topic's sequence numbers one order for the whole cluster and a presence count exact.
 * Times come from Redis (`TIME`), so instances with skewed clocks still agree.
 */

/** Redis time in ms (scripts only). */
const NOW = "local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)";

/**
 * Publish. KEYS: topic meta hash (epoch `e`, seq `s`), topic stream.
 * ARGV: epoch if new, payload, origin instance, history length, ttl ms, channel, topic.
 * A topic whose meta is gone (expired, or Redis restarted empty) starts a new epoch.
 */
export const PUBLISH = `
local epoch = redis.call('HGET', KEYS[1], 'e')
if not epoch then
  epoch = ARGV[1]
  redis.call('HSET', KEYS[1], 'e', epoch, 's', 0)
  redis.call('DEL', KEYS[2])
end
local seq = redis.call('HINCRBY', KEYS[1], 's', 1)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], seq .. '-0', 'p', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
redis.call('PUBLISH', ARGV[6], cjson.encode({ARGV[7], epoch, seq, ARGV[3], ARGV[2]}))
return seq`;

/**
 * Publish a batch (ctx.batch) in one message. KEYS: meta hash and stream of each event's topic,
 * in pairs (a topic twice for two of its events). ARGV: history length, ttl ms, channel, origin,
 * then per event: epoch if new, topic, payload. Each event is numbered as PUBLISH numbers it;
 * the channel carries one message: the list of what PUBLISH would have sent for each.
 */
export const PUBLISH_BATCH = `
local sent = {}
for i = 1, #KEYS / 2 do
  local meta, stream, at = KEYS[2 * i - 1], KEYS[2 * i], 4 + (i - 1) * 3
  local epoch = redis.call('HGET', meta, 'e')
  if not epoch then
    epoch = ARGV[at + 1]
    redis.call('HSET', meta, 'e', epoch, 's', 0)
    redis.call('DEL', stream)
  end
  local seq = redis.call('HINCRBY', meta, 's', 1)
  redis.call('XADD', stream, 'MAXLEN', '~', ARGV[1], seq .. '-0', 'p', ARGV[at + 3])
  redis.call('PEXPIRE', meta, ARGV[2])
  redis.call('PEXPIRE', stream, ARGV[2])
  sent[i] = {ARGV[at + 2], epoch, seq, ARGV[4], ARGV[at + 3]}
end
redis.call('PUBLISH', ARGV[3], cjson.encode(sent))
return #sent`;

/**
 * Restart a topic on a new epoch (an instance published on it while Redis was away, so some
 * instances missed events). KEYS: meta, stream. ARGV: new epoch, ttl ms, channel, topic, origin.
 * Every instance hears it as an event with seq 0 and tells its subscribers to re-run init.
 */
export const RESTART = `
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[1], 'e', ARGV[1], 's', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PUBLISH', ARGV[3], cjson.encode({ARGV[4], ARGV[1], 0, ARGV[5], ''}))
return 1`;

/**
 * Read a topic's position and optionally its events after a seq. KEYS: meta, stream.
 * ARGV: epoch if new, ttl ms, after ('' for none), up to ('' for the current seq).
 * Returns {epoch, seq, events}.
 */
export const READ = `
local epoch = redis.call('HGET', KEYS[1], 'e')
if not epoch then
  epoch = ARGV[1]
  redis.call('HSET', KEYS[1], 'e', epoch, 's', 0)
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  redis.call('DEL', KEYS[2])
end
local seq = tonumber(redis.call('HGET', KEYS[1], 's'))
local events = {}
if ARGV[3] ~= '' then
  local upto = seq
  if ARGV[4] ~= '' then upto = math.min(seq, tonumber(ARGV[4])) end
  local after = tonumber(ARGV[3])
  if upto > after then events = redis.call('XRANGE', KEYS[2], (after + 1) .. '-0', upto .. '-0') end
end
return {epoch, seq, events}`;

/**
 * Presence join. KEYS: members hash (key -> data), counts hash (key -> instances holding it),
 * this instance's holdings hash (topic NUL key -> owner NUL args).
 * ARGV: topic NUL key, key, data, holding. Returns 1 when no instance held the key before.
 */
export const PRESENCE_JOIN = `
if redis.call('HSETNX', KEYS[3], ARGV[1], ARGV[4]) == 0 then return 0 end
local n = redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
if n == 1 then
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
  return 1
end
return 0`;

/**
 * Presence leave. KEYS as for join. ARGV: topic NUL key, key.
 * Returns the member's data when no instance holds the key any more.
 */
export const PRESENCE_LEAVE = `
if redis.call('HDEL', KEYS[3], ARGV[1]) == 0 then return false end
local n = redis.call('HINCRBY', KEYS[2], ARGV[2], -1)
if n > 0 then return false end
redis.call('HDEL', KEYS[2], ARGV[2])
local data = redis.call('HGET', KEYS[1], ARGV[2])
redis.call('HDEL', KEYS[1], ARGV[2])
return data or false`;

/**
 * Heartbeat. KEYS: instances sorted set (score = when the instance expires).
 * ARGV: instance, expire ms. Returns 1 when the instance was not listed (new, or reaped).
 */
export const HEARTBEAT = `
${NOW}
return redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])`;

/** Instances whose heartbeat expired. KEYS: instances sorted set. */
export const EXPIRED = `
${NOW}
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)`;

/**
 * Removes an expired instance's presence and cursors, once (the caller that removes it from the
 * set does it). KEYS: instances set, its presence holdings hash, its cursor holdings hash.
 * ARGV: instance, key prefix. Returns {members, cursors}: flat lists {topic, key, data, holding,
 * ...} of members who left the cluster, and {topic, key, data, ...} of cursors removed.
 */
export const REAP = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return {{}, {}} end
local cursors = {}
local shown = redis.call('HKEYS', KEYS[3])
redis.call('DEL', KEYS[3])
for _, field in ipairs(shown) do
  local cut = string.find(field, '\\0', 1, true)
  local topic = string.sub(field, 1, cut - 1)
  local key = string.sub(field, cut + 1)
  local hash = ARGV[2] .. 'c:' .. topic
  local data = redis.call('HGET', hash, key)
  if data then
    redis.call('HDEL', hash, key)
    table.insert(cursors, topic)
    table.insert(cursors, key)
    table.insert(cursors, data)
  end
end
local held = redis.call('HGETALL', KEYS[2])
redis.call('DEL', KEYS[2])
local gone = {}
for i = 1, #held, 2 do
  local field = held[i]
  local cut = string.find(field, '\\0', 1, true)
  local topic = string.sub(field, 1, cut - 1)
  local key = string.sub(field, cut + 1)
  local counts = ARGV[2] .. 'pc:' .. topic
  local members = ARGV[2] .. 'pm:' .. topic
  local n = redis.call('HINCRBY', counts, key, -1)
  if n <= 0 then
    redis.call('HDEL', counts, key)
    local data = redis.call('HGET', members, key)
    redis.call('HDEL', members, key)
    if data then
      table.insert(gone, topic)
      table.insert(gone, key)
      table.insert(gone, data)
      table.insert(gone, held[i + 1])
    end
  end
end
return {gone, cursors}`;

/**
 * Shows the cursors of one frame. KEYS: the topic's cursors hash (key -> entry), this instance's
 * cursor holdings hash. ARGV: ttl ms, then for each cursor: key, entry, topic NUL key.
 */
export const CURSOR_SET = `
for i = 2, #ARGV, 3 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  redis.call('HSET', KEYS[2], ARGV[i + 2], 1)
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;

/** Removes a cursor. KEYS and ARGV as for CURSOR_SET (without data and ttl). */
export const CURSOR_REMOVE = `
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[2])
return 1`;

/**
 * Sliding-window rate limit. KEYS: the key's sorted set of call times.
 * ARGV: points, window ms, a unique id for this call. Returns 0, or the ms until a call fits.
 */
export const RATE = `
${NOW}
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + window - now)
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return 0`;

/** Releases a lease only if this instance holds it. KEYS: lease. ARGV: instance. */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
