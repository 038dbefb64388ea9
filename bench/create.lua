-- wrk script: POST a new ticket per request, worded like the seeded ones (bench/seed.sql) so
-- the tickets a run adds do not change what the search scenarios find. Each request carries
-- its own Idempotency-Key, as an integrator's would, so the record is part of what is measured.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local units = {"Pump", "Printer", "Boiler", "Oven", "Fridge", "Router", "Scale"}
local faults = {"leaks", "jams", "noisy", "cold", "broken", "offline"}
local n = 0
-- Each wrk thread has a Lua state of its own: a table's address and the clock tell them apart.
local prefix = tostring({}):gsub("table: ", "") .. "-" .. os.time()
request = function()
  n = n + 1
  local title = units[1 + n % 7] .. " " .. faults[1 + math.floor(n / 7) % 6] .. " at site " .. (n % 997)
  -- wrk.format takes the headers it is given instead of wrk.headers (which hold -H's token).
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["Idempotency-Key"] = "bench-" .. prefix .. "-" .. n
  return wrk.format(nil, "/api/v1/tickets", headers,
    '{"title": "' .. title .. '", "description": "Reported by phone; unit ' .. (n % 5003) .. '"}')
end
