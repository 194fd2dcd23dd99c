# Shared settings for the project's scripts (sourced, not run).
# One build directory outside the clone, shared by tests, the CLI and the app, so DuckDB's C++
# is compiled once. Every cargo command builds the whole workspace: building a subset (-p) can
# change the features of DuckDB's build dependencies and compile it a second time.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/sluice/target}"
export SLUICE_BIN="$CARGO_TARGET_DIR/debug/sluice"
export SLUICE_DESKTOP_BIN="$CARGO_TARGET_DIR/debug/sluice-desktop"
export SLUICE_BRIDGE_BIN="$CARGO_TARGET_DIR/debug/sluice-bridge"

# Debian packages the build, the desktop app and the end-to-end tests need. The tests run
# PostgreSQL and MariaDB servers of their own (scripts/servers.sh), never the system services.
SLUICE_APT_PACKAGES=(build-essential pkg-config libwebkit2gtk-4.1-dev libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev xvfb webkit2gtk-driver chromium nodejs npm python3-venv imagemagick
  openjdk-17-jre-headless postgresql postgresql-client mariadb-server mariadb-client curl)

sluice_apt_install() {
  local missing=()
  for p in "${SLUICE_APT_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  # Node.js may come from elsewhere than Debian: only ask apt for it when there is none.
  if command -v node >/dev/null && command -v npm >/dev/null; then
    missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
  fi
  missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} (apt)…"
    local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    # Installing the database servers may start their system services: the tests do not use
    # them, so stop them and keep them from starting at boot (there may be no systemd at all).
    local svc
    for svc in postgresql mariadb; do
      if printf '%s\n' "${missing[@]}" | grep -qx "$svc\(-server\)\?"; then
        if [ -d /run/systemd/system ]; then
          $sudo systemctl disable --now "$svc" >/dev/null 2>&1 || true
        else
          $sudo service "$svc" stop >/dev/null 2>&1 || true
        fi
      fi
    done
  fi
}

sluice_build_ui() {
  (cd ui && npm ci --no-audit --no-fund && npm run build)
}

# A Python virtual environment with the reference libraries (pandas, scipy, ...) that the
# end-to-end tests compare Sluice's numbers with.
export SLUICE_VENV="${SLUICE_VENV:-$HOME/.cache/sluice/venv}"
sluice_python_venv() {
  [ -x "$SLUICE_VENV/bin/python" ] || python3 -m venv "$SLUICE_VENV"
  "$SLUICE_VENV/bin/pip" install -q --disable-pip-version-check -r tests/reference/requirements.txt
}

# dbt (with its DuckDB, Spark, Snowflake and PostgreSQL adapters), a local Spark and fakesnow (Snowflake
# emulated on DuckDB), in a venv of their own (their pins differ from the reference libraries'):
# the export tests build exported projects with them.
export SLUICE_DBT_VENV="${SLUICE_DBT_VENV:-$HOME/.cache/sluice/dbt-venv}"
sluice_dbt_venv() {
  [ -x "$SLUICE_DBT_VENV/bin/python" ] || python3 -m venv "$SLUICE_DBT_VENV"
  "$SLUICE_DBT_VENV/bin/pip" install -q --disable-pip-version-check -r tests/dbt/requirements.txt
}

# The S3-compatible server (moto) that scripts/servers.sh starts for the object storage tests.
export SLUICE_SERVERS_VENV="${SLUICE_SERVERS_VENV:-$HOME/.cache/sluice/servers-venv}"
sluice_servers_venv() {
  [ -x "$SLUICE_SERVERS_VENV/bin/python" ] || python3 -m venv "$SLUICE_SERVERS_VENV"
  "$SLUICE_SERVERS_VENV/bin/pip" install -q --disable-pip-version-check -r tests/servers/requirements.txt
}

# tauri-driver (crates.io) starts the desktop app under WebKitWebDriver for the end-to-end tests.
# Installed into its own folder with its own build directory, apart from the project's target.
export TAURI_DRIVER="${TAURI_DRIVER:-$HOME/.cache/sluice/tools/bin/tauri-driver}"
sluice_tauri_driver() {
  [ -x "$TAURI_DRIVER" ] && return 0
  env -u CARGO_TARGET_DIR cargo install tauri-driver@2.1.0 --locked --root "$HOME/.cache/sluice/tools"
}
