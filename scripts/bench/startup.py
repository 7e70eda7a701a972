#!/usr/bin/env python3
"""Whole-command start-up times of ilf: `ilf version` and `ilf eval` of one MBPP sample.

Each command runs --runs times after one warm-up, timed from its start to its exit (the parent's
process start-up is outside the timing); prints the median, min, p90 and max in ms and the 1-minute
load average before and after, and the median CPU time of each command's process tree. With --compare OTHER_ILF, that binary runs the same commands,
interleaved run by run, so both see the same load. The sample is task 11's reference program
(MBPP's test split), written to a temporary samples file.

  scripts/bench/startup.py [--ilf build/runner/ilf] [--runs 10] [--compare OTHER] [--json]
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def load_average():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def mbpp_task(data_dir, task_id):
    with open(os.path.join(data_dir, "mbpp", "mbpp.jsonl"), encoding="utf-8") as f:
        for line in f:
            task = json.loads(line)
            if task["task_id"] == task_id:
                return task
    sys.exit(f"startup.py: task {task_id} not in {data_dir}/mbpp/mbpp.jsonl")


def children_cpu_ms():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * 1000


def time_once(args):
    """Wall ms from start to exit, and the CPU ms of the command and every process it reaped."""
    cpu = children_cpu_ms()
    start = time.perf_counter()
    done = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE)
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        sys.exit(f"startup.py: {' '.join(args)} exited {done.returncode}:\n{done.stderr.decode()[-2000:]}")
    return elapsed, children_cpu_ms() - cpu


def stats(runs):
    ms = sorted(wall for wall, _ in runs)
    return {"runs": len(ms), "median_ms": statistics.median(ms), "min_ms": ms[0],
            "p90_ms": ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))], "max_ms": ms[-1],
            "median_cpu_ms": statistics.median(cpu for _, cpu in runs)}


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ilf", default=os.path.join(root, "build", "runner", "ilf"))
    parser.add_argument("--compare", help="another ilf binary to time the same way, interleaved")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    data_dir = os.environ.get("ILF_DATA_DIR") or os.path.join(os.path.dirname(root), "shared", "data")
    task = mbpp_task(data_dir, 11)
    with tempfile.TemporaryDirectory(prefix="ilf-startup-") as tmp:
        samples = os.path.join(tmp, "sample.jsonl")
        with open(samples, "w", encoding="utf-8") as f:
            f.write(json.dumps({"task_id": 11, "completion": task["code"]}) + "\n")
        commands = []
        for label, binary in [("", args.ilf)] + ([(" (--compare)", args.compare)] if args.compare else []):
            commands.append((f"ilf version{label}", [binary, "version"]))
            commands.append((f"ilf eval, one MBPP sample{label}",
                             [binary, "eval", "--suite", "mbpp", "--samples", samples, "--k", "1",
                              "--out", os.path.join(tmp, "eval"), "--force"]))
        times = {name: [] for name, _ in commands}
        load_before = load_average()
        for run in range(args.runs + 1):  # run 0: the warm-up
            for name, command in commands:
                timing = time_once(command)
                if run > 0:
                    times[name].append(timing)
        load_after = load_average()
    out = {"load_average_before": load_before, "load_average_after": load_after,
           "commands": [dict(command=name, **stats(ms)) for name, ms in times.items()]}
    if args.json:
        print(json.dumps(out))
        return
    for row in out["commands"]:
        print(f"{row['command']:<40} median {row['median_ms']:7.1f} ms  min {row['min_ms']:7.1f}  "
              f"p90 {row['p90_ms']:7.1f}  max {row['max_ms']:7.1f}  CPU {row['median_cpu_ms']:6.1f}  "
              f"({row['runs']} runs)")
    print(f"load average (1 min): {load_before:.2f} before, {load_after:.2f} after")


if __name__ == "__main__":
    main()
