-- Sliding-window rate limit: one sorted set per client and route class,
-- scored by Redis' own clock in milliseconds (one clock for all hosts).
-- KEYS[1] the window's key
-- ARGV: window_ms, limit, member (unique per request; '' only looks,
--       counting nothing)
-- Returns {1, remaining} or {0, retry_after_ms}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local retry = tonumber(oldest[2]) + window - now
  if retry < 1 then retry = 1 end
  return {0, retry}
end
if ARGV[3] == '' then return {1, limit - count} end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return {1, limit - count - 1}
