-- roundtrip-1k and password-roundtrip: each connection uploads
-- BENCH_SIZE bytes (PUT, with X-Password when BENCH_PASSWORD is set),
-- then claims a link this thread was given (POST /d/ID key=...&password=)
-- and checks the bytes.  A unit is a verified round trip.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

counts_units = true

local body, password
local queue, head, tail = {}, 1, 0

function init(args)
	body = payload(env_num("BENCH_SIZE", 1024))
	password = os.getenv("BENCH_PASSWORD") or ""
end

function request()
	if head <= tail then
		local l = queue[head]
		queue[head] = nil
		head = head + 1
		local form = "key=" .. l.key
		if password ~= "" then form = form .. "&password=" .. password end
		return wrk.format("POST", "/d/" .. l.id,
			{ ["Content-Type"] = "application/x-www-form-urlencoded" }, form)
	end
	local h = { ["Content-Type"] = "text/plain" }
	if password ~= "" then h["X-Password"] = password end
	return wrk.format("PUT", "/api/v1/files/bench.txt", h, body)
end

function response(status, headers, resp)
	note_status(status)
	if status == 201 then
		local id, key = parse_link(resp)
		if id == nil then bad = bad + 1 return end
		tail = tail + 1
		queue[tail] = { id = id, key = key }
	elseif status == 200 then
		if resp == body then units = units + 1 else bad = bad + 1 end
	end
end
