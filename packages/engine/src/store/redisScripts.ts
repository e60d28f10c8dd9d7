/*
 * The Lua scripts of RedisStore (docs/storage.md). Each runs atomically in Redis, so a quota is
 * checked and charged in one step however many engines share the Redis. Every script takes the key
 * prefix as ARGV[1] and builds its key names from it: the store needs one Redis (a primary, with
 * replicas or not), not Redis Cluster, where a script may only touch the keys it is given.
 *
 * Keys, after the prefix:
 *   n:<nid>      hash of one notification: i identity, s sender, x expiresAt, b bytes, t 1 if binary, f frame
 *   nq:<id>      zset: an identity's notifications, scored by arrival (seq), so oldest first
 *   ni:<id>      bytes an identity has waiting (its count is ZCARD nq:<id>)
 *   ns:<sender>  hash c/b: what one sender has waiting
 *   nt           hash c/b: what is waiting in all
 *   nx           zset: every notification scored by expiresAt (sweeps, and the expiry a put does first)
 *   routes       hash nid -> reply route JSON; ro zset by arrival (the bound), rx zset by expiry
 *   keys         hash hex(digest) -> {domain, created} JSON
 *   inbox        stream of bridge events, field e = JSON
 *   wh           hash id -> {body, attempt, nextAt} JSON; wo zset by arrival, wdue zset by nextAt
 *   seq          counter for the arrival scores
 */

/** Helpers every notification script starts with. */
const NOTIFY_LIB = `
local p = ARGV[1]
local function drop(nid)
  local key = p .. 'n:' .. nid
  local f = redis.call('HMGET', key, 'i', 's', 'b')
  if not f[1] then redis.call('ZREM', p .. 'nx', nid) return 0 end
  local b = tonumber(f[3])
  redis.call('DEL', key)
  redis.call('ZREM', p .. 'nx', nid)
  redis.call('ZREM', p .. 'nq:' .. f[1], nid)
  if redis.call('DECRBY', p .. 'ni:' .. f[1], b) <= 0 then redis.call('DEL', p .. 'ni:' .. f[1]) end
  local sk = p .. 'ns:' .. f[2]
  redis.call('HINCRBY', sk, 'b', -b)
  if redis.call('HINCRBY', sk, 'c', -1) <= 0 then redis.call('DEL', sk) end
  redis.call('HINCRBY', p .. 'nt', 'c', -1)
  redis.call('HINCRBY', p .. 'nt', 'b', -b)
  return 1
end
local function expire(now, limit)
  local due = redis.call('ZRANGEBYSCORE', p .. 'nx', '-inf', now, 'LIMIT', 0, limit)
  for _, nid in ipairs(due) do drop(nid) end
  return #due
end
local function totals()
  local t = redis.call('HMGET', p .. 'nt', 'c', 'b')
  return tonumber(t[1] or 0), tonumber(t[2] or 0)
end
local function putRoute(nid, json, expiresAt, max)
  if redis.call('HSET', p .. 'routes', nid, json) == 1 then
    redis.call('ZADD', p .. 'ro', redis.call('INCR', p .. 'seq'), nid)
  end
  redis.call('ZADD', p .. 'rx', expiresAt, nid)
  if redis.call('ZCARD', p .. 'ro') > max then
    local oldest = redis.call('ZPOPMIN', p .. 'ro')
    redis.call('HDEL', p .. 'routes', oldest[1])
    redis.call('ZREM', p .. 'rx', oldest[1])
  end
end
`;

/** How many expired notifications a put drops first (the rest wait for the sweep). */
export const EXPIRE_ON_PUT = 1000;

/**
 * ARGV: prefix, nid, identity, sender, expiresAt, binary (0/1), frame, bytes, now, the six quotas
 * (perIdentity, perSender, total, bytesPerIdentity, bytesPerSender, bytesTotal), route JSON,
 * route expiry, max routes. Returns { refusal or '', total count, total bytes }.
 */
export const PUT_NOTIFICATION = `${NOTIFY_LIB}
local nid, identity, sender = ARGV[2], ARGV[3], ARGV[4]
local expiresAt, bytes, now = tonumber(ARGV[5]), tonumber(ARGV[8]), tonumber(ARGV[9])
local qi, qs, qt = tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12])
local qib, qsb, qtb = tonumber(ARGV[13]), tonumber(ARGV[14]), tonumber(ARGV[15])
if bytes > math.min(qib, qsb, qtb) then
  local c, b = totals()
  return { 'oversized', c, b }
end
expire(now, ${EXPIRE_ON_PUT})
local ic = redis.call('ZCARD', p .. 'nq:' .. identity)
local ib = tonumber(redis.call('GET', p .. 'ni:' .. identity) or 0)
local s = redis.call('HMGET', p .. 'ns:' .. sender, 'c', 'b')
local sc, sb = tonumber(s[1] or 0), tonumber(s[2] or 0)
local tc, tb = totals()
local full = ''
if ic >= qi then full = 'identity'
elseif sc >= qs then full = 'sender'
elseif tc >= qt then full = 'total'
elseif ib + bytes > qib then full = 'identity-bytes'
elseif sb + bytes > qsb then full = 'sender-bytes'
elseif tb + bytes > qtb then full = 'total-bytes'
end
if full ~= '' then return { full, tc, tb } end
redis.call('HSET', p .. 'n:' .. nid, 'i', identity, 's', sender, 'x', ARGV[5], 'b', bytes, 't', ARGV[6], 'f', ARGV[7])
redis.call('ZADD', p .. 'nq:' .. identity, redis.call('INCR', p .. 'seq'), nid)
redis.call('INCRBY', p .. 'ni:' .. identity, bytes)
redis.call('HINCRBY', p .. 'ns:' .. sender, 'c', 1)
redis.call('HINCRBY', p .. 'ns:' .. sender, 'b', bytes)
redis.call('HINCRBY', p .. 'nt', 'c', 1)
redis.call('HINCRBY', p .. 'nt', 'b', bytes)
redis.call('ZADD', p .. 'nx', expiresAt, nid)
putRoute(nid, ARGV[16], tonumber(ARGV[17]), tonumber(ARGV[18]))
return { '', tc + 1, tb + bytes }
`;

/**
 * ARGV: prefix, identity, now. Drops the identity's expired notifications and returns
 * { total count, total bytes, then per live one, oldest first: nid, sender, expiresAt, binary, frame }.
 */
export const WAITING = `${NOTIFY_LIB}
local now = tonumber(ARGV[3])
local out = { 0, 0 }
for _, nid in ipairs(redis.call('ZRANGE', p .. 'nq:' .. ARGV[2], 0, -1)) do
  local f = redis.call('HMGET', p .. 'n:' .. nid, 's', 'x', 't', 'f')
  if not f[1] or tonumber(f[2]) <= now then
    drop(nid)
  else
    table.insert(out, nid)
    table.insert(out, f[1])
    table.insert(out, f[2])
    table.insert(out, f[3])
    table.insert(out, f[4])
  end
end
out[1], out[2] = totals()
return out
`;

/** ARGV: prefix, identity, nid. Returns { 1 if it was there, total count, total bytes }. */
export const ACK = `${NOTIFY_LIB}
local found = 0
if redis.call('HGET', p .. 'n:' .. ARGV[3], 'i') == ARGV[2] then found = drop(ARGV[3]) end
local c, b = totals()
return { found, c, b }
`;

/**
 * ARGV: prefix, now, limit. Drops up to `limit` expired notifications and as many expired routes;
 * returns { notifications dropped, routes dropped, total count, total bytes }.
 */
export const SWEEP = `${NOTIFY_LIB}
local now, limit = tonumber(ARGV[2]), tonumber(ARGV[3])
local n = expire(now, limit)
local due = redis.call('ZRANGEBYSCORE', p .. 'rx', '-inf', now, 'LIMIT', 0, limit)
for _, nid in ipairs(due) do
  redis.call('HDEL', p .. 'routes', nid)
  redis.call('ZREM', p .. 'ro', nid)
  redis.call('ZREM', p .. 'rx', nid)
end
local c, b = totals()
return { n, #due, c, b }
`;

/** ARGV: prefix, nid, route JSON, expiry, max routes. */
export const PUT_ROUTE = `${NOTIFY_LIB}
putRoute(ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]))
return 1
`;

/** ARGV: prefix, hex digest, record JSON, max. Returns 1 when kept, 0 when `max` keys exist. */
export const ADD_KEY = `
local key = ARGV[1] .. 'keys'
if redis.call('HLEN', key) >= tonumber(ARGV[4]) then return 0 end
redis.call('HSET', key, ARGV[2], ARGV[3])
return 1
`;

/** ARGV: prefix, event JSON, max. Appends, trims to `max` exactly; returns how many were dropped. */
export const PUSH_INBOX = `
local key = ARGV[1] .. 'inbox'
local max = tonumber(ARGV[3])
redis.call('XADD', key, '*', 'e', ARGV[2])
local n = redis.call('XLEN', key)
if n <= max then return 0 end
redis.call('XTRIM', key, 'MAXLEN', max)
return n - max
`;

/** ARGV: prefix. Every event JSON, oldest first, and the stream is gone: one engine gets each. */
export const DRAIN_INBOX = `
local key = ARGV[1] .. 'inbox'
local out = {}
for _, entry in ipairs(redis.call('XRANGE', key, '-', '+')) do table.insert(out, entry[2][2]) end
redis.call('DEL', key)
return out
`;

/**
 * ARGV: prefix, acked event id ('' for none), limit. Trims the stream up to and including the
 * entry of the acked event (found by the id inside its JSON; nothing when it is not queued), then
 * returns the oldest `limit` event JSONs, which stay.
 */
export const READ_INBOX = `
local key = ARGV[1] .. 'inbox'
if ARGV[2] ~= '' then
  local found = false
  for _, entry in ipairs(redis.call('XRANGE', key, '-', '+')) do
    if found then
      redis.call('XTRIM', key, 'MINID', entry[1])
      found = 'trimmed'
      break
    end
    local ok, event = pcall(cjson.decode, entry[2][2])
    if ok and type(event) == 'table' and event.id == ARGV[2] then found = true end
  end
  if found == true then redis.call('DEL', key) end
end
local out = {}
for _, entry in ipairs(redis.call('XRANGE', key, '-', '+', 'COUNT', tonumber(ARGV[3]))) do table.insert(out, entry[2][2]) end
return out
`;

/** ARGV: prefix, id, job JSON, nextAt, max. Returns 1 when queued, 0 when `max` wait already. */
export const ENQUEUE_WEBHOOK = `
local p = ARGV[1]
if redis.call('HLEN', p .. 'wh') >= tonumber(ARGV[5]) then return 0 end
if redis.call('HSET', p .. 'wh', ARGV[2], ARGV[3]) == 1 then
  redis.call('ZADD', p .. 'wo', redis.call('INCR', p .. 'seq'), ARGV[2])
end
redis.call('ZADD', p .. 'wdue', tonumber(ARGV[4]), ARGV[2])
return 1
`;

/** ARGV: prefix, id, job JSON, nextAt. Only a job still queued is rescheduled. */
export const RESCHEDULE_WEBHOOK = `
local p = ARGV[1]
if redis.call('HEXISTS', p .. 'wh', ARGV[2]) == 0 then return 0 end
redis.call('HSET', p .. 'wh', ARGV[2], ARGV[3])
redis.call('ZADD', p .. 'wdue', tonumber(ARGV[4]), ARGV[2])
return 1
`;

/** ARGV: prefix, id. */
export const REMOVE_WEBHOOK = `
local p = ARGV[1]
redis.call('HDEL', p .. 'wh', ARGV[2])
redis.call('ZREM', p .. 'wo', ARGV[2])
redis.call('ZREM', p .. 'wdue', ARGV[2])
return 1
`;

/** ARGV: prefix. { id, job JSON } pairs in the order they were queued. */
export const PENDING_WEBHOOKS = `
local p = ARGV[1]
local out = {}
for _, id in ipairs(redis.call('ZRANGE', p .. 'wo', 0, -1)) do
  local job = redis.call('HGET', p .. 'wh', id)
  if job then table.insert(out, id) table.insert(out, job) end
end
return out
`;
