-- HTTP ceiling, GET: the same request shape as bearer_get.lua, sent to the fixed-body ceiling
-- server (which ignores the token).
-- env: TOKEN (default: a dummy 43-char token); PATH_QUERY (default /rest/v1.0/projects?company_id=1); WRK_DIR
local c = dofile((os.getenv("WRK_DIR") or "bench/wrk") .. "/common.lua")
wrk.method = "GET"
wrk.path = c.env("PATH_QUERY", "/rest/v1.0/projects?company_id=1")
wrk.headers["Authorization"] = "Bearer " .. c.env("TOKEN", "ceilingtoken0123456789abcdef0123456789abcde")
wrk.headers["Accept"] = "application/json"
