"""Markdown report of a bench/chat/run output folder: python3 report.py OUT_DIR RESULT_FILE (settings from the environment)."""
import datetime
import json
import os
import statistics
import sys

out, result = sys.argv[1], sys.argv[2]
env = os.environ.get


def load(name):
    path = os.path.join(out, name)
    if not os.path.exists(path):
        return []
    return [json.loads(line) for line in open(path) if line.strip()]


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else float("nan")


def bg_range(rows):
    vals = [str(r.get("bg_pct")) for r in rows if r.get("bg_pct") not in (None, "")]
    loads = [str(r.get("loadavg")).split()[0] for r in rows if r.get("loadavg")]
    nums = [float(v.rstrip("!")) for v in vals]
    if not nums:
        return "n/a"
    return (f"machine CPU before each run {min(nums):.0f}–{max(nums):.0f} % of one core"
            f"{' (some runs did not find quiet: marked !)' if any(v.endswith('!') for v in vals) else ''}, "
            f"1-min load average {min(loads)}–{max(loads)}")


receivers, rate = int(env("RECEIVERS", "1000")), env("RATE", "100")
L = ["# Chat: broadcast cost, memory per connection, SIGTERM to exit (ActorNet executable, handler chat)", ""]
L += [f"- date: {env('DATE') or format(datetime.datetime.now(datetime.timezone.utc), '%Y-%m-%dT%H:%MZ')}",
      f"- machine: {env('MACHINE')}; open files limit {env('NOFILE')}",
      f"- commit: {env('COMMIT')}",
      f"- command: `bench/chat/run {env('ARGS', '')}`".replace("`bench/chat/run `", "`bench/chat/run`"),
      f"- servers {'pinned to core 0 (all of them), chatload to core 1' if env('PIN') == '1' else 'and chatload not pinned'}; "
      f"warm-up {env('WARMUP')} s, window {env('DURATION')} s; lines of 64 B including the newline; "
      f"logs at WARNING (INFO in the SIGTERM runs)", ""]

legend = {"A": f"2-node cluster, {receivers // 2} + {receivers - receivers // 2} receivers, sender on node 1",
          "B": "1 plain node (no cluster keys)", "C": "1 node in cluster mode, alone"}
b = load("bcast.jsonl")
if b:
    L += [f"## Broadcast: one sender at {rate} lines/s, {receivers} receivers", "",
          f"Medians over {env('REPS')} runs per case, each on fresh servers. Delivered = lines arriving in the window, "
          "summed over receivers. Latency: send time (CLOCK_MONOTONIC, in the line) to the receiver's epoll wake-up, "
          "for every (line sent in the window, receiver). Server CPU = utime+stime of every server process over the "
          "window, divided by the lines delivered.", "",
          "| case | setup | delivered lines/s | p50 µs | p99 µs | p99.9 µs | max µs | server µs/line | server CPU % of a core (sum) | chatload CPU % | errors |",
          "|---|---|---|---|---|---|---|---|---|---|---|"]
    for c in "ABC":
        rs = [r for r in b if r.get("case") == c]
        if not rs:
            continue
        def g(k):
            return med([r.get(k) for r in rs])
        L.append(f"| {c} | {legend[c]} | {g('delivered_per_s'):.0f} | {g('p50_us'):.0f} | {g('p99_us'):.0f} | "
                 f"{g('p999_us'):.0f} | {g('max_us'):.0f} | {g('srv_us_per_line'):.2f} | {g('srv_cpu_pct'):.0f} | "
                 f"{g('cli_cpu_pct'):.0f} | {sum(abs(r.get('errors', 1)) for r in rs)} |")
    L += ["", "Every run:", "",
          "| case | rep | delivered lines/s | of sent × receivers | p50 µs | p99 µs | max µs | per node: p50 / p99 µs | server CPU s per process | µs/line | chatload wait % | other CPU % | machine CPU % before, load avg | exit codes | log warnings |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in sorted(b, key=lambda r: (r.get("case"), r.get("rep"))):
        per = "; ".join(f"{x['p50_us']:.0f} / {x['p99_us']:.0f}" for x in r.get("groups", []))
        cpu = " + ".join(f"{x:.2f}" for x in r.get("srv_cpu_s", []))
        L.append(f"| {r.get('case')} | {r.get('rep')} | {r.get('delivered_per_s', 0):.0f} | {r.get('ratio', 0):.4f} | "
                 f"{r.get('p50_us', 0):.0f} | {r.get('p99_us', 0):.0f} | {r.get('max_us', 0):.0f} | {per} | {cpu} | "
                 f"{r.get('srv_us_per_line', 0):.2f} | {r.get('cli_wait_pct', 0):.1f} | {r.get('other_pct', 0):.0f} | "
                 f"{r.get('bg_pct')}, {r.get('loadavg')} | "
                 f"{r.get('exit_codes')} | {r.get('log_problems')} |")
    L += ["", f"Load: {bg_range(b)}; other CPU during the windows (machine busy time minus servers and chatload) "
          f"{min(r.get('other_pct', 0) for r in b):.0f}–{max(r.get('other_pct', 0) for r in b):.0f} % of one core "
          "(approximate: 10 ms ticks, and interrupt time is nobody's; with the boost others mostly use what the "
          "benchmark leaves idle); chatload's own run-queue wait "
          f"{min(r.get('cli_wait_pct', 0) for r in b):.1f}–{max(r.get('cli_wait_pct', 0) for r in b):.1f} % of the window.", ""]

rp = load("ramp.jsonl")
if rp:
    L += ["## Ramp: rising rates, one set of servers per case", "",
          "One run per rate (warm-up, then the window) on servers started once per case; the ramp stops at the first rate "
          "that is not kept up. Keeps up = no loss or error, delivered ≥ 99 % of sent × receivers in the window, "
          "p99 < 100 ms, and every receiver caught up within 1 s after the sender stopped. Backlog = lines sent but "
          "not yet received, summed over receivers, at the start and end of the window.", "",
          "| case | lines/s sent | deliveries/s offered | delivered/s | p50 µs | p99 µs | backlog start → end | server CPU % | server µs/line | chatload CPU % | chatload wait % | other CPU % | keeps up |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rp:
        L.append(f"| {r.get('case')} | {r.get('rate', 0):.0f} | {r.get('rate', 0) * r.get('receivers', 0):.0f} | "
                 f"{r.get('delivered_per_s', 0):.0f} | {r.get('p50_us', 0):.0f} | {r.get('p99_us', 0):.0f} | "
                 f"{r.get('backlog_ws', 0)} → {r.get('backlog_we', 0)} | {r.get('srv_cpu_pct', 0):.0f} | "
                 f"{r.get('srv_us_per_line', 0):.2f} | {r.get('cli_cpu_pct', 0):.0f} | {r.get('cli_wait_pct', 0):.1f} | "
                 f"{r.get('other_pct', 0):.0f} | "
                 f"{'yes' if r.get('keeps_up') else 'NO'} |")
    L.append("")
    for c in "ABC":
        ok = [r["rate"] for r in rp if r.get("case") == c and r.get("keeps_up")]
        bad = [r["rate"] for r in rp if r.get("case") == c and not r.get("keeps_up")]
        if ok or bad:
            L.append(f"- {c}: kept up at {max(ok):.0f} lines/s" if ok else f"- {c}: kept up at none of the rates")
            L[-1] += f", not at {min(bad):.0f}" if bad else " (the highest rate tried)"
    idle = load("ramp-idle.jsonl")
    if idle:
        L.append("- the servers' own CPU use while idle (started, ready, no client, 10 s before the ramp), % of a core per "
                 "process: " + ", ".join(f"{x['case']} {' + '.join(str(v) for v in x['idle_cpu_pct'])}" for x in idle))
    logs = load("ramp-logs.jsonl")
    if logs:
        L.append("- warnings in the server logs during the ramps: "
                 + ", ".join(f"{x['case']} {x['log_problems']}" for x in logs))
    L += [f"- load: {bg_range(rp)}", ""]

m = load("mem.jsonl")
if m:
    ns = sorted({r["conns"] for r in m})
    L += [f"## Memory per idle chat connection (connections to node 1, held {env('IDLE_SETTLE')} s after every one of "
          "them received a line)", "",
          "KiB per connection = (server RSS at the end of the hold − RSS before connecting) / connections, fresh "
          "servers for every run. RSS = VmRSS of the node's process; kernel socket buffers are not in it.", "",
          "| setup | connections | KiB per connection, median | each run | RSS of the idle node before connecting, MiB, median | each run |",
          "|---|---|---|---|---|---|"]
    for k, name in (("plain", "1 plain node"), ("cluster", "2-node cluster, node 1")):
        for n in ns:
            rs = [r for r in m if r.get("case") == k and r["conns"] == n]
            if not rs:
                continue
            L.append(f"| {name} | {n} | {med([r['kib_per_conn'] for r in rs]):.2f} | "
                     f"{', '.join(format(r['kib_per_conn'], '.2f') for r in rs)} | "
                     f"{med([r['rss_before_kb'] for r in rs]) / 1024:.1f} | "
                     f"{', '.join(format(r['rss_before_kb'] / 1024, '.1f') for r in rs)} |")
    L.append("")
    if len(ns) >= 2:
        # The idle trim (server.conf: idle-memory-trim = 32m) compacts the heap once 32 MiB were allocated and a second
        # is quiet; a burst too small to reach that leaves the heap untrimmed, a different regime: such runs (no RSS
        # drop of 1 MiB or more seen during the hold) stay out of the fit.
        def trimmed(r):
            return r["rss_hold_max_kb"] - r["rss_hold_kb"] >= 1024
        left_out = [r for r in m if not trimmed(r)]
        L += [f"Per connection as the slope of the growth (RSS held − RSS before) over the connection counts "
              f"({', '.join(map(str, ns))}): a least-squares line per repetition and one over every run; its "
              "intercept is a step that does not grow with the connections. Runs in which no idle trim was seen "
              "(no RSS drop of 1 MiB or more during the hold) are left out"
              + (": " + ", ".join(f"{r['case']} {r['conns']} run {r['rep']}" for r in left_out) if left_out else "")
              + ".", "",
              "| setup | KiB per connection (slope), all runs | per repetition | step (intercept), MiB, all runs | per repetition |",
              "|---|---|---|---|---|"]

        def fit(rows):
            rows = [r for r in rows if trimmed(r)]
            xs = [r["conns"] for r in rows]
            ys = [r["rss_hold_kb"] - r["rss_before_kb"] for r in rows]
            if len(set(xs)) < 2:
                return None
            mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
            slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
            return slope, (my - slope * mx) / 1024

        for k, name in (("plain", "1 plain node"), ("cluster", "2-node cluster, node 1")):
            rows = [r for r in m if r.get("case") == k]
            whole = fit(rows)
            if not whole:
                continue
            per = [fit([r for r in rows if r["rep"] == rep]) for rep in sorted({r["rep"] for r in rows})]
            per = [x for x in per if x]
            L.append(f"| {name} | {whole[0]:.2f} | {', '.join(format(x[0], '.2f') for x in per)} | "
                     f"{whole[1]:.1f} | {', '.join(format(x[1], '.1f') for x in per)} |")
        L.append("")
    pl = [r["rss_before_kb"] for r in m if r.get("case") == "plain"]
    cl = [r["rss_before_kb"] for r in m if r.get("case") == "cluster"]
    n2rss = [r["node2_rss_kb"] for r in m if r.get("case") == "cluster"]
    if pl and cl:
        L.append(f"- constant cost of cluster mode, idle node RSS cluster − plain (medians over every run): "
                 f"{(med(cl) - med(pl)) / 1024:.1f} MiB ({med(cl) / 1024:.1f} vs {med(pl) / 1024:.1f}); node 2 "
                 f"(idle, no connections) at the end of the hold: {med(n2rss) / 1024:.1f} MiB")
    for r in m:
        L.append(f"- {r['case']} {r['conns']} run {r['rep']}: RSS {r['rss_before_kb'] / 1024:.1f} → {r['rss_hold_kb'] / 1024:.1f} MiB "
                 f"(during the hold {r['rss_hold_min_kb'] / 1024:.1f}–{r['rss_hold_max_kb'] / 1024:.1f}), setup {r['setup_s']:.2f} s, "
                 f"{r['open']} open at the end, errors {r['errors']}, log warnings {r['log_problems']}")
    L += [f"- load: {bg_range(m)}", ""]

t = load("term.jsonl")
if t:
    L += [f"## SIGTERM to exit: one node of a 2-node cluster, {env('TERM_CONNS')} idle chat clients on it that never "
          "close, drain-timeout 2s", "",
          "Seconds after the SIGTERM. Exit = the process was reaped (`wait`). Clients: when they saw the server's FIN "
          "and reset (first–last). Other node: when its /status first showed the stopping node in each state, and when "
          "the node was no longer among its members (polled every 20 ms).", "",
          "| stopped node | run | live before | exit code | SIGTERM → exit | clients: FIN | clients: reset | 'Leaving the cluster' logged at | other node's /status showed | gone from other node's /status | log warnings (stopped / other) |",
          "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in t:
        fin = f"{r['fin']} at {r['fin_s'][0]:.2f}–{r['fin_s'][1]:.2f}" if r.get("fin_s") else str(r["fin"])
        rst = f"{r['rst']} at {r['rst_s'][0]:.2f}–{r['rst_s'][1]:.2f}" if r.get("rst_s") else str(r["rst"])
        poll = r.get("poll") or {}
        seen = ", ".join(f"{k} at {v:.2f}" for k, v in (poll.get("seen") or {}).items())
        who = "node 2 (joined)" if r["target"] == "n2" else "node 1 (seed)"
        removed = poll.get("removed_s")
        L.append(f"| {who} | {r['rep']} | {r.get('live_before')} | {r['exit_code']} | {r['exit_s']:.2f} | {fin} | {rst} | "
                 f"{(r.get('phases') or {}).get('leave', float('nan')):.2f} | {seen} | {'never' if removed is None else f'{removed:.2f}'} | "
                 f"{r['log_problems_target']} / {r['log_problems_other']} |")
    L += ["", f"- load: {bg_range(t)}", ""]

open(result, "w").write("\n".join(L) + "\n")
print("\n".join(L))
