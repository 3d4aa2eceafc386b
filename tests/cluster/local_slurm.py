"""A throw-away single-node SLURM cluster, to run sweeps through ``hydra/launcher=submitit_slurm``.

Everything it writes lives in one scratch directory: ``slurm.conf``, a munge key and socket,
state, spool, logs and pid files. Nothing goes into ``/etc/slurm`` or ``/etc/munge``, and the
daemons (``munged``, ``slurmctld``, ``slurmd``) run in the foreground as children of this
process on free ports, so an existing cluster on the machine is never touched: when one is
configured (``/etc/slurm/slurm.conf``) or a SLURM daemon is running, :func:`start` refuses.
Client commands (``sbatch``, ``squeue``, ``scancel``) find the cluster through ``SLURM_CONF``.

Needs root (SlurmUser=root). Installs the Debian packages ``slurm-wlm`` and ``munge`` with
apt-get when ``slurmctld`` is missing. From the command line::

    python tests/cluster/local_slurm.py start /tmp/slurm   # prints: export SLURM_CONF=...
    SLURM_CONF=/tmp/slurm/slurm.conf sinfo
    python tests/cluster/local_slurm.py stop /tmp/slurm    # stops the daemons it started
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

PACKAGES = ("slurm-wlm", "munge")
DAEMONS = ("munged", "slurmctld", "slurmd")
SYSTEM_CONF = Path("/etc/slurm/slurm.conf")
PARTITION = "cpu"
STATE = "cluster.json"  # pids of the daemons this script started, for `stop`
SBIN = ("/usr/sbin", "/usr/bin", "/sbin")


class ClusterUnavailable(RuntimeError):
    """This machine cannot host the throw-away cluster (not root, no apt, a cluster exists)."""


@dataclass
class LocalSlurm:
    """A running throw-away cluster: its scratch directory and the daemons it started."""

    directory: Path
    pids: dict[str, int] = field(default_factory=dict)

    @property
    def conf(self) -> Path:
        return self.directory / "slurm.conf"

    @property
    def env(self) -> dict[str, str]:
        """Environment for client commands and the submitting ``p4p-sim`` process."""
        return {**os.environ, "SLURM_CONF": str(self.conf)}

    def run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        """A SLURM client command (``squeue``, ``scancel``...) against this cluster."""
        return subprocess.run(
            command, env=self.env, capture_output=True, text=True, check=check, timeout=60
        )

    def stop(self) -> None:
        """Cancel the cluster's jobs, then stop the daemons it started (slurmd, slurmctld,
        munged). Jobs go first: their step daemons (slurmstepd) outlive a stopped slurmd."""
        if "slurmctld" in self.pids:
            self.cancel_all_jobs()
        for name in reversed(DAEMONS):
            pid = self.pids.pop(name, None)
            if pid is not None:
                _terminate(pid)
        (self.directory / STATE).unlink(missing_ok=True)

    def cancel_all_jobs(self, timeout: float = 60) -> None:
        """scancel every job in this (private) cluster and wait until the queue is empty."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            queue = self.run(find("squeue"), "-h", "-o", "%A", check=False)
            jobs = queue.stdout.split()
            if queue.returncode != 0 or not jobs:
                return
            self.run(find("scancel"), *jobs, check=False)
            time.sleep(1)

    def leftover_processes(self) -> list[str]:
        """Processes still running a job script from this cluster's spool directory."""
        spool = str(self.directory / "spool")
        found = []
        for proc in Path("/proc").iterdir():
            try:
                command = (
                    (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                )
            except OSError:
                continue
            if proc.name.isdigit() and spool in command:
                found.append(f"{proc.name}: {command.strip()}")
        return found


def find(program: str) -> str | None:
    """Path of a SLURM or munge program (they live in /usr/sbin, often not on PATH)."""
    return shutil.which(program) or shutil.which(program, path=os.pathsep.join(SBIN))


def why_unavailable() -> str | None:
    """Why the cluster cannot be started here (None when it can), without changing anything."""
    if sys.platform != "linux":
        return "needs Linux"
    if os.geteuid() != 0:
        return "needs root (SlurmUser=root, apt-get)"
    if SYSTEM_CONF.exists():
        return f"{SYSTEM_CONF} exists: this machine has a SLURM cluster, which is left alone"
    running = [d for d in DAEMONS[1:] if _running(d)]
    if running:
        return f"{', '.join(running)} already running: this machine has a SLURM cluster, which is left alone"
    if not all(find(p) for p in ("slurmctld", "slurmd", "munged", "sbatch")) and not shutil.which(
        "apt-get"
    ):
        return "slurm-wlm and munge are not installed and there is no apt-get to install them"
    return None


def install() -> None:
    """apt-get install slurm-wlm munge, if any of their programs is missing."""
    if all(find(p) for p in ("slurmctld", "slurmd", "munged", "sbatch")):
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", *PACKAGES]):
        result = subprocess.run(
            command, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
        )
        if result.returncode != 0:
            raise ClusterUnavailable(
                f"{' '.join(command)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
            )


def start(directory: Path, timeout: float = 60) -> LocalSlurm:
    """Install if needed, write the config into ``directory``, start the daemons, wait for the node."""
    reason = why_unavailable()
    if reason:
        raise ClusterUnavailable(reason)
    install()
    directory = Path(directory).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    for sub in ("state", "spool", "munge"):
        (directory / sub).mkdir(exist_ok=True)
    os.chmod(directory / "munge", 0o700)
    key = directory / "munge" / "munge.key"
    if not key.exists():
        key.write_bytes(os.urandom(1024))
    os.chmod(key, 0o400)
    munge_socket = directory / "munge" / "munge.socket"
    cluster = LocalSlurm(directory)
    try:
        cluster.pids["munged"] = _spawn(
            directory,
            "munged",
            [
                "--foreground",
                "--force",
                f"--key-file={key}",
                f"--socket={munge_socket}",
                f"--pid-file={directory / 'munge' / 'munged.pid'}",
                f"--log-file={directory / 'munged.log'}",
                f"--seed-file={directory / 'munge' / 'munged.seed'}",
            ],
        )
        _wait_for(
            lambda: munge_socket.exists(), timeout, "munged did not create its socket", directory
        )
        cluster.conf.write_text(slurm_conf(directory, munge_socket))
        cluster.pids["slurmctld"] = _spawn(
            directory, "slurmctld", ["-D", "-c", "-f", str(cluster.conf)]
        )
        cluster.pids["slurmd"] = _spawn(directory, "slurmd", ["-D", "-f", str(cluster.conf)])
        (directory / STATE).write_text(json.dumps(cluster.pids))
        _wait_for(
            lambda: _node_state(cluster) == "idle",
            timeout,
            "the node did not become idle",
            directory,
        )
    except BaseException:
        cluster.stop()
        raise
    return cluster


def slurm_conf(directory: Path, munge_socket: Path) -> str:
    """slurm.conf for one node (this host, all its CPUs) in one default partition ``cpu``."""
    host = socket.gethostname().split(".")[0]
    node = subprocess.run([find("slurmd"), "-C"], capture_output=True, text=True, check=True).stdout
    node_line = next(line for line in node.splitlines() if line.startswith("NodeName="))
    ctld_port, slurmd_port = _free_port(), _free_port()
    return "\n".join(
        [
            "ClusterName=local",
            f"SlurmctldHost={host}(127.0.0.1)",
            "SlurmUser=root",
            "SlurmdUser=root",
            f"SlurmctldPort={ctld_port}",
            f"SlurmdPort={slurmd_port}",
            "AuthType=auth/munge",
            f"AuthInfo=socket={munge_socket}",
            "CredType=cred/munge",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core",
            "MpiDefault=none",
            "ReturnToService=2",
            "KillWait=5",  # seconds between SIGTERM and SIGKILL when a job is cancelled
            f"StateSaveLocation={directory / 'state'}",
            f"SlurmdSpoolDir={directory / 'spool'}",
            f"SlurmctldPidFile={directory / 'slurmctld.pid'}",
            f"SlurmdPidFile={directory / 'slurmd.pid'}",
            f"SlurmctldLogFile={directory / 'slurmctld.log'}",
            f"SlurmdLogFile={directory / 'slurmd.log'}",
            f"{node_line.split(' UpTime')[0]} NodeAddr=127.0.0.1 State=UNKNOWN",
            f"PartitionName={PARTITION} Nodes={host} Default=YES MaxTime=INFINITE State=UP",
            "",
        ]
    )


def _spawn(directory: Path, program: str, args: list[str]) -> int:
    path = find(program)
    if path is None:
        raise ClusterUnavailable(f"{program} not found after installing {' '.join(PACKAGES)}")
    with open(directory / f"{program}.out", "ab") as out:
        process = subprocess.Popen(
            [path, *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    time.sleep(0.2)
    if process.poll() is not None:
        raise ClusterUnavailable(f"{program} exited at start:\n{_logs(directory)}")
    return process.pid


def _terminate(pid: int, grace: float = 10) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        except ChildProcessError:  # not our child (stopped from the command line): poll
            if not Path(f"/proc/{pid}").exists():
                return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def _running(program: str) -> bool:
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if (proc / "comm").read_text().strip() == program:
                    return True
            except OSError:
                continue
    return False


def _node_state(cluster: LocalSlurm) -> str:
    result = cluster.run(find("sinfo"), "-h", "-N", "-o", "%T", check=False)
    return result.stdout.strip().rstrip("*")


def _wait_for(condition, timeout: float, message: str, directory: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise ClusterUnavailable(f"{message} within {timeout:.0f} s:\n{_logs(directory)}")
        time.sleep(0.5)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _logs(directory: Path) -> str:
    return "\n".join(
        f"--- {log.name}\n{log.read_text(errors='replace')[-1500:]}"
        for log in sorted(directory.glob("*.log")) + sorted(directory.glob("*.out"))
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("start", "stop"))
    parser.add_argument("directory", type=Path, help="scratch directory for config, state and logs")
    args = parser.parse_args(argv)
    if args.action == "start":
        try:
            cluster = start(args.directory)
        except ClusterUnavailable as exc:
            sys.exit(f"local_slurm: {exc}")
        print(
            f"export SLURM_CONF={cluster.conf}  # partition {PARTITION};"
            f" stop: {Path(__file__).name} stop {args.directory}"
        )
        return
    state = args.directory / STATE
    if not state.exists():
        sys.exit(f"local_slurm: no cluster started in {args.directory}")
    LocalSlurm(args.directory.resolve(), json.loads(state.read_text())).stop()


if __name__ == "__main__":
    main()
