-- fetch.lua - GET .../Conferences/{sid}.json of random seeded conferences
-- (BENCH_DATA/confs). nginx: GET /fetch.json, a file of the same size.
local c = require("common")
setup, done = c.setup, c.done

local reqs, n, i = {}, 0, 0

function init(args)
  c.seed_random()
  if c.nginx then
    reqs[1] = c.static("fetch")
  else
    local sids = c.lines("confs")
    -- precomputed requests keep the client's cost per request tiny and equal
    -- on both sides; 50,000 random picks spread over the whole table
    for k = 1, math.min(50000, math.max(#sids, 1000)) do
      reqs[k] = c.get(c.base .. "/Conferences/" .. sids[math.random(#sids)] .. ".json")
    end
  end
  n = #reqs
end

function request()
  i = i % n + 1
  return reqs[i]
end
