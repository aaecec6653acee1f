-- One part of an end-to-end upload, and the upload's other steps.  One
-- part at a time: a part holds the upload's lease from begin to end, and
-- the offset moves only at end, once the whole part is on disk.
-- KEYS[1] upload hash, KEYS[2] its part lease
-- ARGV[1] op, ARGV[2] token hash, then per op:
--   begin: ARGV[3] offset, ARGV[4] length, ARGV[5] lease token,
--          ARGV[6] lease ms, ARGV[7] idle ttl, ARGV[8] now, ARGV[9] max age
--     -> {'ok', container size} | {'offset', stored offset} | {'busy'} |
--        {'toobig', container size}
--   end: ARGV[3] new offset, ARGV[4] lease token, ARGV[5] idle ttl,
--        ARGV[6] now, ARGV[7] max age
--     -> {'ok', offset} | {'lost'} (the lease lapsed meanwhile)
--   head: -> {'ok', offset, container size}
--   abort: -> {'ok'}
-- Every op answers {'unknown'} for no such upload and {'forbidden'} for
-- another token.
local u = redis.call('HMGET', KEYS[1], 'tok', 'offset', 'clen', 'created')
if not u[1] then return {'unknown'} end
if u[1] ~= ARGV[2] then return {'forbidden'} end
local op = ARGV[1]
local offset, clen = tonumber(u[2]), tonumber(u[3])

-- The idle ttl, never past the upload's greatest age.
local function touch(idle, now, max_age)
  local left = tonumber(u[4]) + tonumber(max_age) - tonumber(now)
  if left < 1 then left = 1 end
  if tonumber(idle) < left then left = tonumber(idle) end
  redis.call('EXPIRE', KEYS[1], left)
end

if op == 'head' then
  return {'ok', u[2], u[3]}
end
if op == 'abort' then
  redis.call('DEL', KEYS[1], KEYS[2])
  return {'ok'}
end
if op == 'begin' then
  local at, len = tonumber(ARGV[3]), tonumber(ARGV[4])
  if at ~= offset then return {'offset', u[2]} end
  if at + len > clen then return {'toobig', u[3]} end
  if not redis.call('SET', KEYS[2], ARGV[5], 'NX', 'PX', ARGV[6]) then
    return {'busy'}
  end
  touch(ARGV[7], ARGV[8], ARGV[9])
  return {'ok', u[3]}
end
-- end
if redis.call('GET', KEYS[2]) ~= ARGV[4] then return {'lost'} end
redis.call('HSET', KEYS[1], 'offset', ARGV[3])
redis.call('DEL', KEYS[2])
touch(ARGV[5], ARGV[6], ARGV[7])
return {'ok', ARGV[3]}
