package redisstore

import "github.com/redis/go-redis/v9"

// The scripts keep every decision about one account atomic. Keys are passed
// in KEYS (Cluster routes on them) and numbers as decimal strings; a stored
// session is "<generation>\n<JSON>" (see codec.go), so reading it is one GET.
//
// Redis and miniredis differ in what a script may do: every command here is
// one Redis 7 accepts in a script with undeclared flags, no expiry is ever 0
// (the Go side passes at least 1 ms), and no reply array holds a nil.

// lostLease is the holder a script writes into the lease when it finds that
// Redis lost the account's keys (flushed, restarted without persistence)
// and nobody holds the lease: it holds the lease for one lease TTL, so the
// replica whose login was running then takes its lease back (AcquireLogin
// or CommitLogin by the owner the Store granted it to) before another
// replica starts a second login, which on a one-session platform would
// revoke the first one's token.
const lostLease = "~lost"

// loadScript returns the stored session. When Redis has lost the account's
// keys, it first writes back the caller's last known generation, and its
// session when still valid, so the generation never goes backwards, and
// holds the lease for the holder that lost it (lostLease).
//
// KEYS: session, gen, lease. ARGV: known generation (0: none), stored form
// of the known session ("" for none), its TTL in ms (0: none), how long to
// hold a lost lease in ms.
var loadScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur then return cur end
if ARGV[1] == '0' or redis.call('EXISTS', KEYS[2]) == 1 then return '' end
redis.call('SET', KEYS[2], ARGV[1])
redis.call('SET', KEYS[3], '` + lostLease + `', 'PX', ARGV[4], 'NX')
if ARGV[2] == '' then return '' end
if ARGV[3] ~= '0' then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[2])
end
return ARGV[2]
`)

// replaceScript is the compare-and-set: it stores the session when the
// stored generation is not newer than prev (or the newer session is gone),
// with generation max(stored, prev)+1; clears the lease and the cool-down;
// publishes the generation. It returns {1, stored form} when it stored,
// {0, stored form of the newer session} when not.
//
// KEYS: session, gen, lease, cooldown. ARGV: prev, session JSON, TTL in ms
// (0: none), channel.
var replaceScript = redis.NewScript(replaceLua)

// replaceLua is replaceScript's body, also the end of commitScript.
const replaceLua = `
local stored = tonumber(redis.call('GET', KEYS[2]) or '0')
local prev = tonumber(ARGV[1])
if stored > prev then
  local cur = redis.call('GET', KEYS[1])
  if cur then return {0, cur} end
end
local g = string.format('%d', math.max(stored, prev) + 1)
local v = g .. '\n' .. ARGV[2]
redis.call('SET', KEYS[2], g)
if ARGV[3] ~= '0' then
  redis.call('SET', KEYS[1], v, 'PX', ARGV[3])
else
  redis.call('SET', KEYS[1], v)
end
redis.call('DEL', KEYS[3], KEYS[4])
redis.call('PUBLISH', ARGV[4], g)
return {1, v}
`

// commitScript is replaceScript fenced by the lease: when another owner
// holds the lease it changes nothing and returns {2, 0}. A lost lease
// (lostLease) is the owner's when the Store granted it the lease.
//
// KEYS: session, gen, lease, cooldown. ARGV: prev, session JSON, TTL in ms
// (0: none), channel, owner, "1" when the Store granted owner the lease.
var commitScript = redis.NewScript(`
local holder = redis.call('GET', KEYS[3])
if holder == '` + lostLease + `' and ARGV[6] == '1' then holder = false end
if holder and holder ~= ARGV[5] then return {2, 0} end
` + replaceLua)

// acquireScript is lease-or-newer. It answers {1, stored form} for a stored
// session newer than gen, {2, ms} while a cool-down runs, {3, 0} when the
// caller now holds the lease (new or renewed), {4, ms} when another owner
// holds it for ms more. When Redis has lost the account's keys (no
// generation, and the caller knows one), it writes the caller's generation
// back and, if nobody holds the lease, holds it as lostLease for one TTL; a
// lost lease is granted only to an owner the Store granted the lease to.
//
// KEYS: session, gen, lease, cooldown. ARGV: gen, owner, lease TTL in ms,
// "1" when the Store granted owner the lease.
var acquireScript = redis.NewScript(`
local g = redis.call('GET', KEYS[2])
local holder = redis.call('GET', KEYS[3])
if (not g) and ARGV[1] ~= '0' then
  g = ARGV[1]
  redis.call('SET', KEYS[2], g)
  if not holder then
    holder = '` + lostLease + `'
    redis.call('SET', KEYS[3], holder, 'PX', ARGV[3])
  end
end
if tonumber(g or '0') > tonumber(ARGV[1]) then
  local cur = redis.call('GET', KEYS[1])
  if cur then return {1, cur} end
end
local cd = redis.call('PTTL', KEYS[4])
if cd > 0 then return {2, cd} end
if holder == '` + lostLease + `' and ARGV[4] == '1' then holder = false end
if (not holder) or holder == ARGV[2] then
  redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3])
  return {3, 0}
end
local left = redis.call('PTTL', KEYS[3])
if left < 1 then left = 1 end
return {4, left}
`)

// releaseScript deletes the lease if owner holds it, and starts or extends
// the cool-down to ms (never shortens it). It returns 1 when it released.
//
// KEYS: lease, cooldown. ARGV: owner, cool-down in ms (0: none).
var releaseScript = redis.NewScript(`
local released = 0
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  released = 1
end
if ARGV[2] ~= '0' and redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
end
return released
`)
