-- Registers a new share and its receipt in one step.
-- KEYS[1] share hash, KEYS[2] receipt hash (same {id} hash tag)
-- ARGV: ttl, receipt_ttl, size, created, expires, meta, owner,
--       salt, kdf, check (the last three '' for an unprotected share),
--       lcheck ('' but for an end-to-end share, docs/E2E.md)
-- Returns 1, or 0 if the id is taken (never in practice: 128 random bits).
if redis.call('EXISTS', KEYS[1], KEYS[2]) ~= 0 then
  return 0
end
redis.call('HSET', KEYS[1], 'size', ARGV[3], 'created', ARGV[4],
  'expires', ARGV[5], 'meta', ARGV[6], 'attempts', 0)
if ARGV[8] ~= '' then
  redis.call('HSET', KEYS[1], 'salt', ARGV[8], 'kdf', ARGV[9],
    'check', ARGV[10])
end
if ARGV[11] ~= '' then
  redis.call('HSET', KEYS[1], 'e2e', 1, 'lcheck', ARGV[11])
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], 'state', 'available', 'size', ARGV[3],
  'created', ARGV[4], 'expires', ARGV[5], 'owner', ARGV[7])
if ARGV[11] ~= '' then
  redis.call('HSET', KEYS[2], 'e2e', 1)
end
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 1
