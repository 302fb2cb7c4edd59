-- wrk script: an authenticated traceroute request with an invalid option (HTTP 400, code 1007).
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer bench-token"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"targets":["203.0.113.1"],"options":{"max_ttl":99}}'
