"""Run one command and print `exit-code wall-seconds peak-rss-kib` for it (used by bench/common.py).

Started as `python -S -E launch.py OUTPUT CMD...`, so it loads nothing beyond os, sys and time: a
child's peak RSS (ru_maxrss) starts at the RSS of the process that spawned it, and this one is
smaller than any Python child it measures. The child's stdout and stderr go to OUTPUT.
"""

import os
import sys
import time


def main() -> None:
    output, command = sys.argv[1], sys.argv[2:]
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    actions = [(os.POSIX_SPAWN_DUP2, fd, 1), (os.POSIX_SPAWN_DUP2, fd, 2)]
    start = time.perf_counter()
    pid = os.posix_spawn(command[0], command, os.environ, file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    peak = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss  # macOS counts bytes
    print(os.waitstatus_to_exitcode(status), wall, peak)


main()
