#!/usr/bin/env bash
# Install the real helpdesk servers the ticket connector tests start on loopback (run as root,
# called by scripts/bootstrap-tests.sh after its apt packages): Request Tracker 5 and Redmine 5 from
# Debian (each needs something apt alone cannot give: a debconf preseed for RT, BUNDLER_VERSION
# for Redmine), a template database per helpdesk with the test project, user and the
# "Deskside Key" custom field, the aiosmtpd SMTP sink in a venv and the Prism validating mock.
# Idempotent: each step checks what is already there, so a second run takes a few seconds.
#
# Tools land in $DESKSIDE_HELPDESK_TOOLS (default /opt/deskside-helpdesk); the Rust harness
# (tests/helpdesk/src) reads the same variable.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "helpdesk install: run as root (it installs packages with apt-get)" >&2
  exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="${DESKSIDE_HELPDESK_TOOLS:-/opt/deskside-helpdesk}"
aiosmtpd_version="1.4.6"
prism_version="5.14.2"
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'; }
log() { echo "helpdesk install: $*"; }

# Request Tracker 5 with its SQLite database created by dbconfig-common. RT's own mail goes to
# a file in the tests ($MailCommand = 'testfile'), never to the MTA.
if ! installed request-tracker5 || ! installed rt5-standalone || ! installed rt5-db-sqlite; then
  log "Request Tracker 5"
  debconf-set-selections <<'EOF'
request-tracker5 request-tracker5/dbconfig-install boolean true
request-tracker5 request-tracker5/database-type select sqlite3
EOF
  # request-tracker5 needs an MTA; take the small, daemon-less dma unless one is installed.
  mta=()
  [ -e /usr/sbin/sendmail ] || mta=(dma)
  apt-get install "${apt_opts[@]}" "${mta[@]}" request-tracker5 rt5-db-sqlite rt5-standalone rt5-clients >/dev/null
fi

# Redmine 5 with SQLite. Its postinst runs bundler, which refuses to start unless
# BUNDLER_VERSION names the Debian ruby-bundler version.
if ! installed redmine || ! installed redmine-sqlite; then
  log "Redmine 5"
  apt-get install "${apt_opts[@]}" ruby-bundler ruby-webrick sqlite3 >/dev/null
  bundler_version="$(dpkg-query -W -f='${Version}' ruby-bundler)"
  debconf-set-selections <<'EOF'
redmine redmine/instances/default/dbconfig-install boolean true
redmine redmine/instances/default/database-type select sqlite3
EOF
  BUNDLER_VERSION="${bundler_version%%-*}" apt-get install "${apt_opts[@]}" redmine redmine-sqlite >/dev/null
fi
# Ruby 3 dropped webrick from the standard library; Redmine's Gemfile loads Gemfile.local.
if ! grep -qs '^gem "webrick"' /usr/share/redmine/Gemfile.local; then
  echo 'gem "webrick"' >>/usr/share/redmine/Gemfile.local
fi

mkdir -p "$tools"

# Template databases: the packaged database plus what the tests need (custom field, user,
# project). Each test run copies a template and gives it fresh API credentials (serve.sh).
rt_db=/var/lib/dbconfig-common/sqlite3/request-tracker5/rtdb
if [ ! -s "$tools/rt/template.sqlite3" ] || [ "$rt_db" -nt "$tools/rt/template.sqlite3" ]; then
  log "RT template database"
  mkdir -p "$tools/rt"
  bash "$here/serve.sh" rt-template "$rt_db" "$tools/rt/template.sqlite3"
fi
rm_db=/var/lib/dbconfig-common/sqlite3/redmine/instances/default/redmine_default
if [ ! -s "$tools/redmine/template.sqlite3" ] || [ "$rm_db" -nt "$tools/redmine/template.sqlite3" ]; then
  log "Redmine template database"
  mkdir -p "$tools/redmine"
  bash "$here/serve.sh" redmine-template "$rm_db" "$tools/redmine/template.sqlite3"
fi

# SMTP sink: aiosmtpd in its own venv (Debian's Python is externally managed).
if ! "$tools/venv/bin/python" -c "import aiosmtpd, sys; sys.exit(aiosmtpd.__version__ != '$aiosmtpd_version')" 2>/dev/null; then
  log "aiosmtpd $aiosmtpd_version"
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install -q --disable-pip-version-check "aiosmtpd==$aiosmtpd_version"
fi

# Prism, the validating mock for the Jira Service Management contract (5.14.2 is the newest
# that runs on Node 20).
if [ "$("$tools/prism/node_modules/.bin/prism" --version 2>/dev/null)" != "$prism_version" ]; then
  log "Prism $prism_version"
  mkdir -p "$tools/prism"
  npm install --prefix "$tools/prism" --no-audit --no-fund --loglevel=error "@stoplight/prism-cli@$prism_version" >/dev/null
fi

log "done ($tools)"
