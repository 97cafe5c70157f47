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
    cp -p "$DASHBOARD_DIR/node_modules/$file" "$DASHBOARD_DIR/vendor/" || die "cannot copy $file to $DASHBOARD_DIR/vendor/"
  done
  chmod -R a+rX "$DASHBOARD_DIR/vendor"
}

_dashboard_files_installed() {
  local file
  for file in $DASHBOARD_VENDOR_FILES; do [ -f "$DASHBOARD_DIR/node_modules/$file" ] || return 1; done
}
