-- HTTP ceiling, POST: the same request shape as token_post.lua (form body with client_secret_post
-- credentials of the same length as Trestle's), sent to the fixed-body ceiling server.
-- env: CLIENT_ID, CLIENT_SECRET (defaults: dummy values); WRK_DIR
local c = dofile((os.getenv("WRK_DIR") or "bench/wrk") .. "/common.lua")
wrk.method = "POST"
wrk.path = "/oauth/token"
wrk.body = "grant_type=client_credentials&client_id=" .. c.form_encode(c.env("CLIENT_ID", "ceiling-client"))
  .. "&client_secret=" .. c.form_encode(c.env("CLIENT_SECRET", "ceiling-secret-0123456789abcdef0123456789abcdef"))
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
