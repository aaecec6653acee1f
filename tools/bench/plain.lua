-- One request, again and again: BENCH_METHOD (GET) on the URL's path,
-- with a body of BENCH_SIZE bytes for PUT/POST.  The baselines (nginx
-- static and discard, the trivial handler) and upload-* use it.  With
-- BENCH_LINKS set, each thread appends the links it is given to
-- BENCH_LINKS.<thread> (claimload claims them for download-1m); only
-- then does wrk hand the answers to Lua, which costs it time.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

local links_out

function init(args)
	wrk.method = os.getenv("BENCH_METHOD") or "GET"
	local size = env_num("BENCH_SIZE", 0)
	if wrk.method == "PUT" or wrk.method == "POST" then
		wrk.body = payload(size)
		wrk.headers["Content-Type"] = "application/octet-stream"
	end
	local pw = os.getenv("BENCH_PASSWORD")
	if pw ~= nil and pw ~= "" then
		wrk.headers["X-Password"] = pw
	end
	local dir = os.getenv("BENCH_LINKS")
	if dir ~= nil and dir ~= "" then
		links_out = io.open(dir .. "." .. tid, "a")
	end
end

if os.getenv("BENCH_LINKS") ~= nil and os.getenv("BENCH_LINKS") ~= "" then
	function response(status, headers, body)
		note_status(status)
		if status ~= 201 then return end
		local id, key = parse_link(body)
		if id == nil then
			bad = bad + 1
		else
			links_out:write(id, " ", key, "\n")
			links_out:flush()
		end
	end
end
