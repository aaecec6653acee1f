-- The download lease of a claimed end-to-end share (docs/E2E.md).
-- KEYS[1] receipt hash
-- ARGV[1] op, ARGV[2] now, ARGV[3] lease token hash (check, end)
--   check: -> {'ok', lease_until} | {'forbidden'} | {'ended'}
--   end:   the receiver confirms -> {'ok'} | {'forbidden'} | {'ended'}
--   lapse: the sweeper's -> {'ended'} (its file may go) | {'running'}
-- Every op answers {'unknown'} when there is no receipt.
local r = redis.call('HMGET', KEYS[1], 'state', 'lease_hash', 'lease_until',
  'lease_ended_at')
if not r[1] then return {'unknown'} end
local op, now = ARGV[1], tonumber(ARGV[2])
local running = r[1] == 'claimed' and r[2] and not r[4] and
  tonumber(r[3]) > now
if op == 'lapse' then
  if running then return {'running'} end
  if r[2] and not r[4] then
    redis.call('HSET', KEYS[1], 'lease_ended_at', r[3])
    redis.call('HDEL', KEYS[1], 'lease_hash')
  end
  return {'ended'}
end
if not running then return {'ended'} end
if r[2] ~= ARGV[3] then return {'forbidden'} end
if op == 'check' then return {'ok', r[3]} end
redis.call('HSET', KEYS[1], 'lease_ended_at', ARGV[2])
redis.call('HDEL', KEYS[1], 'lease_hash')
return {'ok'}
