-- wrk script of bench/query.sh: every request asks for the item-to-item neighbours of an item
-- drawn at random (per request, per thread) from a file of item ids, so no answer comes from one
-- hot key.  wrk -s bench/query.lua URL -- ITEMS_FILE TENANT [API_KEY]
local ids = {}
local prefix = "/v1/bench/recommend?model=item-to-item&item="
local headers = nil -- Authorization: Bearer API_KEY when one is given (AUTH=on bench/query.sh)

function init(args)
  local path, tenant = args[1], args[2] or "bench"
  prefix = "/v1/" .. tenant .. "/recommend?model=item-to-item&item="
  if args[3] and #args[3] > 0 then headers = { ["Authorization"] = "Bearer " .. args[3] } end
  for line in io.lines(path) do
    if #line > 0 then ids[#ids + 1] = line end
  end
  if #ids == 0 then error("no item ids in " .. tostring(path)) end
  -- a different sequence per thread
  math.randomseed(os.time() + tonumber(tostring(ids):match("0x(%x+)") or "0", 16) % 100000)
end

function request()
  return wrk.format("GET", prefix .. ids[math.random(#ids)], headers)
end
