-- A mixed load in one wrk run: cycles over a file of requests of several
-- types (session checks, logins, registrations), in the order the file lists
-- them, so the file sets the mix.
-- Line format: TYPE <tab> METHOD <tab> PATH <tab> BODY <tab> Header: value <tab> ...
-- TYPE is one of session, login, register. A body containing @N@ gets a unique
-- value per request, as in requests.lua.
-- Script arguments (after `--`): requests file, unique prefix, then one
-- expectation per type: "type|status|body marker|Set-Cookie marker" (markers
-- may be empty). wrk's response() is not told which request it answers, so each
-- response is matched against the expectations in the order given (put the
-- most specific first); one that matches none counts as "bad". Per type, the
-- script counts requests sent and responses that matched. It cannot time each
-- type on its own (wrk's Lua has no clock finer than a second, and cannot tie
-- a response to its request), so latency is only known over all requests.
-- done() prints one line: BENCH_JSON {...} for the harness.

local threads, next_id = {}, 0
local TYPES = { "session", "login", "register" }

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

local reqs, templates, kinds, n, idx, counter, uniq = {}, {}, {}, 0, 0, 0, ""
local expects = {}
bad = 0
sent_session, sent_login, sent_register = 0, 0, 0
ok_session, ok_login, ok_register = 0, 0, 0

local function split(line, sep)
  local fields = {}
  for field in (line .. sep):gmatch("([^" .. sep .. "]*)" .. sep) do fields[#fields + 1] = field end
  return fields
end

function init(args)
  for line in io.lines(args[1]) do
    local f = split(line, "\t")
    local headers = {}
    for i = 5, #f do
      local k, v = f[i]:match("^([^:]+):%s*(.*)$")
      if k then headers[k] = v end
    end
    local body = (f[4] ~= "" and f[4]) or nil
    n = n + 1
    kinds[n] = f[1]
    if body and body:find("@N@", 1, true) then
      templates[n] = { f[2], f[3], headers, body }
    else
      reqs[n] = wrk.format(f[2], f[3], headers, body)
    end
  end
  uniq = (args[2] or "u") .. "t" .. tostring(tid)
  idx = ((tid - 1) * 7919) % n
  for i = 3, #args do
    local e = split(args[i], "|")
    expects[#expects + 1] = {
      kind = e[1], status = tonumber(e[2]),
      body = (e[3] ~= nil and e[3] ~= "") and e[3] or nil,
      cookie = (e[4] ~= nil and e[4] ~= "") and e[4] or nil,
    }
  end
end

local function matches(e, status, headers, body)
  if status ~= e.status then return false end
  if e.body and (body == nil or body:find(e.body, 1, true) == nil) then return false end
  if e.cookie then
    for k, v in pairs(headers) do
      if k:lower() == "set-cookie" and v:find(e.cookie, 1, true) then return true end
    end
    return false
  end
  return true
end

function response(status, headers, body)
  for _, e in ipairs(expects) do
    if matches(e, status, headers, body) then
      _G["ok_" .. e.kind] = _G["ok_" .. e.kind] + 1
      return
    end
  end
  bad = bad + 1
end

function request()
  idx = idx % n + 1
  local kind = kinds[idx]
  _G["sent_" .. kind] = _G["sent_" .. kind] + 1
  local r = reqs[idx]
  if r then return r end
  local t = templates[idx]
  counter = counter + 1
  local body = t[4]:gsub("@N@", uniq .. "n" .. tostring(counter))
  return wrk.format(t[1], t[2], t[3], body)
end

function done(summary, latency, requests)
  local total_bad = 0
  local types = {}
  for _, t in ipairs(threads) do total_bad = total_bad + (t:get("bad") or 0) end
  for _, kind in ipairs(TYPES) do
    local sent, ok = 0, 0
    for _, t in ipairs(threads) do
      sent = sent + (t:get("sent_" .. kind) or 0)
      ok = ok + (t:get("ok_" .. kind) or 0)
    end
    types[#types + 1] = string.format('"%s":{"sent":%d,"ok":%d}', kind, sent, ok)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"bad":%d,' ..
    '"latency_us":{"mean":%.1f,"p50":%d,"p95":%d,"p99":%d,"max":%d},"types":{%s}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, total_bad,
    latency.mean, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    table.concat(types, ",")))
end
