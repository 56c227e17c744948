-- POST <RFIS_PATH>: create one RFI (JSON body, the fields Procore requires) with a Bearer token.
-- Every request creates a new record (no Idempotency-Token). Sent to the ceiling as well, which
-- reads the body and answers with the bytes of a real create response.
-- env: TOKEN (required), RFIS_PATH (required), MANAGER_ID (required: a person of the project); WRK_DIR
local c = dofile((os.getenv("WRK_DIR") or "bench/wrk") .. "/common.lua")
wrk.method = "POST"
wrk.path = c.env("RFIS_PATH")
wrk.headers["Authorization"] = "Bearer " .. c.env("TOKEN")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.body = '{"rfi":{"subject":"Bench RFI: anchor bolt embedment at grid B-2","rfi_manager_id":'
  .. c.env("MANAGER_ID")
  .. ',"question":{"body":"Detail 5/S-301 shows 12 in. embedment, the general notes say 9 in. Which governs?"},'
  .. '"due_date":"2030-01-15","private":false,"draft":false}}'
