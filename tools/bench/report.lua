-- Shared by the bench scripts (loaded with dofile): counts what each
-- thread saw and prints one JSON line when wrk is done.  A scenario
-- counts its units (uploads, round trips, downloads) in `units` and
-- wrong answers (bad bytes, no link) in `bad`; wrk itself counts socket
-- errors, timeouts and statuses >= 400.  A script that does not set
-- counts_units counts every answered request as a unit.
units, bad = 0, 0
-- The statuses >= 400 a script saw, by code (for the report, so that an
-- error under load says what it was); scripts with a response() call
-- note_status().
failed = {}

function note_status(status)
	if status >= 400 then
		local k = tostring(status)
		failed[k] = (failed[k] or 0) + 1
	end
end

local threads = {}
local next_id = 0

function setup(thread)
	thread:set("tid", next_id)
	next_id = next_id + 1
	table.insert(threads, thread)
end

function report(summary, latency)
	local u, b, seen = 0, 0, {}
	for _, t in ipairs(threads) do
		u = u + (t:get("units") or 0)
		b = b + (t:get("bad") or 0)
		for k, n in pairs(t:get("failed") or {}) do
			seen[k] = (seen[k] or 0) + n
		end
	end
	local codes = {}
	for k, n in pairs(seen) do
		table.insert(codes, string.format('"%s":%d', k, n))
	end
	table.sort(codes)
	local e = summary.errors
	local secs = summary.duration / 1e6
	if not counts_units then u = summary.requests end
	io.write(string.format('{"requests":%d,"units":%d,"duration_s":%.3f,' ..
		'"rps":%.1f,"p50_ms":%.2f,"p95_ms":%.2f,"p99_ms":%.2f,' ..
		'"max_ms":%.2f,"errors":%d,"err_connect":%d,"err_read":%d,' ..
		'"err_write":%d,"err_status":%d,"err_timeout":%d,"bad":%d,' ..
		'"bytes":%d,"statuses":{%s}}\n',
		summary.requests, u, secs, u / secs,
		latency:percentile(50) / 1000, latency:percentile(95) / 1000,
		latency:percentile(99) / 1000, latency.max / 1000,
		e.connect + e.read + e.write + e.status + e.timeout + b,
		e.connect, e.read, e.write, e.status, e.timeout, b,
		summary.bytes, table.concat(codes, ",")))
end

function done(summary, latency, requests)
	report(summary, latency)
end

-- A body of n bytes that is not all one byte: a line of text, repeated
-- (tools/bench/run writes the same bytes with yes(1) for claimload).
function payload(n)
	local line = "OneTimeShare bench payload 0123456789abcdef\n"
	local s = string.rep(line, math.floor(n / #line) + 1)
	return s:sub(1, n)
end

function env_num(name, default)
	local v = os.getenv(name)
	if v == nil or v == "" then return default end
	return tonumber(v)
end

-- The share id and key in an upload's answer (its first line, the link).
function parse_link(body)
	return body:match("/d/([%w_-]+)#([%w_-]+)")
end
