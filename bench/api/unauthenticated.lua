-- wrk script: a traceroute request without credentials (HTTP 403, code 10000).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"targets":["203.0.113.1"]}'
