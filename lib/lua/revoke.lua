-- The sender revokes an unclaimed share.
-- KEYS[1] share hash, KEYS[2] receipt hash
-- ARGV: owner token hash, now, receipt_ttl, and '1' when an operator
--       revokes (no owner token needed)
-- Returns {'ok'} or {'forbidden'} or {'gone', state} or {'unknown'}
local owner = redis.call('HGET', KEYS[2], 'owner')
if not owner then return {'unknown'} end
if ARGV[4] ~= '1' and (owner == '' or owner ~= ARGV[1]) then
  return {'forbidden'}
end
if redis.call('DEL', KEYS[1]) == 0 then
  local state = redis.call('HGET', KEYS[2], 'state')
  if state == 'available' then state = 'expired' end
  return {'gone', state}
end
redis.call('HSET', KEYS[2], 'state', 'revoked', 'ended_at', ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return {'ok'}
