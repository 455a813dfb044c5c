# shellcheck shell=bash
# lib.sh - helpers shared by bmc-up, lab-up and lab-down.  Sourced, not run.
#
# Everything a lab run starts is recorded in RUNDIR/pids as
#   <name> <pid> <starttime>
# where starttime is field 22 of /proc/PID/stat, so lab-down never signals a
# recycled PID.  Ports are reserved with an atomic mkdir under
# $NF_LAB_PORT_LOCKS (default /tmp/nmifence-lab-ports) and listed in
# RUNDIR/ports, so two runs side by side never pick the same port (ipmi_sim
# binds its UDP port with SO_REUSEADDR, so a clash would not fail loudly).

NF_LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NF_LAB_SRCROOT=$(cd "$NF_LAB_DIR/../.." && pwd)
: "${NF_LAB_PORT_LOCKS:=/tmp/nmifence-lab-ports}"

nf_die() {
        echo "${0##*/}: $*" >&2
        exit 1
}

nf_log() {
        echo "${0##*/}: $*" >&2
}

# Milliseconds since boot: monotonic, unlike $SECONDS or date.
nf_now_ms() {
        local up
        read -r up _ </proc/uptime
        echo $(( ${up%.*} * 1000 + 10#${up#*.} * 10 ))
}

nf_proc_starttime() {
        local stat
        stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
        stat=${stat##*) }
        # shellcheck disable=SC2086
        set -- $stat
        echo "${20}"
}

# nf_record_pid RUNDIR NAME PID
nf_record_pid() {
        local st
        st=$(nf_proc_starttime "$3") || { nf_log "pid $3 ($2) already gone"; return 1; }
        echo "$2 $3 $st" >>"$1/pids"
}

# nf_pid_alive PID STARTTIME
nf_pid_alive() {
        local st
        st=$(nf_proc_starttime "$1") || return 1
        [ "$st" = "$2" ]
}

# nf_reserve_port RUNDIR -> prints a port free for both TCP and UDP on 127.0.0.1
nf_reserve_port() {
        local rundir=$1 p owner
        mkdir -p "$NF_LAB_PORT_LOCKS"
        for _ in $(seq 1 200); do
                p=$(( 20000 + SRANDOM % 40000 ))
                if ! mkdir "$NF_LAB_PORT_LOCKS/$p" 2>/dev/null; then
                        # Reclaim a lock whose run directory was deleted without lab-down.
                        owner=$(cat "$NF_LAB_PORT_LOCKS/$p/owner" 2>/dev/null) || continue
                        [ -n "$owner" ] && [ ! -d "$owner" ] || continue
                        rm -rf "${NF_LAB_PORT_LOCKS:?}/$p"
                        mkdir "$NF_LAB_PORT_LOCKS/$p" 2>/dev/null || continue
                fi
                if [ -n "$(ss -Hantu "( sport = :$p )" 2>/dev/null)" ]; then
                        rm -rf "${NF_LAB_PORT_LOCKS:?}/$p"
                        continue
                fi
                echo "$rundir" >"$NF_LAB_PORT_LOCKS/$p/owner"
                echo "$p" >>"$rundir/ports"
                echo "$p"
                return 0
        done
        nf_die "no free port found in 200 tries"
}

nf_release_ports() {
        local rundir=$1 p owner
        [ -f "$rundir/ports" ] || return 0
        while read -r p; do
                [ -n "$p" ] || continue
                owner=$(cat "$NF_LAB_PORT_LOCKS/$p/owner" 2>/dev/null) || continue
                [ "$owner" = "$rundir" ] && rm -rf "${NF_LAB_PORT_LOCKS:?}/$p"
        done <"$rundir/ports"
        rm -f "$rundir/ports"
}

# nf_reserve_ports RUNDIR N -> prints N ports, one a line, like
# nf_reserve_port but with one `ss` snapshot for all of them (scale-up
# reserves hundreds).
nf_reserve_ports() {
        local rundir=$1 n=$2 p owner got=0 tries=0 used
        mkdir -p "$NF_LAB_PORT_LOCKS"
        used=" $(ss -Hantu 2>/dev/null | awk '{n=split($5,a,":"); print a[n]}' | sort -u | tr '\n' ' ') "
        while [ "$got" -lt "$n" ]; do
                tries=$((tries + 1))
                [ "$tries" -le $((n * 4 + 200)) ] || nf_die "no $n free ports found"
                p=$(( 20000 + SRANDOM % 40000 ))
                case $used in *" $p "*) continue ;; esac
                if ! mkdir "$NF_LAB_PORT_LOCKS/$p" 2>/dev/null; then
                        owner=$(cat "$NF_LAB_PORT_LOCKS/$p/owner" 2>/dev/null) || continue
                        [ -n "$owner" ] && [ ! -d "$owner" ] || continue
                        rm -rf "${NF_LAB_PORT_LOCKS:?}/$p"
                        mkdir "$NF_LAB_PORT_LOCKS/$p" 2>/dev/null || continue
                fi
                echo "$rundir" >"$NF_LAB_PORT_LOCKS/$p/owner"
                echo "$p" >>"$rundir/ports"
                echo "$p"
                got=$((got + 1))
        done
}

# nf_write_sim_conf FILE PORT MODULE INITSTR [SERIAL_PORT [STARTCMD [LAN_ADDR]]]:
# ipmi_sim's config for one lab BMC: LAN on LAN_ADDR:PORT (default
# 127.0.0.1), the four users (passwords from NF_LAB_*_PASSWORD or the
# defaults), the module with INITSTR; a system interface for QEMU on
# SERIAL_PORT (always 127.0.0.1); STARTCMD powers the host on.
nf_write_sim_conf() {
        local file=$1 port=$2 module=$3 initstr=$4 serial_port=${5:-} startcmd=${6:-} lan_addr=${7:-127.0.0.1}
        {
                echo "# written by tests/lab/${0##*/}"
                echo 'name "nflab"'
                echo 'set_working_mc 0x20'
                echo '  startlan 1'
                echo "    addr $lan_addr $port"
                echo '    priv_limit admin'
                echo '    allowed_auths_callback none md2 md5 straight'
                echo '    allowed_auths_user none md2 md5 straight'
                echo '    allowed_auths_operator none md2 md5 straight'
                echo '    allowed_auths_admin none md2 md5 straight'
                echo '    guid a123456789abcdefa123456789abcdef'
                echo '  endlan'
                if [ -n "$serial_port" ]; then
                        echo "  serial 15 127.0.0.1 $serial_port codec VM"
                fi
                if [ -n "$startcmd" ]; then
                        echo "  startcmd \"$startcmd\""
                        echo '  startnow true'
                        echo '  poweroff_wait 10'
                        echo '  kill_wait 5'
                fi
                echo '  user 1 true ""         "nf-anon-pw"   user     10 none md2 md5 straight'
                echo "  user 2 true \"admin\"    \"${NF_LAB_ADMIN_PASSWORD:-nf-admin-pw}\"  admin    10 none md2 md5 straight"
                echo "  user 3 true \"operator\" \"${NF_LAB_OPER_PASSWORD:-nf-oper-pw}\"   operator 10 none md2 md5 straight"
                echo "  user 4 true \"user\"     \"${NF_LAB_USER_PASSWORD:-nf-user-pw}\"   user     10 none md2 md5 straight"
                echo "loadlib \"$module\" \"$initstr\""
        } >"$file"
}

# nf_write_sim_emu FILE [SEL_SIZE]: ipmi_sim has no BMC without a command
# file: MC 0x20 with chassis (0x80) and SEL (0x04) support, so Add SEL
# Entry works.  SEL_SIZE (default 1000) is the SEL's capacity in entries;
# a full SEL refuses Add SEL Entry with 0xC4 (out of space) and sets the
# overflow flag of Get SEL Info.
nf_write_sim_emu() {
        local sel_size=${2:-1000}
        case $sel_size in ''|*[!0-9]*) nf_die "SEL size must be a number of entries, not '$sel_size'" ;; esac
        [ "$sel_size" -ge 1 ] && [ "$sel_size" -le 4096 ] || nf_die "SEL size $sel_size out of range 1..4096"
        cat >"$1" <<EOF_EMU
mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 $sel_size 0x0a
mc_enable 0x20
EOF_EMU
}

# The ipmi_sim module: --module, $NF_LAB_MODULE, else a meson build dir.
nf_find_module() {
        local c
        for c in "${NF_LAB_MODULE:-}" \
                 ${NF_LAB_BUILD_DIR:+"$NF_LAB_BUILD_DIR/tests/lab/nf_diag.so"} \
                 "$NF_LAB_SRCROOT/build/tests/lab/nf_diag.so" \
                 "$NF_LAB_SRCROOT"/build-*/tests/lab/nf_diag.so; do
                [ -n "$c" ] && [ -f "$c" ] && { (cd "$(dirname "$c")" && echo "$PWD/${c##*/}"); return 0; }
        done
        return 1
}

# nf_env_set FILE NAME VALUE: append a shell-quoted assignment.
nf_env_set() {
        printf '%s=%q\n' "$2" "$3" >>"$1"
}

# nf_stop_pid NAME PID STARTTIME WAIT_S: SIGTERM, then SIGKILL after WAIT_S
# seconds.  Does nothing when PID is gone or is no longer the process that
# was recorded (starttime differs).  Returns 1 only if it survived SIGKILL.
nf_stop_pid() {
        local name=$1 pid=$2 st=$3 wait_s=$4 deadline
        nf_pid_alive "$pid" "$st" || return 0
        kill -TERM "$pid" 2>/dev/null || return 0
        deadline=$(( $(nf_now_ms) + wait_s * 1000 ))
        while nf_pid_alive "$pid" "$st" && ! nf_pid_zombie "$pid" && [ "$(nf_now_ms)" -lt "$deadline" ]; do
                sleep 0.1
        done
        nf_pid_alive "$pid" "$st" && ! nf_pid_zombie "$pid" || return 0
        nf_log "$name ($pid) ignored SIGTERM for ${wait_s}s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null
        sleep 0.2
        if nf_pid_alive "$pid" "$st" && ! nf_pid_zombie "$pid"; then
                nf_log "$name ($pid) survived SIGKILL"
                return 1
        fi
        return 0
}

# nf_pid_zombie PID: exited but not reaped (here PID 1 may reap late), so
# it no longer counts as running.
nf_pid_zombie() {
        local stat
        stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
        stat=${stat##*) }
        [ "${stat%% *}" = Z ]
}

# nf_live_pids NAME...: PIDs of running (not zombie) processes with exactly
# this comm (cut to the kernel's 15 characters, so pacemaker-controld is
# matched as pacemaker-contr), for "nothing of ours is left" checks.
nf_live_pids() {
        local n p
        for n in "$@"; do
                for p in $(pgrep -x "${n:0:15}"); do
                        nf_pid_zombie "$p" || echo "$p"
                done
        done
}

# The test cluster's machine-wide lock (cluster-up): a directory whose
# "owner" file names the RUNDIR of the cluster holding it.
: "${NF_CLUSTER_LOCK:=/run/nmifence-cluster}"

# nf_cluster_owner: print the RUNDIR whose test cluster holds the lock and
# is alive (its recorded corosync or pacemakerd runs, or it is still
# starting: cluster.pids younger than 120 s without them); print nothing
# when the lock is free or stale.
nf_cluster_owner() {
        local owner name pid st age
        owner=$(cat "$NF_CLUSTER_LOCK/owner" 2>/dev/null) || return 0
        # mcluster-up's clusters: any recorded process (holders, daemons).
        if [ -f "$owner/mcluster.pids" ]; then
                while read -r name pid st; do
                        nf_pid_alive "$pid" "$st" && { echo "$owner"; return 0; }
                done <"$owner/mcluster.pids"
                return 0
        fi
        [ -f "$owner/cluster.pids" ] || return 0
        while read -r name pid st; do
                case $name in
                corosync|pacemakerd) nf_pid_alive "$pid" "$st" && { echo "$owner"; return 0; } ;;
                esac
        done <"$owner/cluster.pids"
        if ! grep -q '^corosync ' "$owner/cluster.pids"; then
                age=$(( $(date +%s) - $(stat -c %Y "$owner/cluster.pids") ))
                [ "$age" -lt 120 ] && echo "$owner"
        fi
        return 0
}

# nf_dir_attrs_save FILE DIR...: append "mode uid gid mtime DIR" for each
# DIR (mode with five digits, so chmod also clears set-id bits added since),
# or "absent - - - DIR", for nf_dir_attrs_restore.  List parents before
# their subdirectories.
nf_dir_attrs_save() {
        local file=$1 d
        shift
        for d in "$@"; do
                if [ -d "$d" ]; then
                        stat -c '%05a %u %g %.9Y %n' "$d"
                else
                        echo "absent - - - $d"
                fi
        done >>"$file"
}

# nf_dir_attrs_restore FILE: put back what nf_dir_attrs_save recorded, last
# line first, so a parent's mtime is set after anything below it changed.
# A directory that was absent is removed when empty.  Returns 1 if
# something could not be put back.
nf_dir_attrs_restore() {
        local file=$1 mode uid gid mtime d rc=0
        while read -r mode uid gid mtime d; do
                [ -n "$d" ] || continue
                if [ "$mode" = absent ]; then
                        [ ! -d "$d" ] || rmdir "$d" 2>/dev/null ||
                                { nf_log "$d appeared during the run and is not empty; left"; rc=1; }
                elif ! { chown "$uid:$gid" "$d" && chmod "$mode" "$d" && touch -m -d "@$mtime" "$d"; }; then
                        nf_log "cannot restore owner/mode/mtime of $d"
                        rc=1
                fi
        done < <(tac "$file")
        return $rc
}

# nf_stop_pacemakerd PID STARTTIME WAIT_S ["NAME PID STARTTIME"...]: stop a
# pacemakerd of ours; it stops its children itself (SIGKILL after WAIT_S).
# A child left behind is stopped only if it is one of ours: given as an
# argument (recorded at start-up), or a child of this pacemakerd seen just
# before the SIGTERM (pacemakerd respawns children that die, so the list
# is taken again right then).  Returns 1 if something survived.
nf_stop_pacemakerd() {
        local pid=$1 st=$2 wait_s=$3 c cst name p pst rc=0
        shift 3
        local children=("$@")
        if nf_pid_alive "$pid" "$st"; then
                for c in $(pgrep -P "$pid"); do
                        cst=$(nf_proc_starttime "$c") && children+=("$(cat "/proc/$c/comm" 2>/dev/null) $c $cst")
                done
                nf_stop_pid pacemakerd "$pid" "$st" "$wait_s" || rc=1
        fi
        for c in "${children[@]}"; do
                read -r name p pst <<<"$c"
                if nf_pid_alive "$p" "$pst" && ! nf_pid_zombie "$p"; then
                        nf_log "$name ($p) outlived pacemakerd, stopping it"
                        nf_stop_pid "$name" "$p" "$pst" 10 || rc=1
                fi
        done
        return $rc
}

# nf_remove_agent_links CDIR: remove the fence agent symlinks
# cluster-install-agent listed in CDIR/agents ("<link> <target>"), only
# while they still point where it pointed them.
nf_remove_agent_links() {
        local link target
        [ -f "$1/agents" ] || return 0
        while read -r link target; do
                [ -n "$link" ] || continue
                if [ -L "$link" ] && [ "$(readlink "$link")" = "$target" ]; then
                        rm -f "$link"
                else
                        nf_log "$link no longer points to $target; left alone"
                fi
        done <"$1/agents"
        mv "$1/agents" "$1/agents.removed"
}
