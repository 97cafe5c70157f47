#!/usr/bin/env bash
# Entrypoint of the web image (Dockerfile target "web", compose service "nginx"). Renders, into
# CHAT_NGINX_DIR (default /etc/nginx/chat), what docker/nginx.conf includes:
#   snippets/*.conf   the project's nginx/snippets, with the same renderer as scripts/run
#   settings.conf     the CORS allowlist (CHAT_ALLOWED_ORIGINS, default *), the per-IP limits
#                     (CHAT_RATE_PER_MIN asks a minute, default 30; 0 turns them off) and who
#                     may read /metrics besides loopback (CHAT_METRICS_ALLOW, default no one)
#   ask-limits.conf   the ask location's burst and concurrent-stream limit
# then runs the command (default: nginx in the foreground). A bad setting stops it with one line
# naming the variable, as scripts/run does. CHAT_REPO_DIR (default /usr/share/atonix-chat) is
# where nginx/snippets and scripts/lib are.
set -euo pipefail
REPO_DIR="${CHAT_REPO_DIR:-/usr/share/atonix-chat}"
OUT_DIR="${CHAT_NGINX_DIR:-/etc/nginx/chat}"
source "$REPO_DIR/scripts/lib/common.sh"
source "$REPO_DIR/scripts/lib/nginx.sh"

rate="${CHAT_RATE_PER_MIN:-30}"
check_nginx_settings
cors_entries="$(_cors_map_entries "${CHAT_ALLOWED_ORIGINS:-*}")" || exit 1
metrics_entries="$(_metrics_allow_entries "${CHAT_METRICS_ALLOW:-}")" || exit 1

rate_limit_values "$rate"  # the same limits as scripts/run's nginx

mkdir -p "$OUT_DIR/snippets"
declare -gA NGINX_VALUES=([NGINX_DIR]="$OUT_DIR" [REPO_DIR]="$REPO_DIR")
for part in "$REPO_DIR"/nginx/snippets/*.conf; do
  _render "$part" "$OUT_DIR/snippets/$(basename "$part")"
done

cat > "$OUT_DIR/settings.conf" <<EOF
# Rendered by chat-nginx-entrypoint from CHAT_ALLOWED_ORIGINS and CHAT_RATE_PER_MIN.
map \$http_origin \$chat_cors_origin {
    default "";
$cors_entries
}
include $OUT_DIR/snippets/chat-client-network.conf;
map \$binary_remote_addr \$chat_limit_key {
    default $LIMIT_KEY;
}
map \$binary_remote_addr \$chat_ask_retry_after {
    default $RETRY_AFTER;
}
limit_req_zone \$chat_limit_key zone=chat_ask:10m rate=${RATE_PER_MIN}r/m;
limit_conn_zone \$chat_limit_key zone=chat_conn:10m;
# Reads of transcripts: generous (a reload or two never comes near), but not unbounded.
limit_req_zone \$chat_limit_key zone=chat_read:10m rate=10r/s;
# The admin API: 10 requests a second per IP, so a token cannot be guessed quickly.
limit_req_zone \$chat_limit_key zone=chat_admin:10m rate=10r/s;
# Who may read /metrics (on the admin port): loopback and CHAT_METRICS_ALLOW.
geo \$chat_metrics_allowed {
    default 0;
    127.0.0.1 1;
    ::1 1;
$metrics_entries
}
EOF

cat > "$OUT_DIR/ask-limits.conf" <<EOF
# Rendered by chat-nginx-entrypoint from CHAT_RATE_PER_MIN.
limit_req zone=chat_ask burst=$RATE_BURST nodelay;
limit_conn chat_conn 10;
EOF

[ $# -gt 0 ] || set -- nginx -g 'daemon off;'
exec "$@"
