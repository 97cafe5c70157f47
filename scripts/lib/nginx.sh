# Renders nginx/chat.conf.template and its snippets for one stack, and starts nginx on it.
# Sourced, not run. Uses CHAT_HTTP_PORT, CHAT_RATE_PER_MIN, CHAT_ALLOWED_ORIGINS and
# CHAT_METRICS_ALLOW.

# The user nginx workers and FastCGI sockets are shared with (when we are root).
nginx_user() { id -u www-data >/dev/null 2>&1 && echo www-data || echo nobody; }

# Map entries for CHAT_ALLOWED_ORIGINS: "*" allows any origin, else a comma-separated list.
_cors_map_entries() {
  local origins="$1" origin
  if [ "$origins" = "*" ]; then
    printf '        "~." "*";\n'
    return
  fi
  IFS=',' read -ra list <<< "$origins"
  for origin in "${list[@]}"; do
    origin="${origin// /}"
    [ -z "$origin" ] && continue
    [[ "$origin" =~ ^https?://[A-Za-z0-9.-]+(:[0-9]+)?$ ]] ||
      die "CHAT_ALLOWED_ORIGINS: '$origin' is not an origin like https://example.com"
    printf '        "%s" $http_origin;\n' "$origin"
  done
}

# geo entries for CHAT_METRICS_ALLOW: comma-separated IPv4 or IPv6 addresses or networks that may
# read /metrics besides loopback.
_metrics_allow_entries() {
  local entry list
  IFS=',' read -ra list <<< "$1"
  for entry in "${list[@]}"; do
    entry="${entry// /}"
    [ -z "$entry" ] && continue
    _metrics_allow_entry_valid "$entry" ||
      die "CHAT_METRICS_ALLOW: '$entry' is not an address or network like 10.0.0.5 or 10.1.0.0/24"
    printf '        %s 1;\n' "$entry"
  done
}

# Whether $1 is an IPv4 address (octets 0-255) or an IPv6 address, with an optional prefix length
# of at most 32 or 128: what nginx's geo accepts, so that nginx never fails on it later.
_metrics_allow_entry_valid() {
  local entry="$1" address prefix="" octet
  address="${entry%%/*}"
  if [[ "$entry" == */* ]]; then
    prefix="${entry#*/}"
    [[ "$prefix" =~ ^[0-9]{1,3}$ ]] || return 1
    prefix=$((10#$prefix))
  fi
  if [[ "$address" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]]; then
    for octet in ${address//./ }; do [ $((10#$octet)) -le 255 ] || return 1; done
    [ -z "$prefix" ] || [ "$prefix" -le 32 ]
  elif [[ "$address" =~ ^[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*$ ]]; then
    [[ "$address" != *:::* && "${address/::/}" != *::* && ! "$address" =~ [0-9A-Fa-f]{5} ]] || return 1
    [ -z "$prefix" ] || [ "$prefix" -le 128 ]
  else
    return 1
  fi
}

_render() {
  local content
  content="$(cat "$1")"
  local key
  for key in "${!NGINX_VALUES[@]}"; do content="${content//@$key@/${NGINX_VALUES[$key]}}"; done
  printf '%s\n' "$content" > "$2"
}

# Sets LIMIT_KEY, RATE_PER_MIN, RATE_BURST and RETRY_AFTER for CHAT_RATE_PER_MIN=$1: a burst of
# ten seconds' worth of asks; Retry-After is the time one ask takes to refill; 0 turns the per-IP
# limits off (an empty key is not counted). A client is an IPv4 address or an IPv6 /64
# (nginx/snippets/chat-client-network.conf).
rate_limit_values() {
  local rate="$1"
  if [ "$rate" -eq 0 ]; then
    LIMIT_KEY='""' RATE_PER_MIN=1 RATE_BURST=1 RETRY_AFTER=1
  else
    LIMIT_KEY='$chat_client_network' RATE_PER_MIN="$rate"
    RATE_BURST=$(( (rate + 5) / 6 )) RETRY_AFTER=$(( (59 + rate) / rate ))
  fi
}

# Dies with one line naming the variable when an nginx setting is malformed.
check_nginx_settings() {
  [[ "${CHAT_RATE_PER_MIN:-30}" =~ ^[0-9]+$ ]] ||
    die "CHAT_RATE_PER_MIN: '${CHAT_RATE_PER_MIN}' is not a whole number"
  _cors_map_entries "${CHAT_ALLOWED_ORIGINS:-*}" >/dev/null || exit 1
  _metrics_allow_entries "${CHAT_METRICS_ALLOW:-}" >/dev/null || exit 1
}

# render_nginx VAR_DIR WORKER_SOCKET [ADMIN_SOCKET]: writes VAR_DIR/nginx/nginx.conf and its
# snippets. ADMIN_SOCKET defaults to VAR_DIR/run/chat-admin.sock.
render_nginx() {
  local var_dir="$1" worker_socket="$2" admin_socket="${3:-$1/run/chat-admin.sock}"
  local rate="${CHAT_RATE_PER_MIN:-30}" cors_entries metrics_entries
  check_nginx_settings
  cors_entries="$(_cors_map_entries "${CHAT_ALLOWED_ORIGINS:-*}")" || exit 1
  metrics_entries="$(_metrics_allow_entries "${CHAT_METRICS_ALLOW:-}")" || exit 1
  mkdir -p "$var_dir/nginx/snippets" "$var_dir/log" "$var_dir/run"
  local part
  for part in body fastcgi proxy uwsgi scgi; do mkdir -p "$var_dir/nginx/$part"; done
  declare -gA NGINX_VALUES=(
    [VAR_DIR]="$var_dir"
    [REPO_DIR]="$REPO_DIR"
    [NGINX_DIR]="$var_dir/nginx"
    [HTTP_PORT]="${CHAT_HTTP_PORT:-8080}"
    [WORKER_SOCKET]="$worker_socket"
    [ADMIN_SOCKET]="$admin_socket"
    [CORS_MAP_ENTRIES]="$cors_entries"
    [METRICS_ALLOW_ENTRIES]="$metrics_entries"
    [ACCESS_LOG]="$var_dir/log/nginx-access.log chat_json"
    [USER_DIRECTIVE]=""
  )
  rate_limit_values "$rate"
  NGINX_VALUES[LIMIT_KEY]="$LIMIT_KEY" NGINX_VALUES[RATE_PER_MIN]="$RATE_PER_MIN"
  NGINX_VALUES[RATE_BURST]="$RATE_BURST" NGINX_VALUES[RETRY_AFTER]="$RETRY_AFTER"
  if [ "$(id -u)" -eq 0 ]; then
    local user
    user="$(nginx_user)"
    reachable_by "$user" "$REPO_DIR/widget/chat-widget.js" "$var_dir/nginx" || user=root
    NGINX_VALUES[USER_DIRECTIVE]="user $user;"
    chown -R "$(nginx_user)" "$var_dir/nginx"
  fi
  [ "${CHAT_ACCESS_LOG:-on}" = off ] && NGINX_VALUES[ACCESS_LOG]=off
  for part in "$REPO_DIR"/nginx/snippets/*.conf; do
    _render "$part" "$var_dir/nginx/snippets/$(basename "$part")"
  done
  _render "$REPO_DIR/nginx/chat.conf.template" "$var_dir/nginx/nginx.conf"
  nginx -t -q -c "$var_dir/nginx/nginx.conf" -p "$var_dir/nginx" 2>&1 | grep -v "^$" >&2
  [ "${PIPESTATUS[0]}" -eq 0 ] || die "nginx configuration test failed"
}

# start_nginx VAR_DIR: runs nginx (not daemonised) as a background job; sets NGINX_PID.
start_nginx() {
  local var_dir="$1"
  nginx -c "$var_dir/nginx/nginx.conf" -p "$var_dir/nginx" -g 'daemon off;' \
    </dev/null >/dev/null 2>>"$var_dir/log/nginx-error.log" &
  NGINX_PID=$!
}
