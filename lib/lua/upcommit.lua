-- Commits an end-to-end upload: its file is in place (files/ID), and the
-- share is registered from the upload's record, which goes.
-- KEYS[1] share hash, KEYS[2] receipt hash, KEYS[3] upload hash,
-- KEYS[4] its part lease
-- ARGV: token hash, receipt ttl (past the expiry), created, meta,
--       owner hash, lcheck, salt, kdf, check (the last three '' when the
--       share has no password)
-- Returns {'ok', size, expires} | {'unknown'} | {'forbidden'} |
--         {'incomplete', offset} | {'busy'} | {'taken'}
local u = redis.call('HMGET', KEYS[3], 'tok', 'offset', 'clen', 'size',
  'secs')
if not u[1] then return {'unknown'} end
if u[1] ~= ARGV[1] then return {'forbidden'} end
if u[2] ~= u[3] then return {'incomplete', u[2]} end
if redis.call('EXISTS', KEYS[4]) ~= 0 then return {'busy'} end
if redis.call('EXISTS', KEYS[1], KEYS[2]) ~= 0 then return {'taken'} end
local created = tonumber(ARGV[3])
local secs = tonumber(u[5])
local expires = created + secs
redis.call('HSET', KEYS[1], 'size', u[4], 'created', ARGV[3],
  'expires', expires, 'meta', ARGV[4], 'attempts', 0, 'e2e', 1,
  'lcheck', ARGV[6])
if ARGV[7] ~= '' then
  redis.call('HSET', KEYS[1], 'salt', ARGV[7], 'kdf', ARGV[8],
    'check', ARGV[9])
end
redis.call('EXPIRE', KEYS[1], secs)
redis.call('HSET', KEYS[2], 'state', 'available', 'size', u[4],
  'created', ARGV[3], 'expires', expires, 'owner', ARGV[5], 'e2e', 1)
redis.call('EXPIRE', KEYS[2], secs + tonumber(ARGV[2]))
redis.call('DEL', KEYS[3])
return {'ok', u[4], tostring(expires)}
