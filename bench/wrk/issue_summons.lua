-- POST /summonses: each request issues to a different person from IDS_FILE, with its own
-- Idempotency-Key (KEY_PREFIX-PERSON), as the bearer of TOKEN. A thread that has used all its
-- persons stops (re-sending a person would only measure the open_summons refusal).
--   wrk ... -s bench/wrk/issue_summons.lua URL -- IDS_FILE TOKEN THREADS KEY_PREFIX
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

setup = common.setup
done = common.done

function init(args)
  common.init(args)
  key_prefix = key_prefix or "wrk"
end

function request()
  local id = common.next_id(false)
  if id == nil then
    wrk.thread:stop()
    id = ids[#ids]  -- wrk still wants a request; this one is not sent after stop()
  end
  return wrk.format("POST", "/summonses", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = key_prefix .. "-" .. id,
  }, '{"person_id":' .. id .. '}')
end

function response(status, _, body)
  common.count(status, body, 201)
end
