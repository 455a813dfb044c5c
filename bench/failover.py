# SPDX-License-Identifier: GPL-2.0-or-later
"""Failover benchmark: how long a three-node Pacemaker cluster needs, from
the moment a node hangs, to fence it, to run its resource on a survivor,
what becomes of the node's crash dump, and when the node is back.

Each row is one fresh cluster (tests/lab/mcluster-up --ns-guest): nf-node1
and nf-node2 and nf-guest, all corosync 3 + Pacemaker in namespaces on the
lab bridge.  nf-guest's host is the lab module's simulated kdump target
(tests/lab/bmc-up --sim, the BMC in nf-guest's network namespace on
10.99.0.3: a BMC sharing the node's NIC).  Its cluster daemons are tied to
the simulated host by following the host's sim.log (class PowerTie): the
NMI (kexec into the capture kernel), a power off or a reset kill them
(SIGKILL: the old kernel and its processes are gone); "booting -> running"
starts them again on a clean /run and /dev/shm (a new boot).  The hang is
SIGSTOP of all its cluster processes (what a hung kernel looks like to the
cluster) plus the module's hang trigger (its watchdog pets stop).  A node
whose kernel's own lockup detector panics it (softlockup_panic) is modelled
by a diag NMI at hang + --lockup s while the host still hangs.

Configured with crmsh as docs/pacemaker.md shows: an ocf:pacemaker:Dummy
that prefers nf-guest, fence devices kept off nf-guest, stonith-enabled.
Times are CLOCK_MONOTONIC seconds after the hang; the cluster's view is
polled (crm_mon, stonith_admin --history, about every 0.5 s), the host's
events (NMI, dump-start, dump-done, power) come stamped from sim.log.
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lablib  # noqa: E402

GUEST = "nf-guest"
SURVIVORS = ("nf-node1", "nf-node2")
GUEST_ADDR = "10.99.0.3"

TOPOLOGIES = {
    "qemu-power": "fence_nmi release=power, QEMU Debian guest (kdump-tools)",
    "qemu-capture": "fence_nmi release=capture, QEMU Debian guest (kdump-tools)",
    "ipmilan": "fence_ipmilan reboot",
    "kdump": "fence_kdump (level 1) + fence_ipmilan (level 2)",
    "nmi-power": "fence_nmi release=power (+ fence_ipmilan level 2)",
    "nmi-capture": "fence_nmi release=capture (+ fence_ipmilan level 2)",
}


def log(msg):
    print(f"failover: {msg}", file=sys.stderr, flush=True)


def run(cmd, timeout=60, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout, **kw)


def starttime(pid):
    """/proc/PID/stat field 22, as tests/lab/lib.sh nf_proc_starttime."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def descendants(pids):
    """PIDS and every process below them (by PPid)."""
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(d))
    out, todo = [], list(pids)
    while todo:
        p = todo.pop()
        if p not in out:
            out.append(p)
            todo.extend(kids.get(p, []))
    return out


class PowerTie(threading.Thread):
    """nf-guest's corosync and pacemakerd follow the simulated host's power
    (its sim.log).  Knows the daemons by PID and start time; records the ones
    it starts in mcluster.pids, so mcluster-down stops them too."""

    def __init__(self, a, rundir, env, mc):
        super().__init__(daemon=True)
        self.a, self.rundir, self.mc = a, rundir, mc
        self.simlog = env["NF_LAB_SIM_HOST_LOG"]
        self.holder = mc["NF_MC_GUEST_PID"]
        self.daemons = {}       # name -> (pid, starttime)
        self.children = []      # Popen objects to reap
        with open(os.path.join(rundir, "mcluster.pids")) as f:
            for line in f:
                w = line.split()
                if len(w) == 3 and w[0].endswith("@" + GUEST):
                    self.daemons[w[0].split("@")[0]] = (int(w[1]), w[2])
        self.pos = os.path.getsize(self.simlog)
        self.stop_ev = threading.Event()
        self.lock = threading.Lock()
        self.events = []        # (monotonic, what)
        self.errors = []

    def pids(self):
        alive = [p for p, st in self.daemons.values() if starttime(p) == st]
        return descendants(alive)

    def signal_all(self, sig):
        with self.lock:
            for p in self.pids():
                try:
                    os.kill(p, sig)
                except ProcessLookupError:
                    pass

    def freeze(self):
        self.signal_all(signal.SIGSTOP)

    def crash(self, why):
        self.signal_all(signal.SIGKILL)
        self.events.append((time.monotonic(), "daemons killed: " + why))

    def record(self, name, pid):
        st = starttime(pid)
        self.daemons[name] = (pid, st)
        with open(os.path.join(self.rundir, "mcluster.pids"), "a") as f:
            f.write(f"{name}@{GUEST} {pid} {st}\n")

    def nsenter(self, *cmd):
        return ["nsenter", "-t", self.holder, "-n", "-m", "-u", "--"] + list(cmd)

    def boot(self):
        d = os.path.join(self.mc["NF_MC_DIR"], GUEST)
        # A new boot: empty /run and /dev/shm, only in the node's own tmpfs.
        r = run(["nsenter", "-t", self.holder, "-m", "--", "sh", "-euc", """
                findmnt -n -o SOURCE /run | grep -qx nf-run && findmnt -n -o SOURCE /dev/shm | grep -qx nf-shm
                rm -rf /run/* /dev/shm/*
                mkdir -p /run/lock /run/resource-agents /run/crm /run/pacemaker
                chown hacluster:haclient /run/crm /run/pacemaker"""], timeout=20)
        if r.returncode != 0:
            self.errors.append("clean /run: " + r.stdout.strip())
            return
        with self.lock:
            out = open(os.path.join(d, "corosync.out"), "a")
            p = subprocess.Popen(self.nsenter("corosync", "-f", "-c", os.path.join(d, "corosync.conf")),
                                 stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True)
            self.children.append(p)
            self.record("corosync", p.pid)
        end = time.monotonic() + 30
        while time.monotonic() < end:
            q = run(self.nsenter("corosync-quorumtool", "-s"), timeout=10)
            if q.returncode == 0 or "Quorate: " in q.stdout:
                break
            time.sleep(0.2)
        with self.lock:
            out = open(os.path.join(d, "pacemakerd.out"), "a")
            p = subprocess.Popen(self.nsenter("env", f"PCMK_logfile={d}/log/pacemaker.log", "PCMK_logfacility=none",
                                              "PCMK_debug=no", "pacemakerd", "-f"),
                                 stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True)
            self.children.append(p)
            self.record("pacemakerd", p.pid)
        self.events.append((time.monotonic(), "daemons started"))

    def run(self):
        buf = ""
        while not self.stop_ev.is_set():
            with open(self.simlog) as f:
                f.seek(self.pos)
                data = f.read()
                self.pos = f.tell()
            buf += data
            while "\n" in buf:
                line, buf = buf.split("\n", 1)
                try:
                    if re.search(r"-> capture:|power off by=|reset by=", line):
                        self.crash(line.split(" ", 1)[1])
                    elif "state booting -> running" in line:
                        self.boot()
                except Exception as e:  # keep following: the row reports it
                    self.errors.append(f"{line}: {e}")
            for c in self.children:
                c.poll()
            time.sleep(0.05)

    def stop(self):
        self.stop_ev.set()
        self.join(10)


def sim_events(path, t0):
    """The simulated host's events after T0 (monotonic s): name -> [s after T0]."""
    ev = {}
    pats = {
        "nmi": r"^nmi state=(running|hung) action=panic",
        "nmi_any": r"^nmi ",
        "dump_start": r"^sel dump-start",
        "dump_done": r"^sel dump-done",
        "progress": r"^sel progress",
        "off_cmd": r"^power off by=command",
        "on_cmd": r"^power on by=command",
        "off_host": r"^power off by=host",
        "reset_host": r"^reset by=host",
        "running": r"^state booting -> running",
        "hung": r"-> hung:",
    }
    with open(path) as f:
        for line in f:
            w = line.rstrip("\n").split(" ", 1)
            try:
                t = float(w[0])
            except ValueError:
                continue
            if t < t0 or len(w) < 2:
                continue
            for k, p in pats.items():
                if re.search(p, w[1]):
                    ev.setdefault(k, []).append(round(t - t0, 2))
    return ev


def power_after(ev, d_done):
    """Who switched the power after dump-done, and whether that was a
    verified power cycle: an off (the fence's, or the host's own poweroff
    the fence saw) and then the fence's power on."""
    seq = sorted((x, k) for k in ("off_cmd", "off_host", "on_cmd", "reset_host") for x in ev.get(k, [])
                 if d_done is not None and x >= d_done)
    names = {"off_cmd": "fence off", "off_host": "host off", "on_cmd": "fence on", "reset_host": "host reboot"}
    kinds = [k for _, k in seq]
    cycle = "on_cmd" in kinds and any(k in ("off_cmd", "off_host") for k in kinds[:kinds.index("on_cmd")])
    return ", ".join(names[k] for k in kinds) or "-", cycle


class Row:
    def __init__(self, a, topo, dump_s, idx):
        self.a, self.topo, self.dump_s = a, topo, dump_s
        self.rundir = tempfile.mkdtemp(prefix=f"row{idx}-{topo}-{dump_s}s.", dir=a.work)
        self.lab = os.path.join(a.root, "tests", "lab")
        self.res = {"topology": topo, "dump_s": dump_s}

    def exec(self, node, *cmd, timeout=30):
        return run([os.path.join(self.lab, "mcluster-exec"), self.rundir, node] + list(cmd), timeout=timeout)

    def wait_lock(self):
        end = time.monotonic() + self.a.lock_wait
        while time.monotonic() < end:
            r = run(["bash", "-c", '. "$1/lib.sh"; nf_cluster_owner', "_", self.lab])
            if not r.stdout.strip():
                return None
            time.sleep(5)
        return f"another test cluster holds the lock ({r.stdout.strip()})"

    def view(self):
        """crm_mon of a survivor: ({node: online|offline|unclean}, [nodes dummy runs on])."""
        for n in SURVIVORS:
            try:
                r = self.exec(n, "crm_mon", "-1", "--output-as=xml", timeout=10)
            except subprocess.TimeoutExpired:
                continue
            if r.returncode != 0:
                continue
            try:
                root = ET.fromstring(r.stdout[r.stdout.index("<"):])
            except (ValueError, ET.ParseError):
                continue
            nodes = {}
            for nd in root.iter("node"):
                if nd.get("online") is not None and nd.get("name"):
                    s = "online" if nd.get("online") == "true" else "offline"
                    if nd.get("unclean") == "true":
                        s = "unclean"
                    nodes[nd.get("name")] = s
            where = []
            for rs in root.iter("resource"):
                if rs.get("id") == "dummy" and rs.get("role") == "Started":
                    where += [x.get("name") for x in rs.iter("node")]
            return nodes, where
        return None, None

    def fenced(self):
        try:
            r = self.exec(SURVIVORS[0], "stonith_admin", "--history", GUEST, "--output-as=xml", timeout=10)
        except subprocess.TimeoutExpired:
            return False
        return 'status="success"' in r.stdout

    def sim(self, *opts):
        base = [f"boot_time={self.a.boot}", f"panic_delay={self.a.panic_delay}", f"dump_time={self.dump_s}",
                "progress=4", "off_delay=1"]
        out = []
        for o in base + list(opts):
            out += ["--sim", o]
        return out

    def crm_config(self, env):
        bmc = (f"ip={env['NF_LAB_BMC_HOST']} ipport={env['NF_LAB_BMC_PORT']} username={env['NF_LAB_USER']} "
               f"password_script=\"cat {self.rundir}/bmc.pw\" lanplus=1 cipher={env['NF_LAB_CIPHER']}")
        ipmi = (f"primitive fence-guest-ipmi stonith:fence_ipmilan params {bmc} method=onoff "
                f"pcmk_host_list={GUEST} op monitor interval=60s timeout=60s\n"
                f"location l-fence-guest-ipmi fence-guest-ipmi -inf: {GUEST}\n")
        if self.topo == "ipmilan":
            dev = ipmi
        elif self.topo == "kdump":
            # fence_kdump as its documentation configures it: off only,
            # level 1 before the power fence; listening on nf-node1, where
            # the capture kernel's fence_kdump_send sends (kdump_to).
            dev = (f"primitive fence-guest-kdump stonith:fence_kdump params pcmk_host_list={GUEST} "
                   f"pcmk_reboot_action=off "
                   f"op monitor interval=60s timeout=60s\n"
                   f"location l-fence-guest-kdump fence-guest-kdump rule -inf: #uname ne {SURVIVORS[0]}\n"
                   + ipmi + f"fencing_topology {GUEST}: fence-guest-kdump fence-guest-ipmi\n")
        else:
            release = "release=capture" if self.topo == "nmi-capture" else ""
            dev = (f"primitive fence-guest-nmi stonith:{self.agent} params {bmc} "
                   f"ipmi_workarounds={env['NF_LAB_FREEIPMI_WORKAROUNDS']} nmi_timeout=60 dump_stall_timeout=180 "
                   f"dump_max_time=900 power_timeout=60 pcmk_host_list={GUEST} pcmk_reboot_timeout=1200s "
                   f"pcmk_off_timeout=1200s debug_file={self.rundir}/fence_nmi.debug {release} "
                   f"op monitor interval=60s timeout=60s\n"
                   f"location l-fence-guest-nmi fence-guest-nmi -inf: {GUEST}\n"
                   + ipmi + f"fencing_topology {GUEST}: fence-guest-nmi fence-guest-ipmi\n")
        text = ("configure\n" + dev +
                "primitive dummy ocf:pacemaker:Dummy op monitor interval=10s\n"
                f"location l-dummy-guest dummy 100: {GUEST}\n"
                "property stonith-enabled=true stonith-timeout=1300s\ncommit\n")
        path = os.path.join(self.rundir, "cluster.crm")
        with open(path, "w") as f:
            f.write(text)
        r = self.exec(SURVIVORS[0], "crm", "-f", path, timeout=120)
        return None if r.returncode == 0 else "crm configure: " + r.stdout.strip()[-300:]

    def start_nmifenced(self):
        """nmifenced on each survivor (tests/lab/mcluster-nmifenced), which
        takes the rest of a release=capture fence over (docs/pacemaker.md):
        nf-guest in its configuration with policy alert, so the daemon never
        fences it on its own; its control socket at the default path, in
        each node's own /run."""
        env = self.env
        for n in SURVIVORS:
            conf = os.path.join(self.rundir, f"nmifenced-{n}.conf")
            state = os.path.join(self.rundir, f"agent-state-{n}")
            with open(conf, "w") as f:
                f.write(f"""defaults = {{ cipher_suite = 3; workarounds = "{env['NF_LAB_FREEIPMI_WORKAROUNDS']}";
  privilege = "admin"; user = "{env['NF_LAB_USER']}"; password_file = "{self.rundir}/bmc.pw";
  dump_stall_timeout = 180.0; dump_max_time = 900.0; }};
hosts = ( {{ name = "{GUEST}"; bmc = "{env['NF_LAB_BMC_HOST']}"; port = {env['NF_LAB_BMC_PORT']}; policy = "alert"; }} );
daemon = {{ poll_interval = 1; control_socket = "/run/nmifence/nmifenced.sock"; state_dir = "{state}"; }};
""")
            # tests/lab/mcluster-nmifenced: recorded in mcluster.pids (stopped
            # by mcluster-down), returns once the control socket is there.
            r = run([os.path.join(self.lab, "mcluster-nmifenced"), self.rundir, n,
                     os.path.join(self.a.build, "agent", "nmifenced"), conf, state, "--timeout", "20"],
                    timeout=60)
            if r.returncode != 0:
                return f"nmifenced on {n}: {r.stdout.strip()[-300:]} (see nmifenced-{n}.log)"
        return None

    def wait_for(self, what, pred, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            nodes, where = self.view()
            if nodes is not None and pred(nodes, where):
                return None
            time.sleep(1)
        return f"timeout waiting for {what}"

    def setup(self):
        a = self.a
        err = self.wait_lock()
        if err:
            return err
        up = run([os.path.join(self.lab, "mcluster-up"), self.rundir, "--ns-guest", "--timeout", "180",
                  "--env", f"NMIFENCE_STATE_DIR={self.rundir}/agent-state-%n"], timeout=300)
        if up.returncode != 0:
            return "mcluster-up: " + up.stdout.strip().splitlines()[-1]
        self.mc = lablib.load_env(os.path.join(self.rundir, "mcluster.env"))
        for n in SURVIVORS:
            os.makedirs(os.path.join(self.rundir, f"agent-state-{n}"), exist_ok=True)
        # The nodes' names resolve as in a real cluster (fence_kdump needs
        # the target's address): a hosts file bound in each node's own mount
        # namespace.
        hosts = os.path.join(self.rundir, "hosts")
        with open("/etc/hosts") as src, open(hosts, "w") as f:
            f.write(src.read() + "".join(f"10.99.0.{i} {n}\n" for i, n in
                                         ((1, SURVIVORS[0]), (2, SURVIVORS[1]), (3, GUEST))))
        for n in SURVIVORS + (GUEST,):
            r = self.exec(n, "mount", "--bind", hosts, "/etc/hosts")
            if r.returncode != 0:
                return f"hosts file in {n}: {r.stdout.strip()}"
        opts = ["after_dump=reboot"] if self.topo in ("ipmilan", "kdump") else ["after_dump=off"]
        if self.topo == "kdump":
            opts += [f"kdump_to=10.99.0.1:7410", f"kdump_from={GUEST_ADDR}", "kdump_interval=10"]
        r = self.exec(GUEST, "env", f"NF_LAB_BUILD_DIR={a.build}", os.path.join(self.lab, "bmc-up"), self.rundir,
                      "--lan-addr", GUEST_ADDR, *self.sim(*opts), timeout=60)
        if r.returncode != 0:
            return "bmc-up: " + r.stdout.strip()[-300:]
        self.env = lablib.load_env(os.path.join(self.rundir, "env"))
        with open(os.path.join(self.rundir, "bmc.pw"), "w") as f:
            os.fchmod(f.fileno(), 0o600)
            f.write(self.env["NF_LAB_PASSWORD"] + "\n")
        end = time.monotonic() + 30
        while "state booting -> running" not in open(self.env["NF_LAB_SIM_HOST_LOG"]).read():
            if time.monotonic() > end:
                return "the simulated host did not boot"
            time.sleep(0.2)
        self.tie = PowerTie(a, self.rundir, self.env, self.mc)
        self.tie.start()
        if self.topo.startswith("nmi"):
            r = self.exec(SURVIVORS[0], os.path.join(self.lab, "cluster-install-agent"), self.rundir,
                          os.path.join(a.build, "agent", "fence_nmi"), "nmi", timeout=60)
            if r.returncode != 0:
                return "cluster-install-agent: " + r.stdout.strip()[-300:]
            self.agent = r.stdout.strip().splitlines()[-1]
        if self.topo == "nmi-capture":
            err = self.start_nmifenced()
            if err:
                return err
        err = self.crm_config(self.env)
        if err:
            return err
        return (self.wait_for("dummy on nf-guest, all online",
                              lambda n, w: w == [GUEST] and all(n.get(x) == "online" for x in SURVIVORS + (GUEST,)),
                              120))

    def measure(self):
        a = self.a
        limit = 60 + self.dump_s + a.boot + a.panic_delay + 240
        time.sleep(a.settle)
        t0 = time.monotonic()
        self.tie.freeze()
        open(self.env["NF_LAB_HANG_FILE"], "w").close()
        t = {}
        lockup_done = False
        while time.monotonic() - t0 < limit:
            now = round(time.monotonic() - t0, 2)
            nodes, where = self.view()
            if nodes is not None:
                g = nodes.get(GUEST)
                if "lost" not in t and g != "online":
                    t["lost"] = now
                if "survivor" not in t and any(x in SURVIVORS for x in where):
                    t["survivor"] = now
                if "lost" in t and "back" not in t and g == "online":
                    t["back"] = now
            if "fenced" not in t and self.fenced():
                t["fenced"] = round(time.monotonic() - t0, 2)
            if a.lockup and not lockup_done and time.monotonic() - t0 >= a.lockup:
                lockup_done = True
                ev = sim_events(self.env["NF_LAB_SIM_HOST_LOG"], t0)
                if "nmi_any" not in ev and "off_cmd" not in ev and "reset_host" not in ev:
                    # The node's own lockup detector panics it.
                    self.exec(GUEST, *self.env["NF_LAB_IPMITOOL"].split(), "chassis", "power", "diag", timeout=20)
                    t["self_panic"] = round(time.monotonic() - t0, 2)
            if "back" in t and "fenced" in t:
                break
            time.sleep(0.3)
        t["end"] = round(time.monotonic() - t0, 2)
        return t0, t

    def collect(self, t0, t):
        ev = sim_events(self.env["NF_LAB_SIM_HOST_LOG"], t0)
        res = self.res
        res.update({"t": t, "host": {k: v for k, v in ev.items() if k != "nmi_any"}})
        with open(self.env["NF_LAB_NMI_LOG"]) as f:
            res["bmc_nmis"] = sum(1 for _ in f)
        first = lambda k: ev.get(k, [None])[0]  # noqa: E731
        d_start, d_done = first("dump_start"), first("dump_done")
        cut = [x for x in ev.get("off_cmd", []) + ev.get("reset_host", []) + ev.get("off_host", [])
               if d_start is not None and x >= d_start]
        if d_done is not None:
            fate = "complete"
        elif d_start is not None:
            n = len([x for x in ev.get("progress", []) if cut and x < min(cut)])
            fate = f"cut off ({n}/4 progress)"
        else:
            fate = "none (no panic)"
        res["dump"] = fate
        res["dump_start"], res["dump_done"] = d_start, d_done
        res["power_after_dump"], res["power_cycle_after_dump"] = power_after(ev, d_done)
        dbg = os.path.join(self.rundir, "fence_nmi.debug")
        if os.path.exists(dbg):
            m = re.findall(r"dump result: .*", open(dbg, errors="replace").read())
            res["fence_nmi_result"] = m[-1] if m else None
        logs = []
        for n in SURVIVORS:
            p = os.path.join(self.mc["NF_MC_DIR"], n, "log", "pacemaker.log")
            if os.path.exists(p):
                logs += open(p, errors="replace").read().splitlines()
        by = sorted({m.group(1) for m in (re.search(rf"targeting {GUEST} using (\S+) returned 0", x)
                                          for x in logs) if m})
        res["fenced_by"] = ",".join(by) or "-"
        res["tie_errors"] = self.tie.errors
        h = self.exec(SURVIVORS[1], "stonith_admin", "--history", GUEST, "--verbose", "--output-as=xml")
        with open(os.path.join(self.rundir, "history.xml"), "w") as f:
            f.write(h.stdout)

    def teardown(self):
        if getattr(self, "tie", None):
            self.tie.stop()
        if os.path.exists(os.path.join(self.rundir, "mcluster.pids")):
            r = run([os.path.join(self.lab, "mcluster-down"), self.rundir], timeout=400)
            if r.returncode != 0:
                self.res["teardown"] = r.stdout.strip()[-300:]
        for c in getattr(getattr(self, "tie", None), "children", []):
            c.poll()

    def go(self):
        try:
            err = self.setup()
            if err:
                self.res["error"] = err
                return self.res
            t0, t = self.measure()
            self.collect(t0, t)
        except subprocess.TimeoutExpired as e:
            self.res["error"] = f"timeout: {e.cmd[:3]}"
        finally:
            self.teardown()
        return self.res


def qemu_row(timeline):
    """A row from tests/e2e/cluster-fence.sh's RUN/timeline.env (ms,
    CLOCK_MONOTONIC): the Debian QEMU guest with real kdump-tools."""
    env = lablib.load_env(timeline)
    h = int(env["t_hang"])
    rel = lambda k: round((int(env[k]) - h) / 1000, 1) if env.get(k) else None  # noqa: E731
    scen = env.get("scenario", "power")
    return {"topology": "qemu-" + scen, "dump_s": "real", "source": timeline,
            "t": {"lost": rel("t_lost"), "fenced": rel("t_fenced"), "survivor": rel("t_survivor"),
                  "back": rel("t_back")},
            "host": {"nmi": [rel("t_nmi")]}, "dump_start": None, "dump_done": rel("t_dumpdone"),
            "dump": "complete" if env.get("t_dumpdone") else "-",
            "power_cycle_after_dump": bool(env.get("t_cycle") and env.get("t_dumpdone") and
                                           int(env["t_cycle"]) > int(env["t_dumpdone"])),
            "bmc_nmis": 1 if env.get("t_nmi") else 0, "fenced_by": "fence-guest-nmi"}


def run_qemu(a):
    """tests/e2e/cluster-fence.sh SCENARIO: its timeline row, or an error row."""
    r = run(["env", f"NF_LAB_BUILD_DIR={a.build}", os.path.join(a.root, "tests", "e2e", "cluster-fence.sh"),
             os.path.join(a.build, "agent", "fence_nmi"), os.path.join(a.build, "target", "nmifence-target"),
             a.qemu], timeout=3900)
    m = re.search(r"^run directory: (\S+)$", r.stdout, re.M)
    tl = m and os.path.join(m.group(1), "timeline.env")
    with open(os.path.join(a.work, "qemu-e2e.out"), "w") as f:
        f.write(r.stdout)
    if r.returncode != 0 or not tl or not os.path.exists(tl):
        return {"topology": "qemu-" + a.qemu, "dump_s": "real",
                "error": f"cluster-fence.sh {a.qemu}: exit {r.returncode} (see {a.work}/qemu-e2e.out)"}
    return qemu_row(tl)


def fmt(v):
    return "-" if v is None else f"{v:.1f}"


def table(rows):
    base = {r["dump_s"]: r["t"].get("survivor") for r in rows
            if r["topology"] == "ipmilan" and "t" in r}
    out = ["| topology | dump | (a) fenced | (b) resource on survivor | (b) / fence_ipmilan's | "
           "NMI / dump-start | (c) dump | dump-done | power after dump-done | BMC NMIs | (d) back in cluster | fenced by |",
           "|---|---:|---:|---:|---:|---:|---|---:|---|---:|---:|---|"]
    for r in rows:
        name = TOPOLOGIES[r["topology"]]
        dump = f"{r['dump_s']} s" if isinstance(r["dump_s"], int) else r["dump_s"]
        if "t" not in r:
            out.append(f"| {name} | {dump} | {r.get('error', 'pending')} |||||||||||")
            continue
        t, h = r["t"], r["host"]
        b, bb = t.get("survivor"), base.get(r["dump_s"])
        ratio = f"{b / bb:.2f}" if b and bb else "-"
        nmi = h.get("nmi", [None])[0]
        nmi_s = fmt(nmi) + (" (self)" if "self_panic" in t else "")
        out.append(f"| {name} | {dump} | {fmt(t.get('fenced'))} | {fmt(b)} | {ratio} | "
                   f"{nmi_s} / {fmt(r['dump_start'])} | {r['dump']} | {fmt(r['dump_done'])} | "
                   f"{power_after(h, r['dump_done'])[0]} | {r['bmc_nmis']} | "
                   f"{fmt(t.get('back'))} | {r['fenced_by']} |")
    return "\n".join(out)


def on_term(*_):
    """TERM (timeout(1), meson's hard limit, bench/run): unwind, so the
    row's teardown runs.  Once only: a second TERM (timeout(1) signals the
    whole process group, and bench/run then its benchmark) would abort
    the teardown itself and leave the cluster's namespaces behind."""
    signal.signal(signal.SIGTERM, lambda *_: None)
    sys.exit(124)


def main():
    signal.signal(signal.SIGTERM, on_term)
    ap = lablib.lab_args(__doc__.splitlines()[0])
    ap.add_argument("--topologies", default="ipmilan,kdump,nmi-power,nmi-capture")
    ap.add_argument("--dumps", default="10,90", help="dump durations, s")
    ap.add_argument("--boot", type=float, default=10, help="simulated boot, s")
    ap.add_argument("--panic-delay", type=float, default=5, help="NMI -> dump-start, s")
    ap.add_argument("--lockup", type=float, default=20,
                    help="the node's own lockup detector panics it after s (0: never)")
    ap.add_argument("--settle", type=float, default=5, help="s of quiet before the hang")
    ap.add_argument("--lock-wait", type=float, default=900, help="s to wait for another test cluster")
    ap.add_argument("--qemu", choices=("power", "capture"),
                    help="also run tests/e2e/cluster-fence.sh SCENARIO (the QEMU guest) and add its timeline")
    ap.add_argument("--qemu-timeline", help="add the row of an earlier cluster-fence.sh run (RUN/timeline.env)")
    ap.add_argument("--json")
    a = ap.parse_args()
    a.build, a.root, a.work = (os.path.abspath(x) for x in (a.build, a.root, a.work))
    os.makedirs(a.work, exist_ok=True)
    topos = [x for x in a.topologies.split(",") if x]
    for x in topos:
        if x not in TOPOLOGIES:
            sys.exit(f"failover: unknown topology {x}")
    fence_nmi = os.path.join(a.build, "agent", "fence_nmi")
    meta = run([fence_nmi, "-o", "metadata"]).stdout
    nmifenced_adopt = b"adopt" in open(os.path.join(a.build, "agent", "nmifenced"), "rb").read()
    rows, idx = [], 0
    for dump_s in [int(x) for x in a.dumps.split(",")]:
        for topo in topos:
            idx += 1
            if topo == "nmi-capture" and not ('parameter name="release"' in meta and nmifenced_adopt):
                rows.append({"topology": topo, "dump_s": dump_s,
                             "error": "pending: needs the release point and nmifenced adopt"})
                continue
            log(f"row {idx}: {TOPOLOGIES[topo]}, dump {dump_s} s")
            r = Row(a, topo, dump_s, idx).go()
            log(json.dumps(r))
            rows.append(r)
    if a.qemu:
        log(f"QEMU row: tests/e2e/cluster-fence.sh {a.qemu}")
        rows.append(run_qemu(a))
    if a.qemu_timeline:
        rows.append(qemu_row(a.qemu_timeline))
    print(table(rows))
    print()
    print(f"Times: s after the hang (SIGSTOP of nf-guest's cluster processes); cluster view polled "
          f"~0.5 s. Simulated host: boot {a.boot:g} s, NMI -> dump-start {a.panic_delay:g} s, " +
          (f"lockup detector panic at {a.lockup:g} s while still hung (\"(self)\")" if a.lockup
             else "no lockup detector panic") + ", token 3000 ms.")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"rows": rows, "params": vars(a)}, f, indent=1)
    return 0 if all("t" in r or str(r.get("error", "")).startswith("pending") for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
