"""A Raspberry-Pi-sized box to run a process in: one core at a fraction of its time and a
memory limit, with cgroups (v1 or v2) when this machine lets us write them, else a
SIGSTOP/SIGCONT duty cycle on the process group (no memory limit then).

A short CFS period (4 ms; 8 ms for an eighth, as the kernel's smallest quota is 1 ms)
makes the core uniformly slow, like a slower CPU, rather than fast in bursts with stalls:
with the default 100 ms period the same quota gives fast medians and 80 ms spikes, which
measures throttling, not a Pi.

    with BudgetJail("pi4", cpu_fraction=0.25, memory_mb=1024) as jail:
        subprocess.Popen(jail.wrap(["python", "-m", "kiosk.cli", "run"]), start_new_session=True)
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
CFS_PERIOD_US = 4000
MIN_QUOTA_US = 1000  # the kernel refuses a smaller CFS quota (EINVAL)
FALLBACK_PERIOD_S = 0.02  # a Python thread cannot switch every 4 ms reliably


def _last_core() -> int:
    """The highest core this process may use: the bench's own client traffic tends to
    land on core 0 first."""
    return max(os.sched_getaffinity(0))


def _write(path: Path, value: str) -> None:
    path.write_text(value)


@dataclass
class Calibration:
    free_cpu_s: float  # CPU seconds the fixed loop needs on a free core
    boxed_wall_s: float  # wall seconds it takes inside the budget
    expected: float  # the slow-down the budget claims (4 for a quarter of a core)

    @property
    def slowdown(self) -> float:
        return self.boxed_wall_s / self.free_cpu_s

    @property
    def applies(self) -> bool:
        """The budget is at least close to as slow as it claims; faster would flatter."""
        return self.slowdown >= 0.8 * self.expected

    @property
    def verdict(self) -> str:
        text = (f"fixed CPU loop: {self.free_cpu_s:.3f} s on a free core, "
                f"{self.boxed_wall_s:.3f} s in the budget = {self.slowdown:.1f}x "
                f"(claimed {self.expected:.0f}x)")
        if not self.applies:
            return text + " -- BUDGET DOES NOT APPLY: figures would flatter the Pi"
        if self.slowdown > 1.25 * self.expected:
            return text + " -- SLOWER than claimed (machine busy): figures are pessimistic"
        return text + " -- ok"


LOOP = ("import time\n"
        "w, c = time.perf_counter(), time.process_time()\n"
        "x = 0\n"
        "for i in range({n}): x += i * i % 7\n"
        "print(time.perf_counter() - w, time.process_time() - c)\n")


class BudgetJail:
    def __init__(self, name: str, cpu_fraction: float, memory_mb: int) -> None:
        self.name = f"buurtkiosk-bench-{name}-{os.getpid()}"
        self.cpu_fraction = cpu_fraction
        self.memory_mb = memory_mb
        self.core = _last_core()
        self.groups: list[Path] = []  # where a process is put (cgroup.procs files)
        self.memory_dir: Path | None = None
        self.kind = ""  # "cgroup v1", "cgroup v2" or "duty cycle"
        self.note = ""
        # An eighth of a core cannot be 0.5 ms per 4 ms: the period grows to 8 ms instead.
        self.period_us = max(CFS_PERIOD_US, round(MIN_QUOTA_US / cpu_fraction))
        self.quota_us = round(self.period_us * cpu_fraction)

    # --- setting up -------------------------------------------------------------------

    def __enter__(self) -> BudgetJail:
        for setup in (self._cgroup_v2, self._cgroup_v1):
            try:
                if setup():
                    return self
            except OSError as error:
                self._remove()
                self.note = f"cgroups not writable here ({error})"
        self.kind = "duty cycle"
        self.note = ((self.note + "; ") if self.note else "") + (
            f"CPU limited by SIGSTOP/SIGCONT every {FALLBACK_PERIOD_S * 1000:.0f} ms on the "
            f"process group, pinned to core {self.core}; NO memory limit (peak RSS reported)")
        return self

    def __exit__(self, *exc: object) -> None:
        self._remove()

    def _cgroup_v2(self) -> bool:
        controllers = CGROUP_ROOT / "cgroup.controllers"
        if not controllers.exists() or "cpu" not in controllers.read_text().split():
            return False
        # The controllers must be handed down to child groups first.
        _write(CGROUP_ROOT / "cgroup.subtree_control", "+cpu +cpuset +memory")
        group = CGROUP_ROOT / self.name
        group.mkdir()
        self.groups = [group / "cgroup.procs"]
        self.memory_dir = group
        _write(group / "cpu.max", f"{self.quota_us} {self.period_us}")
        _write(group / "cpuset.cpus", str(self.core))
        _write(group / "memory.max", str(self.memory_mb * 2**20))
        if (group / "memory.swap.max").exists():
            _write(group / "memory.swap.max", "0")
        self.kind = "cgroup v2"
        return True

    def _cgroup_v1(self) -> bool:
        if not (CGROUP_ROOT / "cpu" / "cpu.cfs_quota_us").exists():
            return False
        cpu, cpuset, memory = (CGROUP_ROOT / c / self.name for c in ("cpu", "cpuset", "memory"))
        for group in (cpu, cpuset, memory):
            group.mkdir()
            self.groups.append(group / "cgroup.procs")
        _write(cpu / "cpu.cfs_period_us", str(self.period_us))
        _write(cpu / "cpu.cfs_quota_us", str(self.quota_us))
        _write(cpuset / "cpuset.mems", (CGROUP_ROOT / "cpuset" / "cpuset.mems").read_text())
        _write(cpuset / "cpuset.cpus", str(self.core))
        limit = str(self.memory_mb * 2**20)
        _write(memory / "memory.limit_in_bytes", limit)
        if (memory / "memory.memsw.limit_in_bytes").exists():
            _write(memory / "memory.memsw.limit_in_bytes", limit)  # no swapping out of it
        self.memory_dir = memory
        self.kind = "cgroup v1"
        return True

    def _remove(self) -> None:
        for procs in self.groups:
            for _ in range(50):  # the last process may still be leaving
                try:
                    procs.parent.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)
        self.groups = []

    # --- running in it ----------------------------------------------------------------

    def describe(self) -> str:
        if self.kind == "duty cycle":
            return f"{self.cpu_fraction:.3f} of core {self.core} by {self.note}"
        return (f"{self.kind}: core {self.core} at {self.cpu_fraction:.3f} of its time "
                f"(quota {self.quota_us} us per {self.period_us} us), "
                f"memory {self.memory_mb} MB")

    def wrap(self, argv: list[str]) -> list[str]:
        """A command line that enters the box, then runs argv (children stay inside)."""
        if self.kind == "duty cycle":
            return ["taskset", "-c", str(self.core), *argv]
        enter = 'for f in $BUDGET_GROUPS; do echo $$ > "$f"; done; exec "$@"'
        return ["env", f"BUDGET_GROUPS={' '.join(map(str, self.groups))}",
                "sh", "-c", enter, "sh", *argv]

    def start(self, argv: list[str], **popen: object) -> subprocess.Popen[bytes]:
        """Popen in its own session (so all its children can be stopped together)."""
        process = subprocess.Popen(self.wrap(argv), start_new_session=True, **popen)  # type: ignore[call-overload]
        if self.kind == "duty cycle":
            DutyCycle(process.pid, self.cpu_fraction).start()
        return process

    def reset_peak(self) -> None:
        if self.memory_dir is not None and self.kind == "cgroup v1":
            _write(self.memory_dir / "memory.max_usage_in_bytes", "0")

    def peak_mb(self) -> float | None:
        """Peak memory charged to the box (its processes, and the page cache they read)."""
        if self.memory_dir is None:
            return None
        name = "memory.max_usage_in_bytes" if self.kind == "cgroup v1" else "memory.peak"
        path = self.memory_dir / name
        return int(path.read_text()) / 2**20 if path.exists() else None

    def oom_kills(self) -> int | None:
        if self.memory_dir is None:
            return None
        name = "memory.oom_control" if self.kind == "cgroup v1" else "memory.events"
        for line in (self.memory_dir / name).read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return None

    def calibrate(self, rounds: int = 3, loop: int = 3_000_000) -> Calibration:
        """Run a fixed CPU loop on a free core and inside the box; best of `rounds`
        (noise from other work on the machine only ever makes a run slower)."""
        code = LOOP.format(n=loop)

        def run(argv: list[str]) -> tuple[float, float]:
            process = self.start(argv, stdout=subprocess.PIPE)
            out, _ = process.communicate()
            wall, cpu = map(float, out.split())
            return wall, cpu

        free = min(run_free(code, self.core)[1] for _ in range(rounds))
        boxed = min(run([sys.executable, "-c", code])[0] for _ in range(rounds))
        return Calibration(free, boxed, 1 / self.cpu_fraction)


def run_free(code: str, core: int) -> tuple[float, float]:
    out = subprocess.run(["taskset", "-c", str(core), sys.executable, "-c", code],
                         check=True, capture_output=True).stdout
    wall, cpu = map(float, out.split())
    return wall, cpu


class DutyCycle(threading.Thread):
    """Lets a process group run for `fraction` of each period and stops it for the rest:
    the fallback where cgroups cannot be written (as the `cpulimit` tool does)."""

    def __init__(self, pid: int, fraction: float) -> None:
        super().__init__(daemon=True, name=f"duty-cycle-{pid}")
        self.pid = pid
        self.fraction = fraction

    def run(self) -> None:
        on = FALLBACK_PERIOD_S * self.fraction
        off = FALLBACK_PERIOD_S - on
        try:
            while True:
                os.killpg(self.pid, signal.SIGCONT)
                time.sleep(on)
                os.killpg(self.pid, signal.SIGSTOP)
                time.sleep(off)
        except ProcessLookupError:
            return
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGCONT)


def stop(process: subprocess.Popen[bytes], timeout: float = 10) -> int | None:
    """SIGTERM the process's whole session (its own workers too), SIGKILL if it lingers."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGCONT)
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            pass
    return process.returncode
