-- list.lua - GET the list page in BENCH_DATA/list_path (by default
-- .../Conferences.json?PageSize=50; the scale rows put a Status filter and a
-- PageToken there). nginx: GET /<BENCH_ROW or list>.json of the same size.
local c = require("common")
setup, done = c.setup, c.done

local req

function init(args)
  if c.nginx then
    req = c.static(os.getenv("BENCH_ROW") or "list")
  else
    req = c.get(c.first("list_path"))
  end
end

function request() return req end
