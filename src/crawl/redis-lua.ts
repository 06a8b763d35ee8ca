// The Lua scripts behind RedisFrontier (redis-frontier.ts). Each runs atomically on the Redis
// server, so several crawl processes can share one job without races. KEYS[1] is the job's key
// prefix; the other keys are built from it (standalone Redis, or a Cluster with the prefix's
// hash tag keeping a job's keys on one slot). Times are the Redis server's clock (TIME), so the
// workers' clocks never need to agree.
//
// Keys under the prefix P:
//   P..'seen'            SET   64-bit URL hashes (hex) ever queued: exact de-duplication
//   P..'q:'..host        LIST  "depth url" entries waiting
//   P..'ready'           ZSET  host → next-allowed time, for hosts with URLs and no lease
//   P..'lease'           ZSET  host → lease expiry
//   P..'owner'           HASH  host → worker id holding the lease
//   P..'next'            HASH  host → next-allowed time, written when a lease is returned
//   P..'delay'           HASH  host → gap between requests (ms), carried from lease to lease
//   P..'inflight:'..host HASH  url → depth, taken by the leaseholder and not done yet
//   P..'pending'         STRING URLs queued or in flight, all workers together (0 = job done)
//   P..'claimed'         STRING URLs taken by workers and not requeued (done + in flight): the
//                               job's page count, held under --max-pages across all workers
//   P..'robots:'..host   STRING "STATUS\n" + robots.txt body as one worker fetched it, for the
//                               others (plain SET/GET with an expiry, from redis-frontier.ts)
//   P..'job'             STRING the job's id, set when the job is created. Every script takes the
//                               id its worker joined as ARGV[1] (removed before the script's own
//                               arguments) and fails with FBJOBLOST when it differs: the job's
//                               keys vanished (a non-persistent Redis restarted, a FLUSHALL) or
//                               the job was started over (--restart) under the worker.

/** Prepended to every script: checks (and removes) the job id in ARGV[1]. */
const JOB_CHECK = `if redis.call('GET', KEYS[1] .. 'job') ~= table.remove(ARGV, 1) then return redis.error_reply('FBJOBLOST the job is gone from this Redis') end
`;

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** Requeues a host's in-flight URLs; puts the host back in `ready` when it has URLs. */
const REQUEUE = `local function requeue(P, host, nx)
  local inf = P .. 'inflight:' .. host
  local items = redis.call('HGETALL', inf)
  for i = 1, #items, 2 do redis.call('LPUSH', P .. 'q:' .. host, items[i + 1] .. ' ' .. items[i]) end
  if #items > 0 then redis.call('DECRBY', P .. 'claimed', #items / 2) end
  redis.call('DEL', inf)
  if redis.call('LLEN', P .. 'q:' .. host) > 0 then redis.call('ZADD', P .. 'ready', nx, host) end
end`;

/** Pages the job may still take under its budget (max < 0: no budget). */
const ROOM = `local function room(P, max)
  if max < 0 then return 1e15 end
  return max - tonumber(redis.call('GET', P .. 'claimed') or 0)
end`;

/** Moves up to n of a host's queued URLs (no more than the budget allows) into its in-flight hash. */
const TAKE_BATCH = `${ROOM}
local function take(P, host, n, max, out)
  local q = P .. 'q:' .. host
  local inf = P .. 'inflight:' .. host
  local left = room(P, max)
  if left < n then n = left end
  local got = 0
  for i = 1, n do
    local e = redis.call('LPOP', q)
    if not e then break end
    local sp = string.find(e, ' ', 1, true)
    redis.call('HSET', inf, string.sub(e, sp + 1), string.sub(e, 1, sp - 1))
    out[#out + 1] = e
    got = got + 1
  end
  if got > 0 then redis.call('INCRBY', P .. 'claimed', got) end
end`;

/** ARGV: depth, then (hash, url, host) triples. Returns how many URLs were new. */
export const OFFER_LUA = `${JOB_CHECK}local P = KEYS[1]
local depth = ARGV[1]
local added = 0
for i = 2, #ARGV, 3 do
  if redis.call('SADD', P .. 'seen', ARGV[i]) == 1 then
    local host = ARGV[i + 2]
    redis.call('RPUSH', P .. 'q:' .. host, depth .. ' ' .. ARGV[i + 1])
    added = added + 1
    if not redis.call('ZSCORE', P .. 'lease', host) and not redis.call('ZSCORE', P .. 'ready', host) then
      redis.call('ZADD', P .. 'ready', redis.call('HGET', P .. 'next', host) or 0, host)
    end
  end
end
if added > 0 then redis.call('INCRBY', P .. 'pending', added) end
return added`;

/**
 * Reclaims expired leases, then leases the ready host that waited longest.
 * ARGV: worker, lease ttl (ms), batch, max pages (-1: none). Returns
 *   {'lease', host, ms until it may be fetched, delay (-1 unknown), entries...}
 *   {'wait', ms until the earliest host is ready} | {'empty'} | {'full'} (the page budget is taken).
 */
export const LEASE_LUA = `${JOB_CHECK}${NOW}
${REQUEUE}
${TAKE_BATCH}
local P = KEYS[1]
local expired = redis.call('ZRANGEBYSCORE', P .. 'lease', '-inf', now, 'LIMIT', 0, 64)
for _, host in ipairs(expired) do
  redis.call('ZREM', P .. 'lease', host)
  redis.call('HDEL', P .. 'owner', host)
  requeue(P, host, redis.call('HGET', P .. 'next', host) or 0)
end
local max = tonumber(ARGV[4])
if room(P, max) <= 0 then return {'full'} end
local r = redis.call('ZRANGEBYSCORE', P .. 'ready', '-inf', now, 'LIMIT', 0, 1)
if #r == 0 then
  local first = redis.call('ZRANGE', P .. 'ready', 0, 0, 'WITHSCORES')
  if #first == 0 then return {'empty'} end
  return {'wait', tonumber(first[2]) - now}
end
local host = r[1]
redis.call('ZREM', P .. 'ready', host)
redis.call('ZADD', P .. 'lease', now + tonumber(ARGV[2]), host)
redis.call('HSET', P .. 'owner', host, ARGV[1])
local nx = tonumber(redis.call('HGET', P .. 'next', host) or 0)
local delay = tonumber(redis.call('HGET', P .. 'delay', host) or -1)
local out = {'lease', host, nx - now, delay}
take(P, host, tonumber(ARGV[3]), max, out)
return out`;

/** ARGV: worker, host, batch, max pages (-1: none). Returns {'lost'} or {'ok', entries...}. */
export const TAKE_LUA = `${JOB_CHECK}${TAKE_BATCH}
local P = KEYS[1]
if redis.call('HGET', P .. 'owner', ARGV[2]) ~= ARGV[1] then return {'lost'} end
local out = {'ok'}
take(P, ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), out)
return out`;

/** ARGV: host, url. */
export const DONE_LUA = `${JOB_CHECK}local P = KEYS[1]
if redis.call('HDEL', P .. 'inflight:' .. ARGV[1], ARGV[2]) == 1 then redis.call('DECR', P .. 'pending') end
return 1`;

/** Returns a lease. ARGV: worker, host, ms until next allowed, delay. Requeues what is in flight. */
export const RELEASE_LUA = `${JOB_CHECK}${NOW}
${REQUEUE}
local P = KEYS[1]
local host = ARGV[2]
if redis.call('HGET', P .. 'owner', host) ~= ARGV[1] then return 0 end
redis.call('ZREM', P .. 'lease', host)
redis.call('HDEL', P .. 'owner', host)
local nx = now + tonumber(ARGV[3])
redis.call('HSET', P .. 'next', host, nx)
redis.call('HSET', P .. 'delay', host, ARGV[4])
requeue(P, host, nx)
return 1`;

/** Extends this worker's leases. ARGV: worker, ttl, hosts... Returns the hosts no longer ours. */
export const RENEW_LUA = `${JOB_CHECK}${NOW}
local P = KEYS[1]
local lost = {}
for i = 3, #ARGV do
  if redis.call('HGET', P .. 'owner', ARGV[i]) == ARGV[1] then
    redis.call('ZADD', P .. 'lease', 'XX', now + tonumber(ARGV[2]), ARGV[i])
  else
    lost[#lost + 1] = ARGV[i]
  end
end
return lost`;
