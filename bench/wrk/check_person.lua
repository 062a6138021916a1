-- GET /checks/persons/{id}, rotating over the ids in IDS_FILE (shuffled by the script: random
-- persons, with and without measures in force), as the agency whose API key is TOKEN. Tallies
-- the answers: in_force (a measure of the agency's kinds in force) and clear.
-- Also run, unchanged, against nginx, so both servers get the same requests.
--   wrk ... -s bench/wrk/check_person.lua URL -- IDS_FILE TOKEN THREADS
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

setup = common.setup
done = common.done

function init(args)
  common.init(args)
  headers = {["Authorization"] = "Bearer " .. token}
end

function request()
  return wrk.format("GET", "/checks/persons/" .. common.next_id(true), headers)
end

function response(status, _, body)
  common.count(status, body, 200)
  if status == 200 and body then
    if body:find('"in_force":true', 1, true) then
      common.tag("in_force")
    elseif body:find('"in_force":false', 1, true) then
      common.tag("clear")
    end
  end
end
