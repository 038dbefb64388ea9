-- wrk script: POST a new ticket per request, worded like the seeded ones (bench/seed.sql) so
-- the tickets a run adds do not change what the search scenarios find.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local units = {"Pump", "Printer", "Boiler", "Oven", "Fridge", "Router", "Scale"}
local faults = {"leaks", "jams", "noisy", "cold", "broken", "offline"}
local n = 0
request = function()
  n = n + 1
  local title = units[1 + n % 7] .. " " .. faults[1 + math.floor(n / 7) % 6] .. " at site " .. (n % 997)
  return wrk.format(nil, "/api/v1/tickets", nil,
    '{"title": "' .. title .. '", "description": "Reported by phone; unit ' .. (n % 5003) .. '"}')
end
