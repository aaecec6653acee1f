-- Reads a share's receipt for its owner.
-- KEYS[1] share hash, KEYS[2] receipt hash
-- Returns {state, size, created, expires, claimed_at, ended_at, owner,
--          e2e, lease_until, lease_ended_at}   ('0' for the times not
--          set, e2e '1' or '')
--      or {'unknown'}
local r = redis.call('HMGET', KEYS[2], 'state', 'size', 'created',
  'expires', 'claimed_at', 'ended_at', 'owner', 'e2e', 'lease_until',
  'lease_ended_at')
if not r[1] then return {'unknown'} end
local state = r[1]
if state == 'available' and redis.call('EXISTS', KEYS[1]) == 0 then
  state = 'expired'
end
return {state, r[2] or '0', r[3] or '0', r[4] or '0', r[5] or '0',
  r[6] or '0', r[7] or '', r[8] or '', r[9] or '0', r[10] or '0'}
