-- Counts one wrong password.  At the limit the share is destroyed (its
-- file is removed by the caller) and its receipt says 'locked'.
-- KEYS[1] share hash, KEYS[2] receipt hash
-- ARGV: limit, now, receipt_ttl
-- Returns {'left', n} or {'locked'} or {'gone', state} or {'unknown'}
if redis.call('EXISTS', KEYS[1]) == 0 then
  local state = redis.call('HGET', KEYS[2], 'state')
  if not state then return {'unknown'} end
  if state == 'available' then state = 'expired' end
  return {'gone', state}
end
local n = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
local limit = tonumber(ARGV[1])
if n >= limit then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'state', 'locked', 'ended_at', ARGV[2])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
  return {'locked'}
end
return {'left', tostring(limit - n)}
