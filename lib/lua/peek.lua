-- Reads a share without changing anything.
-- KEYS[1] share hash, KEYS[2] receipt hash
-- Returns {'available', size, created, expires, meta, salt, kdf, check,
--          attempts, e2e, lcheck}   (salt, kdf, check are '' when
--          unprotected; e2e is '1' for an end-to-end share, which has
--          an lcheck, else '' and '')
--      or {'gone', state, size, created, expires, claimed_at, e2e}
--      or {'unknown'}
local s = redis.call('HMGET', KEYS[1], 'size', 'created', 'expires', 'meta',
  'salt', 'kdf', 'check', 'attempts', 'e2e', 'lcheck')
if s[1] then
  return {'available', s[1], s[2], s[3], s[4], s[5] or '', s[6] or '',
    s[7] or '', s[8] or '0', s[9] or '', s[10] or ''}
end
local r = redis.call('HMGET', KEYS[2], 'state', 'size', 'created',
  'expires', 'claimed_at', 'e2e')
if r[1] then
  local state = r[1]
  -- The share hash expired on its own: the receipt still says available.
  if state == 'available' then state = 'expired' end
  return {'gone', state, r[2] or '0', r[3] or '0', r[4] or '0', r[5] or '0',
    r[6] or ''}
end
return {'unknown'}
