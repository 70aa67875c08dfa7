-- common.lua - shared by the bench/*.lua wrk scripts (loaded with require;
-- bench/run puts bench/ on LUA_PATH).
--
-- Environment (set by bench/run):
--   BENCH_DATA     folder with the seeded ids: auth (the Authorization header
--                  value), account (project id), confs (fetch targets, one sid
--                  a line), live_confs (live conference sids), parts
--                  ("conference_sid call_sid" of live participants), list_path
--   BENCH_TARGET   confab, or nginx: every request becomes a GET of the static
--                  file /<row>.json whose size is confab's response for the row
--   BENCH_THREADS  wrk's -t, so threads can split the participants
--   BENCH_SEED     random seed (per thread it is BENCH_SEED + thread number)
--
-- done() prints one line "BENCH_JSON {...}" that bench/run reads.

local M = {}

M.dir = os.getenv("BENCH_DATA") or "."
M.nginx = os.getenv("BENCH_TARGET") == "nginx"
M.nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")

function M.lines(name)
  local t = {}
  local f = assert(io.open(M.dir .. "/" .. name, "r"), "missing " .. M.dir .. "/" .. name)
  for line in f:lines() do
    if line ~= "" then t[#t + 1] = line end
  end
  f:close()
  return t
end

function M.first(name) return M.lines(name)[1] end

M.auth = M.first("auth")
M.account = M.first("account")
M.base = "/api/laml/2010-04-01/Accounts/" .. M.account

function M.get(path)
  return wrk.format("GET", path, { ["Authorization"] = M.auth })
end

function M.post(path, body)
  return wrk.format("POST", path, {
    ["Authorization"] = M.auth,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end

-- The nginx twin of a row: the same headers, a GET of the same-size file.
function M.static(row) return M.get("/" .. row .. ".json") end

-- thread numbering: setup() runs in the main Lua state once per thread
local counter = 0
function M.setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

-- in a thread (init/request): its number, 0-based
function M.tid() return tid or 0 end

function M.seed_random()
  math.randomseed(tonumber(os.getenv("BENCH_SEED") or "1") + 7919 * M.tid())
end

-- The items of a list this thread owns (i = tid + 1, tid + 1 + nthreads, ...),
-- so that two threads never toggle the same participant.
function M.share(list)
  local mine = {}
  for i = M.tid() + 1, #list, M.nthreads do mine[#mine + 1] = list[i] end
  return mine
end

function M.split(line)
  local a, b = line:match("^(%S+)%s+(%S+)$")
  return a, b
end

-- Fisher-Yates, with the thread's random sequence
function M.shuffle(t)
  for i = #t, 2, -1 do
    local j = math.random(i)
    t[i], t[j] = t[j], t[i]
  end
  return t
end

function M.done(summary, latency, requests)
  local e = summary.errors
  -- the whole latency histogram as [microseconds, count] pairs, so that the
  -- percentiles of slices measured apart can be computed exactly together
  local hist = {}
  for i = 1, #latency do
    local v, c = latency(i)
    hist[#hist + 1] = string.format('[%d,%d]', v, c)
  end
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"status":%d,"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f,' ..
    '"hist":[%s]}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, table.concat(hist, ',')))
end

return M
