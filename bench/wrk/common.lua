-- Shared helpers for the Trestle bench wrk scripts (loaded with dofile by the others).
-- WRK_DIR (set by bench/run.sh) is the directory holding these scripts.
local M = {}

function M.env(name, default)
  local v = os.getenv(name)
  if v == nil or v == "" then
    if default == nil then error("set env " .. name) end
    return default
  end
  return v
end

-- application/x-www-form-urlencoded encoding of one value
function M.form_encode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

-- standard base64 (RFC 4648, with padding), pure Lua 5.1 arithmetic
local ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
function M.base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local c1 = math.floor(n / 262144) % 64
    local c2 = math.floor(n / 4096) % 64
    local c3 = math.floor(n / 64) % 64
    local c4 = n % 64
    out[#out + 1] = ALPHABET:sub(c1 + 1, c1 + 1) .. ALPHABET:sub(c2 + 1, c2 + 1)
      .. (b and ALPHABET:sub(c3 + 1, c3 + 1) or "=")
      .. (c and ALPHABET:sub(c4 + 1, c4 + 1) or "=")
  end
  return table.concat(out)
end

-- client_secret_basic: form-encode id and secret, then base64("id:secret") (RFC 6749 §2.3.1)
function M.basic(id, secret)
  return "Basic " .. M.base64(M.form_encode(id) .. ":" .. M.form_encode(secret))
end

return M
