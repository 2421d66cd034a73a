"""Run many `dream-agent` argument lists in one process: JSON lists of arguments on stdin, one JSON
result per list on stdout (exit code, stderr, stdout size, seconds). Used by the CLI fuzz tests,
so that a few dozen command lines cost one interpreter start instead of one each.

    python tests/fuzz/cli_driver.py < argv_lists.json
"""

from __future__ import annotations

import contextlib
import io
import json
import signal
import sys
import time
import traceback

HANG_S = 60  # one command line; the slowest legitimate one here (a shipped model's plan) takes seconds


class Hang(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise Hang


def run_one(args: list[str]) -> dict:
    from dream_agent.cli import main

    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_S)
    code: object = None
    escaped = None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            sys.argv = ["dream-agent", *args]
            main(args)
    except SystemExit as exit:
        code = exit.code
    except BaseException:  # a hang or an exception that escaped main: the finding itself
        escaped = traceback.format_exc()
    finally:
        signal.alarm(0)
    return {"args": args, "code": code, "stderr": err.getvalue(), "stdout_chars": len(out.getvalue()),
            "escaped": escaped, "seconds": round(time.perf_counter() - start, 3)}


def main() -> None:
    import torch

    torch.set_num_threads(1)
    for args in json.load(sys.stdin):
        sys.__stdout__.write(json.dumps(run_one(args)) + "\n")
        sys.__stdout__.flush()


if __name__ == "__main__":
    main()
