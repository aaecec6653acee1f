-- Adds one process's counts to the shared metrics hash.
-- KEYS[1] the hash; ARGV: field, increment, field, increment ...
for i = 1, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
end
return 1
