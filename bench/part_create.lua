-- part_create.lua - POST .../Conferences/{FriendlyName}/Participants.json
-- From=...&To=...: a new participant (201) each request. The names
-- bench-new-<thread>-<k> rotate over BENCH_CREATE_NAMES names per run (default
-- 4000), so no conference nears MaxParticipants (250): the first request on a
-- name creates the conference, the second starts it. The simulated engine
-- answers each new call at once (its own write transactions on the engine
-- thread). nginx: GET /part_create.json of the same size.
local c = require("common")
setup, done = c.setup, c.done

local reqs, n, i = {}, 0, 0

function init(args)
  if c.nginx then
    reqs[1] = c.static("part_create")
  else
    local names = math.floor(tonumber(os.getenv("BENCH_CREATE_NAMES") or "4000") / c.nthreads)
    local run = os.getenv("BENCH_SEED") or "1"
    for k = 1, math.max(names, 1) do
      local name = string.format("bench-new-%s-%d-%d", run, c.tid(), k)
      reqs[k] = c.post(c.base .. "/Conferences/" .. name .. "/Participants.json",
                       string.format("From=%%2B15550001111&To=%%2B1555%07d", k))
    end
  end
  n = #reqs
end

function request()
  i = i % n + 1
  return reqs[i]
end
