#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL and a throwaway Redis.
#
#   scripts/with-services.sh COMMAND [ARGS...]
#
# Starts a private PostgreSQL cluster (in a fresh temp dir, on a free
# 127.0.0.1 port) and a private redis-server (another free port), exports
#
#   DATABASE_URL=postgres://cx:cx@127.0.0.1:PORT/cx   (role cx is a superuser)
#   REDIS_URL=redis://127.0.0.1:RPORT/0
#   CELERY_BROKER_URL=redis://127.0.0.1:RPORT/1
#   PG_BIN_DIR=/usr/lib/postgresql/N/bin
#
# runs COMMAND, then stops both services and removes the temp dir, even when
# COMMAND fails or the script is interrupted.  Exits with COMMAND's exit code
# (non-zero on a failure of its own).  Progress goes to stderr as "[services]".
#
# Missing server binaries are installed with apt-get (as root, or via sudo).
# Only when they are missing, apt is unusable and a Docker engine is reachable
# are postgres:16 / redis:7 containers used instead.  The Debian-packaged
# cluster services (pg_ctlcluster, service postgresql ...) are never used.
#
# PostgreSQL: initdb in a mktemp -d dir owned by "postgres", the postmaster run
# as that user (runuser; as the caller when not root) with test settings
# (fsync/full_page_writes/synchronous_commit off), stopped with
# "pg_ctl stop -m immediate".  Several runs may go on at once: every run has
# its own dir and ports.
set -euo pipefail

# Our real stderr, saved: a trap can fire while a redirection (say into
# initdb.log) is in effect, and its messages must still reach the caller.
exec {err_fd}>&2
log() { printf '[services] %s\n' "$*" >&"$err_fd"; }
die() {
    log "ERROR: $*"
    exit 1
}

if (($# == 0)); then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

# ---------------------------------------------------------------- state ----
mode=""              # native | docker
workdir=""           # temp dir (native) holding data, sockets and logs
pg_bin=""            # /usr/lib/postgresql/N/bin
pg_port=""
pg_pid=""            # our child running the postmaster (runuser, or postgres itself)
redis_port=""
redis_pid=""
pg_container=""
redis_container=""
cmd_pid=""
got_signal=0
int_count=0
install_lock_fd=""

# --------------------------------------------------------------- helpers ---

# Highest /usr/lib/postgresql/N/bin that has a complete server + client.
find_pg_bin() {
    local d best="" best_v=-1 v
    for d in /usr/lib/postgresql/*/bin; do
        [[ -x $d/initdb && -x $d/pg_ctl && -x $d/postgres && -x $d/pg_isready && -x $d/psql ]] || continue
        v=${d#/usr/lib/postgresql/}
        v=${v%/bin}
        v=${v%%.*}
        [[ $v =~ ^[0-9]+$ ]] || continue
        if ((v > best_v)); then
            best_v=$v
            best=$d
        fi
    done
    [[ -n $best ]] && printf '%s\n' "$best"
}

have_redis() { command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; }

have_pg_user() { getent passwd postgres >/dev/null 2>&1; }

# Packages still needed for the native path (printed one per line).
missing_packages() {
    if [[ -z $(find_pg_bin) ]] || { ((EUID == 0)) && ! have_pg_user; }; then
        echo postgresql
    fi
    have_redis || echo redis-server
    return 0
}

# A TCP port on 127.0.0.1 that is free right now.  Binding can still race
# with another process, so callers retry on "address in use".
free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()' 2>/dev/null && return 0
    fi
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        # connection refused => nobody listens there
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# Run a command as the PostgreSQL user (postgres refuses to run as root).
as_pg() {
    if ((EUID == 0)); then
        (cd "$workdir" && runuser -u postgres -- "$@")
    else
        (cd "$workdir" && "$@")
    fi
}

can_use_apt() {
    command -v apt-get >/dev/null 2>&1 || return 1
    ((EUID == 0)) && return 0
    command -v sudo >/dev/null 2>&1
}

docker_engine_up() {
    command -v docker >/dev/null 2>&1 || return 1
    if command -v timeout >/dev/null 2>&1; then
        timeout 20 docker info >/dev/null 2>&1
    else
        docker info >/dev/null 2>&1
    fi
}

# apt-get update && apt-get install -y PACKAGES (root, or sudo).  Returns
# non-zero (with a message) on failure; serialised between concurrent runs.
apt_install() {
    local -a pre=()
    if ((EUID != 0)); then
        if ! command -v sudo >/dev/null 2>&1; then
            log "need to install $* but not root and sudo is not available;"
            log "install them yourself: apt-get install -y postgresql redis-server"
            return 1
        fi
        if [[ -t 0 ]]; then pre=(sudo); else pre=(sudo -n); fi
    fi
    log "installing $* with apt-get (this can take a minute) ..."
    if ! "${pre[@]}" apt-get -q -o DPkg::Lock::Timeout=600 update >&2; then
        log "apt-get update failed"
        return 1
    fi
    if ! "${pre[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get -q -o DPkg::Lock::Timeout=600 install -y "$@" >&2; then
        log "apt-get install $* failed"
        return 1
    fi
    return 0
}

# Take a lock so two runs don't apt-get at the same time (best effort).
lock_install() {
    local f=/tmp/with-services.install.lock
    command -v flock >/dev/null 2>&1 || return 0
    { : >>"$f"; } 2>/dev/null || return 0
    exec {install_lock_fd}<"$f" || return 0
    if ! flock -w 900 "$install_lock_fd"; then
        log "timed out waiting for another run's package install"
    fi
}

unlock_install() {
    if [[ -n $install_lock_fd ]]; then
        exec {install_lock_fd}<&-
        install_lock_fd=""
    fi
}

# -------------------------------------------------------------- cleanup ----

# True while PID runs; a zombie ("Z" in /proc/PID/stat: exited, not reaped
# yet) counts as gone.
# shellcheck disable=SC2317  # only reached from the EXIT/signal traps
pid_alive() {
    local stat
    kill -0 "$1" 2>/dev/null || return 1
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

# shellcheck disable=SC2317  # only reached from the EXIT/signal traps
stop_native_pg() {
    [[ -n $pg_pid ]] || return 0
    if pid_alive "$pg_pid"; then
        as_pg "$pg_bin/pg_ctl" -D "$workdir/data" -m immediate -w -t 20 stop >/dev/null 2>&1 || true
        for _ in $(seq 1 50); do
            pid_alive "$pg_pid" || break
            sleep 0.1
        done
        if pid_alive "$pg_pid"; then
            log "postgres did not stop; killing it"
            # it runs in its own session/process group, led by $pg_pid
            kill -KILL -- "-$pg_pid" 2>/dev/null || kill -KILL "$pg_pid" 2>/dev/null || true
        fi
    fi
    wait "$pg_pid" 2>/dev/null || true
    pg_pid=""
}

# shellcheck disable=SC2317  # only reached from the EXIT/signal traps
stop_redis() {
    [[ -n $redis_pid ]] || return 0
    if pid_alive "$redis_pid"; then
        kill -TERM "$redis_pid" 2>/dev/null || true
        for _ in $(seq 1 100); do
            pid_alive "$redis_pid" || break
            sleep 0.1
        done
        pid_alive "$redis_pid" && kill -KILL "$redis_pid" 2>/dev/null
    fi
    wait "$redis_pid" 2>/dev/null || true
    redis_pid=""
}

# shellcheck disable=SC2317  # only reached from the EXIT/signal traps
cleanup() {
    # Nothing may interrupt the cleanup half-way.
    trap '' INT TERM HUP
    set +e
    exec 2>&"$err_fd"
    unlock_install
    if [[ -n $cmd_pid ]] && pid_alive "$cmd_pid"; then
        kill -TERM "$cmd_pid" 2>/dev/null
        for _ in $(seq 1 100); do
            pid_alive "$cmd_pid" || break
            sleep 0.1
        done
        pid_alive "$cmd_pid" && kill -KILL "$cmd_pid" 2>/dev/null
    fi
    if [[ $mode == docker ]]; then
        [[ -n $pg_container ]] && docker rm -f "$pg_container" >/dev/null 2>&1
        [[ -n $redis_container ]] && docker rm -f "$redis_container" >/dev/null 2>&1
    fi
    stop_redis
    if [[ -n $workdir ]]; then
        stop_native_pg
        rm -rf -- "$workdir"
    fi
    if [[ -n $mode ]]; then log "services stopped"; fi
}

# shellcheck disable=SC2317  # only reached from the EXIT/signal traps
on_signal() {
    local sig=$1 code=$2
    exec 2>&"$err_fd"
    got_signal=$code
    if [[ -n $cmd_pid ]]; then
        # COMMAND is running (or just ended): the main loop collects its exit
        # code.  Ctrl-C already reached it through the terminal (same process
        # group), so only a second one is escalated; TERM/HUP are forwarded.
        if [[ $sig == INT ]]; then
            int_count=$((int_count + 1))
            ((int_count < 2)) || kill -TERM "$cmd_pid" 2>/dev/null || true
        else
            kill -s "$sig" "$cmd_pid" 2>/dev/null || true
        fi
        log "got SIG$sig; waiting for the command to exit"
        return 0
    fi
    log "got SIG$sig; cleaning up"
    exit "$code"
}

trap cleanup EXIT
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP

# ------------------------------------------------------------ native path --

make_workdir() {
    local base=${TMPDIR:-/tmp}
    [[ -d $base && ${#base} -le 60 ]] || base=/tmp
    workdir=$(mktemp -d "$base/with-services.XXXXXX") || die "mktemp -d in $base failed"
    if ((EUID == 0)); then
        chown postgres: "$workdir" || die "chown postgres $workdir failed"
        if ! runuser -u postgres -- test -w "$workdir" 2>/dev/null; then
            # e.g. TMPDIR under /root: not reachable for postgres
            rm -rf -- "$workdir"
            workdir=$(mktemp -d /tmp/with-services.XXXXXX) || die "mktemp -d in /tmp failed"
            chown postgres: "$workdir" || die "chown postgres $workdir failed"
        fi
    fi
    chmod 700 "$workdir" || die "chmod $workdir failed"
}

show_log() {
    local f=$1
    if [[ -s $f ]]; then
        log "---- last lines of $f ----"
        tail -n 40 "$f" >&2 || true
        log "----"
    fi
}

start_native_pg() {
    local data=$workdir/data locale_opt=(--no-locale) attempt deadline
    if locale -a 2>/dev/null | grep -qixE 'c\.utf-?8'; then
        locale_opt=(--locale=C.UTF-8)
    fi
    log "initdb (PostgreSQL $(basename "$(dirname "$pg_bin")")) in $data"
    if ! as_pg "$pg_bin/initdb" -D "$data" -U postgres -A trust -E UTF8 "${locale_opt[@]}" \
        --no-sync >"$workdir/initdb.log" 2>&1; then
        show_log "$workdir/initdb.log"
        die "initdb failed"
    fi
    cat >>"$data/postgresql.conf" <<EOF

# ---- throwaway test instance (scripts/with-services.sh) ----
listen_addresses = '127.0.0.1'
unix_socket_directories = '$workdir'
max_connections = 100
shared_buffers = 256MB
fsync = off
synchronous_commit = off
full_page_writes = off
EOF

    # The postmaster runs as our own child (in its own session, so a Ctrl-C
    # meant for COMMAND does not hit it) rather than daemonized by
    # "pg_ctl start": a daemon is re-parented to PID 1, which in some
    # containers reaps it late and leaves a <defunct> postgres behind.
    for attempt in 1 2 3 4 5; do
        pg_port=$(free_port) || die "could not find a free port for postgres"
        log "starting postgres on 127.0.0.1:$pg_port"
        : >"$workdir/postgres.log"
        if ((EUID == 0)); then
            (cd "$workdir" && exec setsid runuser -u postgres -- "$pg_bin/postgres" -D "$data" -p "$pg_port") \
                >>"$workdir/postgres.log" 2>&1 </dev/null {err_fd}>&- &
        else
            (cd "$workdir" && exec setsid "$pg_bin/postgres" -D "$data" -p "$pg_port") \
                >>"$workdir/postgres.log" 2>&1 </dev/null {err_fd}>&- &
        fi
        pg_pid=$!
        deadline=$((SECONDS + 30))
        until "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port" -U postgres -t 1; do
            if ! pid_alive "$pg_pid"; then
                wait "$pg_pid" 2>/dev/null || true
                pg_pid=""
                if grep -qE 'could not bind|Address already in use|could not create any TCP/IP sockets' \
                    "$workdir/postgres.log" && ((attempt < 5)); then
                    log "port $pg_port was taken meanwhile; retrying"
                    continue 2
                fi
                show_log "$workdir/postgres.log"
                die "postgres exited during startup"
            fi
            if ((SECONDS >= deadline)); then
                show_log "$workdir/postgres.log"
                die "postgres on 127.0.0.1:$pg_port not ready after 30 s (pg_isready)"
            fi
            sleep 0.1
        done
        break
    done

    if ! "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres \
        -c "CREATE ROLE cx WITH LOGIN SUPERUSER CREATEDB PASSWORD 'cx'" \
        -c "CREATE DATABASE cx OWNER cx" >"$workdir/psql.log" 2>&1; then
        show_log "$workdir/psql.log"
        die "could not create role/database cx"
    fi
}

start_native_redis() {
    local attempt up
    for attempt in 1 2 3 4 5; do
        redis_port=$(free_port) || die "could not find a free port for redis"
        log "starting redis on 127.0.0.1:$redis_port"
        : >"$workdir/redis.log"
        # own session, like postgres: a Ctrl-C for COMMAND must not stop it
        setsid redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
            --daemonize no --dir "$workdir" --logfile "$workdir/redis.log" \
            >"$workdir/redis.out" 2>&1 {err_fd}>&- &
        redis_pid=$!
        up=""
        for _ in $(seq 1 300); do # ~30 s
            if ! pid_alive "$redis_pid"; then
                wait "$redis_pid" 2>/dev/null || true
                redis_pid=""
                break
            fi
            if [[ $(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null) == PONG ]]; then
                up=1
                break
            fi
            sleep 0.1
        done
        [[ -n $up ]] && return 0
        if [[ -z $redis_pid ]] && grep -qiE 'address already in use|could not create server tcp' \
            "$workdir/redis.log" "$workdir/redis.out" 2>/dev/null && ((attempt < 5)); then
            log "port $redis_port was taken meanwhile; retrying"
            continue
        fi
        show_log "$workdir/redis.log"
        show_log "$workdir/redis.out"
        [[ -n $redis_pid ]] || die "redis-server exited during startup"
        die "redis on 127.0.0.1:$redis_port did not answer PING within 30 s"
    done
}

# ------------------------------------------------------------ docker path --

start_docker() {
    local deadline
    pg_port=$(free_port) || die "no free port"
    redis_port=$(free_port) || die "no free port"
    log "starting postgres:16 container on 127.0.0.1:$pg_port"
    pg_container=$(docker run -d --rm --shm-size=512m \
        -e POSTGRES_USER=cx -e POSTGRES_PASSWORD=cx -e POSTGRES_DB=cx \
        -p "127.0.0.1:$pg_port:5432" postgres:16 \
        -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
        -c max_connections=100 -c shared_buffers=256MB) || die "docker run postgres:16 failed"
    log "starting redis:7 container on 127.0.0.1:$redis_port"
    redis_container=$(docker run -d --rm -p "127.0.0.1:$redis_port:6379" redis:7 \
        redis-server --save '' --appendonly no) || die "docker run redis:7 failed"
    deadline=$((SECONDS + 60))
    # TCP inside the container: the entrypoint's init server is socket-only
    until docker exec "$pg_container" pg_isready -q -h 127.0.0.1 -U cx -d cx >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then
            docker logs --tail 40 "$pg_container" >&2 || true
            die "postgres container not ready after 60 s"
        fi
        sleep 0.5
    done
    until [[ $(docker exec "$redis_container" redis-cli ping 2>/dev/null) == PONG ]]; do
        if ((SECONDS >= deadline)); then
            docker logs --tail 40 "$redis_container" >&2 || true
            die "redis container not ready after 60 s"
        fi
        sleep 0.5
    done
}

# ------------------------------------------------------------------ main ---

mapfile -t need < <(missing_packages)
if ((${#need[@]} > 0)); then
    log "missing: ${need[*]}"
    if can_use_apt; then
        lock_install
        mapfile -t need < <(missing_packages) # another run may have installed them
        if ((${#need[@]} > 0)); then
            apt_install "${need[@]}" || true
        fi
        unlock_install
        mapfile -t need < <(missing_packages)
    fi
fi

if ((${#need[@]} == 0)); then
    mode=native
    pg_bin=$(find_pg_bin)
    make_workdir
    start_native_pg
    start_native_redis
elif docker_engine_up; then
    log "native PostgreSQL/Redis unavailable; using Docker containers (postgres:16, redis:7)"
    mode=docker
    pg_bin=$(find_pg_bin || true)
    if [[ -z $pg_bin ]]; then
        pg_bin=$(dirname "$(find /usr/lib/postgresql -path '*/bin/psql' 2>/dev/null | sort -V | tail -n 1)" 2>/dev/null || true)
        [[ $pg_bin == . ]] && pg_bin=""
    fi
    start_docker
else
    if ! command -v apt-get >/dev/null 2>&1; then
        why="apt-get is not available"
    elif ((EUID != 0)) && ! command -v sudo >/dev/null 2>&1; then
        why="not root and sudo is not available"
    else
        why="apt-get install failed (see above)"
    fi
    die "PostgreSQL server and/or redis-server missing (${need[*]}): $why, and no Docker engine" \
        "is reachable. Install them as root: apt-get install -y postgresql redis-server"
fi

export DATABASE_URL="postgres://cx:cx@127.0.0.1:$pg_port/cx"
export REDIS_URL="redis://127.0.0.1:$redis_port/0"
export CELERY_BROKER_URL="redis://127.0.0.1:$redis_port/1"
export PG_BIN_DIR="$pg_bin"

log "ready: DATABASE_URL=$DATABASE_URL REDIS_URL=$REDIS_URL"
log "running: $*"

# COMMAND runs as a child we wait for, so TERM/HUP sent to this script can be
# forwarded.  Restore default SIGINT/SIGQUIT (bash ignores them for background
# jobs) and keep our stdin (bash would give a background job /dev/null).
(
    trap - INT QUIT TERM HUP
    exec {err_fd}>&-
    exec "$@"
) <&0 &
cmd_pid=$!

# Poll instead of a plain "wait": when a trapped signal interrupts bash's wait
# builtin just as the child dies of the same Ctrl-C, bash 5.2 can lose the
# child's status and then block in wait for good.  bash reaps the child by
# itself; once it is gone, "wait" only looks up the exit code it recorded.
while kill -0 "$cmd_pid" 2>/dev/null; do
    sleep 0.2 || true
done
rc=0
wait "$cmd_pid" && rc=0 || rc=$?
cmd_pid=""

if ((rc == 0 && got_signal != 0)); then rc=$got_signal; fi
log "command exited with $rc"
exit "$rc"
