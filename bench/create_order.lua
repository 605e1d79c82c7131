-- wrk script: POST /create_order, each request with a new order_id.
-- Run with one wrk thread (-t1) on an empty table, so ids never repeat.
local next_id = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
  next_id = next_id + 1
  local body = string.format(
    '{"order_id":%d,"product_id":7,"quantity":1,"amount":10.5,"shipping":1.0,"tax":0.5,'
      .. '"shipping_address":"1 Bench Street"}',
    next_id
  )
  return wrk.format(nil, "/create_order", nil, body)
end
