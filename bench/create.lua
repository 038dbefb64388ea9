-- wrk script: POST a new ticket per request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, "/api/v1/tickets", nil, '{"title": "Benchmark ticket ' .. n .. '", "description": "created by bench/create.lua"}')
end
