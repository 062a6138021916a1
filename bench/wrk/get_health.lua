-- GET /health with the same headers as check_person.lua (so the request has the same size):
-- the server's floor for a route answered on the I/O thread, with no credential check, no
-- index lookup and no access journal. Takes check_person.lua's arguments; the ids are unused.
--   wrk ... -s bench/wrk/get_health.lua URL -- IDS_FILE TOKEN THREADS
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

setup = common.setup
done = common.done

function init(args)
  common.init(args)
  request_text = wrk.format("GET", "/health", {["Authorization"] = "Bearer " .. token})
end

function request()
  return request_text
end

function response(status, _, body)
  common.count(status, body, 200)
end
