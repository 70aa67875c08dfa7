-- mix.lua - 90 % reads, 10 % writes, chosen at random per request: a read is
-- a conference fetch (as fetch.lua), a write a participant Muted toggle (as
-- part_update.lua). nginx: GET /fetch.json or /part_update.json, same odds.
local c = require("common")
setup, done = c.setup, c.done

local reads, nr, ir = {}, 0, 0
local on, off, muted, nw, iw = {}, {}, {}, 0, 0

function init(args)
  c.seed_random()
  if c.nginx then
    reads[1] = c.static("fetch")
    on[1] = c.static("part_update")
    off[1] = on[1]
    muted[1] = false
  else
    local sids = c.lines("confs")
    for k = 1, math.min(50000, math.max(#sids, 1000)) do
      reads[k] = c.get(c.base .. "/Conferences/" .. sids[math.random(#sids)] .. ".json")
    end
    for _, line in ipairs(c.shuffle(c.share(c.lines("parts")))) do
      local conf, call = c.split(line)
      local path = c.base .. "/Conferences/" .. conf .. "/Participants/" .. call .. ".json"
      on[#on + 1] = c.post(path, "Muted=true")
      off[#off + 1] = c.post(path, "Muted=false")
      muted[#muted + 1] = false
    end
  end
  nr, nw = #reads, #on
end

function request()
  if math.random() < 0.1 then
    iw = iw % nw + 1
    muted[iw] = not muted[iw]
    return muted[iw] and on[iw] or off[iw]
  end
  ir = ir % nr + 1
  return reads[ir]
end
