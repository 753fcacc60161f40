#!/usr/bin/env bash
# Prepares and runs one private helpdesk server on 127.0.0.1 for the tests (root).
#
#   serve.sh rt-template SRC_DB DEST_DB        build the RT template (install.sh)
#   serve.sh redmine-template SRC_DB DEST_DB   build the Redmine template (install.sh)
#   serve.sh rt-prepare DIR PORT               private RT in DIR: config, DB copy, fresh tokens
#   serve.sh redmine-prepare DIR PORT          private Redmine instance in DIR, fresh API keys
#   serve.sh rt-run DIR PORT                   run RT from DIR (foreground, see below)
#   serve.sh redmine-run DIR PORT              run Redmine from DIR as www-data
#   serve.sh redmine-cleanup DIR               remove the instance link of DIR
#   serve.sh smtp-run DIR PORT                 aiosmtpd writing every message to DIR/maildir
#   serve.sh prism-run DIR PORT SPEC           Prism validating mock of SPEC
#
# *-prepare print `key=value` credentials on stdout and write them to DIR/credentials.
# *-run keep the server in its own process group and stop it (TERM, then KILL) as soon as
# their stdin reaches end of file: the Rust harness holds the other end, so the server goes away
# with the test process however that ends (even kill -9). They exit with the server's status.
set -euo pipefail

tools="${DESKSIDE_HELPDESK_TOOLS:-/opt/deskside-helpdesk}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rt_lib=/usr/share/request-tracker5/lib
redmine_root=/usr/share/redmine
redmine_instances=/var/lib/redmine

die() { echo "serve.sh: $*" >&2; exit 2; }

# Private RT configuration: loopback URL, the private database, no syslog, outgoing mail to a
# temporary file (RT would otherwise hand autoreplies to the MTA).
rt_config() {
  local dir="$1" port="$2" db="$3"
  mkdir -p "$dir/site.d"
  cat >"$dir/RT_SiteConfig.pm" <<EOF
Set(\$rtname, 'deskside-test');
Set(\$Organization, 'deskside.test');
Set(\$Timezone, 'UTC');
Set(\$WebDomain, '127.0.0.1');
Set(\$WebPort, $port);
Set(\$WebPath, '');
Set(\$WebBaseURL, 'http://127.0.0.1:$port');
Set(\$DatabaseType, 'SQLite');
Set(\$DatabaseName, '$db');
Set(\$LogToSyslog, undef);
Set(\$LogToFile, undef);
Set(\$LogToSTDERR, 'error');
Set(\$MailCommand, 'testfile');
1;
EOF
}

rt_env() {
  export RT_SITE_CONFIG="$1/RT_SiteConfig.pm" RT_SITE_CONFIG_DIR="$1/site.d"
}

# Redmine finds an instance by name under /var/lib/redmine (Debian's multi-tenancy); the private
# instance is a link there to DIR, named after DIR so cleanup can find it.
redmine_name() { echo "deskside-test-$(basename "$1")"; }

redmine_instance() {
  local dir="$1" db="$2"
  mkdir -p "$dir/config" "$dir/files" "$dir/log" "$dir/tmp/cache" "$dir/public"
  printf 'production:\n  adapter: sqlite3\n  database: %s\n  encoding: utf8\n' "$db" >"$dir/config/database.yml"
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/config/secret_key.txt"
  chmod a+rx "$dir"
  chown -R www-data:www-data "$dir"
  # Links left by runs that were killed before cleanup point nowhere: remove them.
  local link
  for link in "$redmine_instances"/deskside-test-*; do
    [ -L "$link" ] && [ ! -e "$link" ] && rm -f "$link"
  done
  ln -sfn "$dir" "$redmine_instances/$(redmine_name "$dir")"
}

# Sets redmine_cmd to `bundle exec "$@"` as www-data in the instance of DIR (cwd: Redmine).
redmine_bundle() {
  local dir="$1"; shift
  local bundler_version
  bundler_version="$(dpkg-query -W -f='${Version}' ruby-bundler)"
  cd "$redmine_root"
  redmine_cmd=(runuser -u www-data -- env REDMINE_INSTANCE="$(redmine_name "$dir")"
    BUNDLER_VERSION="${bundler_version%%-*}" HOME="$dir" bundle exec "$@")
}

# Run "$@" as a process group leader; stop the group when stdin closes; exit with its status.
supervise() {
  exec 3<&0
  setsid "$@" </dev/null &
  local pid=$!
  (
    cat <&3 >/dev/null
    kill -TERM -- "-$pid" 2>/dev/null || exit 0
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      kill -0 -- "-$pid" 2>/dev/null || exit 0
      sleep 0.2
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
  ) &
  local watcher=$!
  exec 3<&-
  local rc=0
  wait "$pid" || rc=$?
  kill "$watcher" 2>/dev/null || true
  exit "$rc"
}

[ "$(id -u)" -eq 0 ] || die "run as root"
cmd="${1:-}"
shift || true
case "$cmd" in
  rt-template)
    src="$1" dest="$2"
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    cp "$src" "$work/rtdb"
    rt_config "$work" 1 "$work/rtdb"
    rt_env "$work"
    perl -I"$rt_lib" "$here/setup/rt-template.pl" >/dev/null
    cp "$work/rtdb" "$dest"
    ;;
  redmine-template)
    src="$1" dest="$2"
    work="$(mktemp -d)"
    trap 'rm -f "$redmine_instances/$(redmine_name "$work")"; rm -rf "$work"' EXIT
    mkdir -p "$work/db"
    cp "$src" "$work/db/redmine.sqlite3"
    redmine_instance "$work" "$work/db/redmine.sqlite3"
    redmine_bundle "$work" rails runner -e production "$here/setup/redmine-template.rb"
    "${redmine_cmd[@]}" >/dev/null
    cp "$work/db/redmine.sqlite3" "$dest"
    ;;
  rt-prepare)
    dir="$1" port="$2"
    template="$tools/rt/template.sqlite3"
    [ -s "$template" ] || die "no RT template at $template: run tests/helpdesk/install.sh"
    cp "$template" "$dir/rtdb"
    rt_config "$dir" "$port" "$dir/rtdb"
    rt_env "$dir"
    perl -I"$rt_lib" "$here/setup/rt-tokens.pl" | tee "$dir/credentials"
    ;;
  redmine-prepare)
    dir="$1" port="$2"
    template="$tools/redmine/template.sqlite3"
    [ -s "$template" ] || die "no Redmine template at $template: run tests/helpdesk/install.sh"
    mkdir -p "$dir/db"
    db="$dir/db/redmine.sqlite3"
    cp "$template" "$db"
    # Fresh random API keys for this copy only.
    sqlite3 "$db" "UPDATE tokens SET value = lower(hex(randomblob(20))) WHERE action = 'api';"
    key() {
      sqlite3 "$db" "SELECT t.value FROM tokens t JOIN users u ON u.id = t.user_id WHERE u.login = '$1' AND t.action = 'api';"
    }
    cf_id="$(sqlite3 "$db" "SELECT id FROM custom_fields WHERE name = 'Deskside Key' AND type = 'IssueCustomField';")"
    redmine_instance "$dir" "$db"
    printf 'api_key=%s\nadmin_key=%s\ncf_id=%s\n' "$(key deskside)" "$(key admin)" "$cf_id" | tee "$dir/credentials"
    ;;
  rt-run)
    dir="$1" port="$2"
    rt_env "$dir"
    supervise /usr/share/request-tracker5/libexec/rt-server --host 127.0.0.1 --port "$port" --max-workers 2
    ;;
  redmine-run)
    dir="$1" port="$2"
    redmine_bundle "$dir" rackup -s webrick -o 127.0.0.1 -p "$port" -E production
    supervise "${redmine_cmd[@]}"
    ;;
  redmine-cleanup)
    rm -f "$redmine_instances/$(redmine_name "$1")"
    ;;
  smtp-run)
    dir="$1" port="$2"
    # aiosmtpd creates the Maildir (with tmp/new/cur) itself; it must not exist yet.
    supervise "$tools/venv/bin/python" -m aiosmtpd -n -l "127.0.0.1:$port" \
      -c aiosmtpd.handlers.Mailbox "$dir/maildir"
    ;;
  prism-run)
    dir="$1" port="$2" spec="$3"
    [ -s "$spec" ] || die "no contract at $spec"
    cd "$dir"
    supervise "$tools/prism/node_modules/.bin/prism" mock -h 127.0.0.1 -p "$port" "$spec"
    ;;
  *)
    die "unknown command '$cmd' (see the header of this script)"
    ;;
esac
