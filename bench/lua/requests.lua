-- Sends the requests listed in a file (one per line), cycling through them so
-- the load is spread over many sessions/users instead of one hot token.
-- Line format: METHOD <tab> PATH <tab> BODY <tab> Header: value <tab> ...
-- A body containing @N@ gets a unique value per request (registration).
-- Script arguments (after `--`): requests file, unique prefix,
-- [expected status, [Set-Cookie marker, [body marker, [pause ms, [stop after]]]]]
-- (empty strings skip one). When an expected
-- status is given, every response is checked (status, a Set-Cookie containing
-- the cookie marker, a body containing the body marker) and mismatches are
-- counted as "bad". wrk hands Lua one value per header name, the last one, so
-- a cookie marker only works when the answer sets a single cookie.
-- Pause: a mean pause in milliseconds between a response and the next request
-- on the same connection, which paces the run to about connections / pause
-- requests per ms (wrk 4.1 has no fixed-rate mode). wrk takes whole
-- milliseconds, so each pause is the floor or the ceiling of the mean, drawn
-- at random with the odds that keep the mean. Stop after: the thread stops
-- once that many responses came back (wrk still waits out the duration), so a
-- list of N distinct sessions can be sent exactly once each.
-- done() prints one line: BENCH_JSON {...} for the harness.

local threads, next_id = {}, 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

local reqs, templates, n, idx, counter, uniq = {}, {}, 0, 0, 0, ""
local expect_status, marker, body_marker = nil, nil, nil
local pause_ms, stop_after, seen = nil, nil, 0
bad = 0

local function split(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do fields[#fields + 1] = field end
  return fields
end

function init(args)
  for line in io.lines(args[1]) do
    local f = split(line)
    local headers = {}
    for i = 4, #f do
      local k, v = f[i]:match("^([^:]+):%s*(.*)$")
      if k then headers[k] = v end
    end
    local body = (f[3] ~= "" and f[3]) or nil
    n = n + 1
    if body and body:find("@N@", 1, true) then
      templates[n] = { f[1], f[2], headers, body }
    else
      reqs[n] = wrk.format(f[1], f[2], headers, body)
    end
  end
  uniq = (args[2] or "u") .. "t" .. tostring(tid)
  idx = ((tid - 1) * 7919) % n
  if args[3] and args[3] ~= "" then expect_status = tonumber(args[3]) end
  if args[4] and args[4] ~= "" then marker = args[4] end
  if args[5] and args[5] ~= "" then body_marker = args[5] end
  if args[6] and args[6] ~= "" then pause_ms = tonumber(args[6]) end
  if args[7] and args[7] ~= "" then stop_after = tonumber(args[7]) end
  if pause_ms then
    local whole = math.floor(pause_ms)
    local frac = pause_ms - whole
    math.randomseed(tid * 104729 + os.time())
    delay = function()
      if math.random() < frac then return whole + 1 end
      return whole
    end
  end
  if expect_status or stop_after then
    response = function(status, headers, body)
      seen = seen + 1
      if stop_after and seen >= stop_after then wrk.thread:stop() end
      if not expect_status then return end
      local ok = status == expect_status
      if ok and marker then
        ok = false
        for k, v in pairs(headers) do
          if k:lower() == "set-cookie" and v:find(marker, 1, true) then ok = true end
        end
      end
      if ok and body_marker then
        ok = body ~= nil and body:find(body_marker, 1, true) ~= nil
      end
      if not ok then bad = bad + 1 end
    end
  end
end

function request()
  idx = idx % n + 1
  local r = reqs[idx]
  if r then return r end
  local t = templates[idx]
  counter = counter + 1
  local body = t[4]:gsub("@N@", uniq .. "n" .. tostring(counter))
  return wrk.format(t[1], t[2], t[3], body)
end

function done(summary, latency, requests)
  local total_bad = 0
  for _, t in ipairs(threads) do total_bad = total_bad + (t:get("bad") or 0) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"bad":%d,' ..
    '"latency_us":{"mean":%.1f,"p50":%d,"p95":%d,"p99":%d,"max":%d}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, total_bad,
    latency.mean, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
