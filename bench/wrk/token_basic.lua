-- POST /oauth/token, grant_type=client_credentials, client_secret_basic (HTTP Basic header,
-- computed here from CLIENT_ID / CLIENT_SECRET).
-- env: CLIENT_ID, CLIENT_SECRET (required); TOKEN_PATH (default /oauth/token); WRK_DIR
local c = dofile((os.getenv("WRK_DIR") or "bench/wrk") .. "/common.lua")
wrk.method = "POST"
wrk.path = c.env("TOKEN_PATH", "/oauth/token")
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
wrk.headers["Authorization"] = c.basic(c.env("CLIENT_ID"), c.env("CLIENT_SECRET"))
