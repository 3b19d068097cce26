"""The machine a benchmark ran on: CPU model, cores, memory, Python version and date.

Every benchmark prints it next to its figures, since a latency means little without it.

Example:
    >>> info = describe()
    >>> sorted(info) == ["cores", "cpu", "date", "memory_gib", "platform", "python"]
    True
    >>> machine_line(info).startswith(info["cpu"])
    True
"""

from __future__ import annotations

import datetime as dt
import os
import platform
from pathlib import Path

__all__ = ["describe", "machine_line", "peak_rss_mib", "spent", "worker_cpu_s"]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except (OSError, ValueError, IndexError):
        pass
    return None


def describe() -> dict[str, str]:
    """What the figures were measured on, as strings ready to print or store."""
    memory = _memory_gib()
    return {
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count() or "?"),
        "memory_gib": "?" if memory is None else f"{memory:g}",
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.release()}",
        "date": dt.date.today().isoformat(),
    }


def machine_line(info: dict[str, str] | None = None) -> str:
    """One line for a report: ``AMD EPYC, 2 cores, 23.5 GiB RAM, Python 3.11.7, Linux ..., 2026-11-23``."""
    i = info or describe()
    return f"{i['cpu']}, {i['cores']} cores, {i['memory_gib']} GiB RAM, Python {i['python']}, {i['platform']}, {i['date']}"


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_cpu_s(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) used so far by each child of process ``pid`` (a server's
    workers), or by ``pid`` itself when it has none (one worker serves in the server's own
    process), so a benchmark can show how its load was spread (Linux ``/proc``; empty elsewhere).

    >>> all(cpu >= 0 for cpu in worker_cpu_s(os.getpid()).values())
    True
    """
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    children: dict[int, float] = {}
    own: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # the command name (field 2) may hold spaces: split after its closing parenthesis
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # fields[1] is the parent's pid; utime and stime are fields 14 and 15 of stat
        cpu = (int(fields[11]) + int(fields[12])) / ticks
        if int(fields[1]) == pid:
            children[int(stat.parent.name)] = cpu
        elif int(stat.parent.name) == pid:
            own[pid] = cpu
    return children or own


def spent(before: dict[int, float], after: dict[int, float]) -> list[float]:
    """The CPU seconds each worker used between two :func:`worker_cpu_s` readings, largest
    first, leaving out helper processes that used none.

    >>> spent({1: 2.0, 2: 1.0}, {1: 5.0, 2: 1.5, 3: 0.0})
    [3.0, 0.5]
    """
    used = [round(cpu - before.get(pid, 0.0), 2) for pid, cpu in after.items()]
    return sorted((u for u in used if u > 0), reverse=True)


if __name__ == "__main__":
    print(machine_line())
