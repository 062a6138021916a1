-- GET /persons/{id}, rotating over the ids in IDS_FILE, as the bearer of TOKEN.
-- Also run, unchanged, against nginx, so both servers get the same requests.
--   wrk ... -s bench/wrk/get_person.lua URL -- IDS_FILE TOKEN THREADS
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

setup = common.setup
done = common.done

function init(args)
  common.init(args)
  headers = {["Authorization"] = "Bearer " .. token}
end

function request()
  return wrk.format("GET", "/persons/" .. common.next_id(true), headers)
end

function response(status, _, body)
  common.count(status, body, 200)
end
