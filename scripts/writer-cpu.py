#!/usr/bin/env python3
"""Runs `./happyview bench writer --rows ROWS` in a checkout and adds to each phase's line the CPU its embedded
Postgres (postmaster and backends, read from /proc) and its JVM spent. On shared cores a rate drifts with the load of
the other processes; CPU per row much less, so builds are compared on it (docs/benchmarks.md, "Record writer").

usage: scripts/writer-cpu.py CHECKOUT [ROWS]   (Linux; JAVA_HOME as for ./happyview)
"""
import os
import re
import subprocess
import sys

tree = sys.argv[1]
rows = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
tick = os.sysconf('SC_CLK_TCK')


def stat(pid):
    try:
        return open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()
    except OSError:
        return None


def cpu(pid):
    f = stat(pid)
    return (int(f[11]) + int(f[12])) / tick if f else 0.0


def cmdline(pid):
    try:
        return open(f'/proc/{pid}/cmdline', 'rb').read().replace(b'\0', b' ').decode()
    except OSError:
        return ''


seen = {}


def postgres_cpu():
    """CPU seconds of the benchmark's Postgres so far (its data directory is /tmp/happyview-bench…)."""
    pids = [int(p) for p in os.listdir('/proc') if p.isdigit()]
    masters = {p for p in pids if 'happyview-bench' in cmdline(p) and cmdline(p).split(' ')[0].endswith('/postgres')}
    for p in pids:
        f = stat(p)
        if f and (p in masters or int(f[1]) in masters):
            seen[p] = cpu(p) or seen.get(p, 0.0)  # a backend that exited keeps what it had spent
    return sum(seen.values())


proc = subprocess.Popen(['./happyview', 'bench', 'writer', '--rows', str(rows)], cwd=tree, stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL, text=True)
last = None
for line in proc.stdout:
    line = line.rstrip('\n')
    now = (postgres_cpu(), cpu(proc.pid))
    if last and re.match(r'\s+(insert|unchanged|changed)', line):
        pg, java = now[0] - last[0], now[1] - last[1]
        line += f'   postgres {pg:5.1f} s CPU = {pg / rows * 1e6:4.0f} µs/row, java {java:4.1f} s'
    print(line, flush=True)
    last = now
sys.exit(proc.wait())
