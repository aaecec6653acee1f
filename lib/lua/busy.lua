-- Heavy requests in flight per client (transfers, password checks),
-- across every process and host: a sorted set of request tokens, each
-- scored by when its lease lapses (Redis' own clock, ms), so that a
-- worker that died holding one frees it by itself.  Lives in the limits
-- Redis, which keeps nothing on disk.
-- KEYS[1] the client's set
-- ARGV[1] 'take', 'renew' or 'give'; ARGV[2] token; ARGV[3] lease_ms;
-- take: ARGV[4] cap
-- Returns 1, or 0 when take finds the client at its cap.
local op = ARGV[1]
if op == 'give' then
  redis.call('ZREM', KEYS[1], ARGV[2])
  return 1
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[3])
if op == 'take' then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
end
redis.call('ZADD', KEYS[1], now + lease, ARGV[2])
-- The set lives as long as its latest lease.
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], tonumber(last[2]))
return 1
