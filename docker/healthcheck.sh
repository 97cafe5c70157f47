#!/bin/sh
# HEALTHCHECK of the atonix-chat image. The processes speak FastCGI, not HTTP, so this sends one
# FastCGI request with cgi-fcgi (libfcgi-bin) and checks the status line of the answer.
#   CHAT_HEALTHCHECK_ADDRESS  default 127.0.0.1:9000 (the worker); 127.0.0.1:9001 for chat-admin
#   CHAT_HEALTHCHECK_PATH     default /healthz (200 only while the database answers)
#   CHAT_HEALTHCHECK_STATUS   default 200 (chat-admin: 401 for /admin/api/stats without a token)
# Exit 0 healthy, 1 not (the first line of the answer, or the failure, goes to stdout).
address="${CHAT_HEALTHCHECK_ADDRESS:-127.0.0.1:9000}"
path="${CHAT_HEALTHCHECK_PATH:-/healthz}"
status="${CHAT_HEALTHCHECK_STATUS:-200}"
answer="$(env -i REQUEST_METHOD=GET SCRIPT_NAME="$path" DOCUMENT_URI="$path" REQUEST_URI="$path" \
  SERVER_PROTOCOL=HTTP/1.1 REMOTE_ADDR=127.0.0.1 \
  timeout 5 cgi-fcgi -bind -connect "$address" </dev/null 2>&1)"
first_line="$(printf '%s\n' "$answer" | head -n 1 | tr -d '\r')"
case "$first_line" in
  "Status: $status "*) echo "healthy: $first_line"; exit 0 ;;
  *) echo "unhealthy: ${first_line:-no answer from $address}"; exit 1 ;;
esac
