-- Starts an end-to-end upload in parts (docs/E2E.md).  The id may have
-- been drawn by the client: it must not name a share, a receipt or
-- another upload.
-- KEYS[1] share hash, KEYS[2] receipt hash, KEYS[3] upload hash
-- ARGV: token hash, size, container size, expiry seconds, created,
--       idle ttl (seconds)
-- Returns {'ok'}, or {'taken'} when the id is taken.
if redis.call('EXISTS', KEYS[1], KEYS[2], KEYS[3]) ~= 0 then
  return {'taken'}
end
redis.call('HSET', KEYS[3], 'tok', ARGV[1], 'size', ARGV[2],
  'clen', ARGV[3], 'secs', ARGV[4], 'created', ARGV[5], 'offset', 0)
redis.call('EXPIRE', KEYS[3], ARGV[6])
return {'ok'}
