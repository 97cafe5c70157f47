# Shared helpers of scripts/run, scripts/test and bench/: messages, .env, packages, build.
# Sourced, not run. Expects REPO_DIR to be set by the caller.

RUNTIME_PACKAGES="mariadb-server mariadb-client nginx spawn-fcgi curl ca-certificates"
BUILD_PACKAGES="build-essential cmake pkg-config libfcgi-dev libcurl4-openssl-dev libjsoncpp-dev
  libmysqlcppconn-dev libssl-dev"

say() { printf '%s\n' "$*" >&2; }
die() { printf '%s\n' "$*" >&2; exit 1; }

# Reads KEY=VALUE lines of REPO_DIR/.env for the keys not already in the environment.
load_dotenv() {
  local file="$REPO_DIR/.env" line key value
  [ -f "$file" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line%$'\r'}"
    case "$line" in ''|'#'*) continue ;; esac
    line="${line#export }"
    key="${line%%=*}"
    value="${line#*=}"
    [[ "$key" =~ ^[A-Z_][A-Z0-9_]*$ ]] || die ".env: bad line: ${key}"
    value="${value%\"}"; value="${value#\"}"; value="${value%\'}"; value="${value#\'}"
    [ -n "${!key+set}" ] || export "$key=$value"
  done < "$file"
}

# Installs the Debian packages among "$@" that are missing (apt-get needs root).
ensure_packages() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})"
  say "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Services must not start on install: this project runs its own instances.
  local policy=/usr/sbin/policy-rc.d added_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && added_policy=1
  fi
  { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } >&2
  local status=$?
  [ -n "$added_policy" ] && rm -f "$policy"
  [ $status -eq 0 ] || die "apt-get install failed"
}

# Configures (once) and builds the tree in $1 with the extra CMake arguments that follow.
build_tree() {
  local dir="$1"; shift
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    cmake -S "$REPO_DIR" -B "$dir" "$@" >&2 || die "cmake configure failed"
  fi
  cmake --build "$dir" -j"$(nproc)" >&2 || die "build failed"
}

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# True when something accepts connections on 127.0.0.1:$1.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# True when USER can reach every path (read a file, enter a directory). A checkout in a private
# directory (mode 0700 above it, as mktemp -d makes) is out of the unprivileged users' reach; the
# services then run as root rather than fail.
reachable_by() {
  local user="$1"; shift
  [ "$(id -u)" -eq 0 ] || return 0
  runuser -u "$user" -- sh -c 'for p; do if [ -d "$p" ]; then [ -x "$p" ]; else [ -r "$p" ]; fi || exit 1; done' \
    sh "$@" 2>/dev/null
}
