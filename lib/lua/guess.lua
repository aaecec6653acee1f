-- Password guesses on one share.  Each guess is reserved before its
-- Argon2id runs and settled after, so that never more guesses are in
-- flight than attempts are left, and exactly one wrong guess, the last
-- one allowed, destroys the share.  A reservation lapses by itself (a
-- worker that died mid-guess counts nothing).
-- KEYS[1] share hash, KEYS[2] receipt hash, KEYS[3] guesses in flight (a
--   sorted set: token -> when its reservation lapses, Redis' clock, ms)
-- ARGV[1] 'begin', 'right' or 'wrong'; ARGV[2] the guess's token
-- begin: ARGV[3] limit, ARGV[4] lease_ms
--   -> {'ok'} | {'wait'} (every attempt left is being tried) |
--      {'gone', state} | {'unknown'}
-- right: -> {'ok'}
-- wrong: ARGV[3] limit, ARGV[4] now, ARGV[5] receipt_ttl
--   -> {'left', n} | {'locked'} (this guess destroyed the share) |
--      {'gone', state} | {'unknown'}
local function ended()
  local state = redis.call('HGET', KEYS[2], 'state')
  if not state then return {'unknown'} end
  if state == 'available' then state = 'expired' end
  return {'gone', state}
end

local op = ARGV[1]
if op == 'right' then
  redis.call('ZREM', KEYS[3], ARGV[2])
  return {'ok'}
end
if op == 'begin' then
  if redis.call('EXISTS', KEYS[1]) == 0 then return ended() end
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  local used = tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0')
  if used + redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[3]) then
    return {'wait'}
  end
  local lease = tonumber(ARGV[4])
  redis.call('ZADD', KEYS[3], now + lease, ARGV[2])
  -- The newest reservation lapses last: the set may go with it.
  redis.call('PEXPIRE', KEYS[3], lease)
  return {'ok'}
end
-- wrong
redis.call('ZREM', KEYS[3], ARGV[2])
if redis.call('EXISTS', KEYS[1]) == 0 then return ended() end
local n = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
local limit = tonumber(ARGV[3])
if n >= limit then
  redis.call('DEL', KEYS[1], KEYS[3])
  redis.call('HSET', KEYS[2], 'state', 'locked', 'ended_at', ARGV[4])
  redis.call('EXPIRE', KEYS[2], ARGV[5])
  return {'locked'}
end
return {'left', tostring(limit - n)}
