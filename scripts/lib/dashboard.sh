# The admin dashboard's browser dependencies: installed from admin/dashboard/package-lock.json with
# `npm ci` and copied into admin/dashboard/vendor/ (git-ignored), which nginx serves.
# Sourced, not run. Expects REPO_DIR and scripts/lib/common.sh.

DASHBOARD_DIR="$REPO_DIR/admin/dashboard"
DASHBOARD_VENDOR_FILES="chart.js/dist/chart.umd.js"

# Installs (when the lockfile changed or a file is missing) and copies the vendor files. Runs
# started at the same moment (the test suites do) take turns: `npm ci` first empties
# node_modules, so another run copying from it then would find nothing. The lock is taken on the
# lockfile itself, which `npm ci` only reads.
prepare_dashboard() {
  command -v npm >/dev/null 2>&1 || ensure_packages nodejs npm
  mkdir -p "$DASHBOARD_DIR/vendor"
  (
    flock 9 || die "cannot lock $DASHBOARD_DIR/package-lock.json"
    _install_dashboard_files
  ) 9<"$DASHBOARD_DIR/package-lock.json" || exit 1
}

_install_dashboard_files() {
  local stamp="$DASHBOARD_DIR/node_modules/.package-lock.json" file
  if [ ! -f "$stamp" ] || [ "$DASHBOARD_DIR/package-lock.json" -nt "$stamp" ] || ! _dashboard_files_installed; then
    say "installing the dashboard's npm packages (npm ci)"
    (cd "$DASHBOARD_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >&2 ||
      die "npm ci failed in $DASHBOARD_DIR"
  fi
  for file in $DASHBOARD_VENDOR_FILES; do
    _install_vendor_file "$DASHBOARD_DIR/node_modules/$file" "$DASHBOARD_DIR/vendor/$(basename "$file")" ||
      die "cannot copy $file to $DASHBOARD_DIR/vendor/"
  done
  chmod -R a+rX "$DASHBOARD_DIR/vendor"
}

# Puts $1 at $2 without ever truncating $2, which another running nginx may be serving: a copy
# in the same directory renamed over it (atomic), and nothing at all when $2 is already the same.
_install_vendor_file() {
  local source="$1" target="$2" temporary
  cmp -s "$source" "$target" && return 0
  temporary="$(mktemp "$(dirname "$target")/.$(basename "$target").XXXXXX")" || return 1
  if cp -p "$source" "$temporary" && chmod a+r "$temporary" && mv -f "$temporary" "$target"; then
    return 0
  fi
  rm -f "$temporary"
  return 1
}

_dashboard_files_installed() {
  local file
  for file in $DASHBOARD_VENDOR_FILES; do [ -f "$DASHBOARD_DIR/node_modules/$file" ] || return 1; done
}
