-- The one-time claim.  Of any number of concurrent calls for one share,
-- across all processes and hosts, exactly one finds the share hash and
-- deletes it; the others find only the receipt.
-- KEYS[1] share hash, KEYS[2] receipt hash
-- ARGV: now, receipt_ttl, lease seconds (0: none), lease token hash
-- With a lease (end-to-end shares, docs/E2E.md) the winner may fetch the
-- container again until lease_until, with the token whose hash is kept.
-- Returns {'ok', size} or {'gone', state} or {'unknown'}
local size = redis.call('HGET', KEYS[1], 'size')
if size then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'state', 'claimed', 'claimed_at', ARGV[1])
  if tonumber(ARGV[3]) > 0 then
    redis.call('HSET', KEYS[2], 'lease_hash', ARGV[4], 'lease_until',
      tonumber(ARGV[1]) + tonumber(ARGV[3]))
  end
  redis.call('EXPIRE', KEYS[2], ARGV[2])
  return {'ok', size}
end
local state = redis.call('HGET', KEYS[2], 'state')
if state then
  if state == 'available' then state = 'expired' end
  return {'gone', state}
end
return {'unknown'}
