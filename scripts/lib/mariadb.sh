# A private MariaDB instance under DIR/mariadb (data, socket, pid, log; owned by the mysql user
# when run as root), reached over a unix socket only (tests that need TCP or TLS set
# MARIADB_NETWORK_OPTIONS to mariadbd options, e.g. --port=P --bind-address=127.0.0.1 --ssl-ca=...).
# Sourced, not run.
#   mariadb_start DIR      creates it on first use, starts it, provisions the programs' users
#                          (database_users.sh), prints chat-migrate's CHAT_DATABASE_URL (every
#                          privilege on the database: what tests that build their own tables use)
#   mariadb_url DIR P      prints the CHAT_DATABASE_URL of program P: worker, admin or migrate
#   mariadb_stop DIR       stops it (the data stays)

source "$REPO_DIR/scripts/lib/database_users.sh"

mariadb_socket() { printf '%s/mariadb/mariadb.sock' "$1"; }

# mariadbd and its tools run as the mysql user when we are root (as root when mysql cannot reach
# the directory).
_mariadb_user_option() {
  [ "$(id -u)" -eq 0 ] || return 0
  if reachable_by mysql "$1"; then printf -- '--user=mysql'; else printf -- '--user=root'; fi
}

_mariadb_initialise() {
  local dir="$1"
  mkdir -p "$dir/mariadb/data" "$dir/mariadb/tmp"
  chmod 755 "$dir/mariadb"
  [ "$(id -u)" -eq 0 ] && chown -R mysql:mysql "$dir/mariadb"
  mariadb-install-db --no-defaults $(_mariadb_user_option "$dir/mariadb") --datadir="$dir/mariadb/data" \
    --tmpdir="$dir/mariadb/tmp" \
    --auth-root-authentication-method=socket --skip-test-db > "$dir/mariadb/install.log" 2>&1 ||
    die "mariadb-install-db failed: see $dir/mariadb/install.log"
}

# Starts mariadbd in the background and waits until it answers.
_mariadb_launch() {
  local dir="$1" socket
  socket="$(mariadb_socket "$dir")"
  mkdir -p "$dir/mariadb/tmp"
  [ "$(id -u)" -eq 0 ] && chown mysql:mysql "$dir/mariadb/tmp"
  # A private tmpdir: a starting mariadbd deletes the #sql* files in its tmpdir, which in a
  # shared /tmp are other instances' temporary tables (and crashes them).
  mariadbd --no-defaults $(_mariadb_user_option "$dir/mariadb") --datadir="$dir/mariadb/data" --socket="$socket" \
    --tmpdir="$dir/mariadb/tmp" \
    --pid-file="$dir/mariadb/mariadb.pid" ${MARIADB_NETWORK_OPTIONS:---skip-networking} --skip-name-resolve \
    --log-error="$dir/mariadb/mariadb.log" --character-set-server=utf8mb4 \
    --collation-server=utf8mb4_unicode_ci --max-connections=2000 \
    --innodb-buffer-pool-size=256M --innodb-log-file-size=64M \
    --innodb-flush-log-at-trx-commit=1 >/dev/null 2>&1 &
  local attempt
  for attempt in $(seq 1 300); do
    mariadb-admin --no-defaults --socket="$socket" -uroot ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "MariaDB did not start: see $dir/mariadb/mariadb.log"
}

# A program's database password, made once and kept in DIR/secrets (mode 0600).
_mariadb_password() {
  local file="$1/secrets/db-password-$2"
  if [ ! -s "$file" ]; then
    (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$file")
  fi
  cat "$file"
}

# Creates (or updates) the database and the programs' users (scripts/lib/database_users.sh).
_mariadb_provision() {
  local dir="$1"
  mkdir -p "$dir/secrets" && chmod 700 "$dir/secrets"
  {
    database_users_sql chat localhost "$(_mariadb_password "$dir" worker)" "$(_mariadb_password "$dir" admin)" \
      "$(_mariadb_password "$dir" migrate)" || exit 1
    # The single user of earlier versions, which held every privilege.
    echo "DROP USER IF EXISTS 'chat'@'localhost';"
  } | mariadb --no-defaults --socket="$(mariadb_socket "$dir")" -uroot || die "MariaDB provisioning failed"
  rm -f "$dir/secrets/db-password"
}

# The CHAT_DATABASE_URL of PROGRAM (worker, admin or migrate) for the instance under DIR.
mariadb_url() {
  printf 'mysql://chat_%s:%s@localhost/chat?socket=%s' "$2" "$(_mariadb_password "$1" "$2")" "$(mariadb_socket "$1")"
}

mariadb_start() {
  local dir="$1"
  [ -d "$dir/mariadb/data/mysql" ] || _mariadb_initialise "$dir"
  _mariadb_launch "$dir"
  _mariadb_provision "$dir"
  mariadb_url "$dir" migrate
}

mariadb_stop() {
  local dir="$1" pid
  pid="$(cat "$dir/mariadb/mariadb.pid" 2>/dev/null)" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  local attempt
  for attempt in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
}
