-- GET <PATH_QUERY> with Authorization: Bearer <TOKEN>.
-- env: TOKEN (required); PATH_QUERY (default /rest/v1.0/projects); WRK_DIR
local c = dofile((os.getenv("WRK_DIR") or "bench/wrk") .. "/common.lua")
wrk.method = "GET"
wrk.path = c.env("PATH_QUERY", "/rest/v1.0/projects")
wrk.headers["Authorization"] = "Bearer " .. c.env("TOKEN")
wrk.headers["Accept"] = "application/json"
