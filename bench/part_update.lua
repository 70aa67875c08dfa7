-- part_update.lua - POST .../Conferences/{C}/Participants/{CallSid}.json
-- Muted=true|false on the live seeded participants in turn, each request
-- flipping that participant, so every request is a real change: a durable
-- write of the participant plus a participant-mute/-unmute outbox event.
-- Each wrk thread owns its own participants. nginx: GET /part_update.json.
local c = require("common")
setup, done = c.setup, c.done

local on, off, muted, n, i = {}, {}, {}, 0, 0

function init(args)
  c.seed_random()
  if c.nginx then
    on[1] = c.static("part_update")
    off[1] = on[1]
    muted[1] = false
  else
    for _, line in ipairs(c.shuffle(c.share(c.lines("parts")))) do
      local conf, call = c.split(line)
      local path = c.base .. "/Conferences/" .. conf .. "/Participants/" .. call .. ".json"
      on[#on + 1] = c.post(path, "Muted=true")
      off[#off + 1] = c.post(path, "Muted=false")
      muted[#muted + 1] = false -- seeded unmuted
    end
  end
  n = #on
end

function request()
  i = i % n + 1
  muted[i] = not muted[i]
  return muted[i] and on[i] or off[i]
end
