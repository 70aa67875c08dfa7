-- conf_update.lua - POST .../Conferences/{sid}.json AnnounceUrl=... on the
-- live seeded conferences in turn (BENCH_DATA/live_confs): a write
-- transaction that records an announcement and its outbox event. The webhook
-- worker then tries the URL: 127.0.0.1:9 is on the default deny list, so the
-- fetch is refused at once (announcement-fail), without network traffic.
-- nginx: GET /conf_update.json of the same size.
local c = require("common")
setup, done = c.setup, c.done

local reqs, n, i = {}, 0, 0

function init(args)
  c.seed_random()
  if c.nginx then
    reqs[1] = c.static("conf_update")
  else
    local body = "AnnounceUrl=http%3A%2F%2F127.0.0.1%3A9%2Fx"
    for _, sid in ipairs(c.shuffle(c.share(c.lines("live_confs")))) do
      reqs[#reqs + 1] = c.post(c.base .. "/Conferences/" .. sid .. ".json", body)
    end
  end
  n = #reqs
end

function request()
  i = i % n + 1
  return reqs[i]
end
