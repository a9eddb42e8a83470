#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turns the consoles of benchmark guests into results.json and results.md.

    report.py --json OUT.json --md OUT.md [--smoke] LINE=CONSOLE.log ...

Reads the BENCH / BENCHINFO lines that toa-bench and tests/bench/guest.sh print, takes the
median of the rounds of every metric and phase, and compares them as the goals of the
benchmark say (ratio = with module / without module, same boot; for the connection setup
rows the rate ratio without/with, so that a higher cost always moves the ratio towards
a miss). Prints the Markdown table. Exit 0 whether goals are met or not; 1 when a
console has no benchmark output.
"""
import argparse
import datetime
import json
import re
import statistics
import sys

# id, what is measured, kind, "with" source, "without" source, goal op, goal value.
#   kind "rate":  value = ns (instructions) per connection; ratio = without / with
#   kind "cost":  value = ns per call; ratio = with / without
#   source: (metric, phase)
ROWS = [
    ("setup_loopback4", "connection setup without TOA: loopback IPv4 connect+accept+close",
     "rate", ("setup_loopback4", "with"), ("setup_loopback4", "without"), ">=", 0.99),
    ("setup_loopback6", "connection setup without TOA: loopback IPv6 connect+accept+close",
     "rate", ("setup_loopback6", "with"), ("setup_loopback6", "without"), ">=", 0.99),
    ("setup_lbsim_plain", "connection setup without TOA through the simulator (IPv4)",
     "rate", ("setup_lbsim_plain", "with"), ("setup_lbsim_plain", "without"), ">=", 0.99),
    ("setup_lbsim_toa_ack", "connection setup with TOA (200/8 on the ACK) through the simulator",
     "rate", ("setup_lbsim_toa_ack", "with"), ("setup_lbsim_toa_ack", "without"), ">=", 0.97),
    ("setup_lbsim_toa_syn", "connection setup with TOA (254/8 on the SYN) through the simulator",
     "rate", ("setup_lbsim_toa_syn", "with"), ("setup_lbsim_toa_syn", "without"), ">=", 0.97),
    ("setup_lbsim_toa6_ack", "connection setup with TOA, IPv6 (254/20 on the ACK) through the simulator",
     "rate", ("setup_lbsim_toa6_ack", "with"), ("setup_lbsim_toa6_ack", "without"), ">=", 0.97),
    ("getpeername_toa", "getpeername() on a TOA socket vs plain getpeername()",
     "cost", ("getpeername_toa", "with"), ("getpeername_toa", "without"), "<=", 1.10),
    ("getpeername_plain", "getpeername() on a socket without TOA (module loaded vs not)",
     "cost", ("getpeername_plain", "with"), ("getpeername_plain", "without"), None, None),
    ("getpeername_plain_noaddr", "getpeername() on a socket without TOA that accept(fd, NULL, NULL) returned",
     "cost", ("getpeername_plain_noaddr", "with"), ("getpeername_plain_noaddr", "without"), None, None),
    ("get_lookup_nat64", "TOA_SO_GET_LOOKUP on a NAT64 connection vs plain getpeername()",
     "cost", ("get_lookup_nat64", "with"), ("getpeername_nat64", "without"), "<=", 1.5),
    ("get_client_toa", "getsockopt(TOA_SO_GET_CLIENT) vs plain getpeername()",
     "cost", ("get_client_toa", "with"), ("getpeername_toa", "without"), "<=", 1.5),
    ("libtoa_toa", "libtoa toa_get_client() vs plain getpeername()",
     "cost", ("libtoa_toa", "with"), ("getpeername_toa", "without"), "<=", 1.6),
    ("getsockopt_tos_toa", "getsockopt(IP_TOS) on a TOA socket (passes through the module's getsockopt)",
     "cost", ("getsockopt_tos_toa", "with"), ("getsockopt_tos_toa", "without"), None, None),
    ("get_client_vs_getsockopt", "getsockopt(TOA_SO_GET_CLIENT) vs a plain getsockopt(IP_TOS) syscall",
     "cost", ("get_client_toa", "with"), ("getsockopt_tos_toa", "without"), None, None),
    ("get_client_plain", "TOA_SO_GET_CLIENT on a socket without TOA (ENOENT) vs plain getpeername()",
     "cost", ("get_client_plain", "with"), ("getpeername_plain", "without"), None, None),
    ("libtoa_plain", "libtoa toa_get_client() on a socket without TOA vs plain getpeername()",
     "cost", ("libtoa_plain", "with"), ("getpeername_plain", "without"), None, None),
    ("libtoa_nomodule", "libtoa toa_get_client() without any module vs plain getpeername()",
     "cost", ("libtoa_toa", "without"), ("getpeername_toa", "without"), None, None),
    # The Kubernetes node (tests/guest/k8s-node.sh): kube-proxy's NodePort DNAT and
    # MASQUERADE (externalTrafficPolicy: Cluster) into a pod's namespace. "with": the
    # module with guard=Y; "noguard": the module with guard=N; "without": no module.
    ("k8s_setup_plain", "k8s: connection setup without TOA through the NodePort (DNAT + MASQUERADE) into a pod, module with guard vs without",
     "rate", ("k8s_setup_plain", "with"), ("k8s_setup_plain", "without"), ">=", 0.99),
    ("k8s_setup_toa", "k8s: connection setup with TOA (200/8 on the ACK) through the NodePort into a pod, module with guard vs without",
     "rate", ("k8s_setup_toa", "with"), ("k8s_setup_toa", "without"), ">=", 0.97),
    ("k8s_data_guard", "k8s: established data packet (1,400 bytes) through the NodePort into a pod, sent, forwarded, read, its ACKs back: guard on vs off (module loaded)",
     "cost", ("k8s_data", "with"), ("k8s_data", "noguard"), "<=", 1.01),
    ("k8s_data_module", "k8s: the same data packet, module with guard vs no module",
     "cost", ("k8s_data", "with"), ("k8s_data", "without"), None, None),
    ("k8s_synflood", "k8s: SYN flood at the NodePort, SYN cookies in the pod (tcp_syncookies=2): SYNs handled per guest second, module with guard vs without",
     "rate", ("k8s_synflood", "with"), ("k8s_synflood", "without"), ">=", 0.97),
    ("k8s_synflood_forged", "k8s: the same SYN flood, each SYN with a forged TOA (254/8) that the guard strips",
     "rate", ("k8s_synflood_forged", "with"), ("k8s_synflood_forged", "without"), ">=", 0.97),
]
SCALE_METRICS = [
    ("getpeername", "getpeername() on TOA sockets"),
    ("get_client", "TOA_SO_GET_CLIENT"),
    ("libtoa", "libtoa toa_get_client()"),
]
GOAL_SCALE = 0.05
GOAL_MEM = 64


def parse(path):
    per_round = {}  # (metric, phase) -> {round: [values]}
    info = []   # BENCHINFO lines, without the prefix
    results = {"pass": 0, "fail": []}
    with open(path, errors="replace") as f:
        for raw in f:
            line = raw.rstrip("\n")
            m = re.match(r"^BENCH (\S+) (with|without|noguard) (-?\d+) (-?[0-9.]+)$", line)
            if m:
                per_round.setdefault((m.group(1), m.group(2)), {}).setdefault(
                    int(m.group(3)), []).append(float(m.group(4)))
                continue
            if line.startswith("BENCHINFO "):
                info.append(line[len("BENCHINFO "):])
                continue
            m = re.match(r"^RESULT (\S+) (PASS|FAIL)(?: (.*))?$", line)
            if m:
                if m.group(2) == "PASS":
                    results["pass"] += 1
                else:
                    results["fail"].append(line)
    # Several runs of one metric in one round (tests/bench/guest.sh splits the loopback
    # setup over processes): their mean is the round's value.
    vals = {k: [statistics.mean(v[r]) for r in sorted(v)] for k, v in per_round.items()}
    return vals, info, results


def summary(values):
    if not values:
        return None
    med = statistics.median(values)
    spread = max(abs(v - med) for v in values) / med if med else 0.0
    return {"median": med, "values": values, "spread": spread}


def goal_met(op, goal, ratio):
    if op is None or ratio is None:
        return None
    if op == ">=":
        return ratio >= goal
    if op == "<=":
        return ratio <= goal
    if op == "==":
        return ratio == goal
    if op == "+-":
        return abs(ratio - 1.0) <= goal
    raise ValueError(op)


def build_line(line, path):
    vals, info, results = parse(path)
    rows = []
    release = next((i.split(" ", 1)[1] for i in info if i.startswith("kernel ")), "?")
    for rid, label, kind, wsrc, wosrc, op, goal in ROWS:
        w, wo = summary(vals.get(wsrc, [])), summary(vals.get(wosrc, []))
        ratio = None
        if w and wo and w["median"] and wo["median"]:
            ratio = wo["median"] / w["median"] if kind == "rate" else w["median"] / wo["median"]
        rows.append({
            "id": rid, "label": label, "kind": kind,
            "unit": "ns/conn" if kind == "rate" else "ns/call",
            "with_source": list(wsrc), "without_source": list(wosrc),
            "with": w, "without": wo,
            "delta": (w["median"] - wo["median"]) if w and wo else None,
            "ratio": ratio, "goal": {"op": op, "value": goal} if op else None,
            "met": goal_met(op, goal, ratio),
        })

    # Scale: cost at each size against the smallest size, module loaded.
    sizes = sorted({int(m.rsplit("_", 1)[1]) for (m, _p) in vals
                    if m.startswith("scale_getpeername_")})
    for name, label in SCALE_METRICS:
        if not sizes:
            break
        base = summary(vals.get(("scale_%s_%d" % (name, sizes[0]), "with"), []))
        for n in sizes[1:]:
            cur = summary(vals.get(("scale_%s_%d" % (name, n), "with"), []))
            ratio = cur["median"] / base["median"] if cur and base else None
            rows.append({
                "id": "scale_%s_%d" % (name, n),
                "label": "%s with %d TOA connections open vs %d" % (label, n, sizes[0]),
                "kind": "scale", "unit": "ns/call",
                "with_source": ["scale_%s_%d" % (name, n), "with"],
                "without_source": ["scale_%s_%d" % (name, sizes[0]), "with"],
                "with": cur, "without": base,
                "delta": cur["median"] - base["median"] if cur and base else None,
                "ratio": ratio, "goal": {"op": "+-", "value": GOAL_SCALE},
                "met": goal_met("+-", GOAL_SCALE, ratio),
            })

    # Memory: toa_sock slab bytes per connection at the largest size; none without TOA.
    if sizes:
        n = sizes[-1]
        mem = summary(vals.get(("mem_toa_bytes_per_conn_%d" % n, "with"), []))
        objs = summary(vals.get(("mem_toa_objs_per_conn_%d" % n, "with"), []))
        growth = summary(vals.get(("mem_toa_slab_growth_per_conn_%d" % n, "with"), []))
        objsize = None
        for i in info:
            m = re.match(r"slab toa_sock objsize=(\d+)", i)
            if m:
                objsize = int(m.group(1))
        if mem:
            rows.append({
                "id": "mem_toa", "kind": "value", "unit": "bytes/conn",
                "label": "toa_sock slab memory per TOA connection: slab bytes per object x "
                         "objects per connection (%d open; object size %s, %.2f objects per "
                         "connection; slabs grew %.1f bytes per connection)" % (
                             n, objsize, objs["median"] if objs else 0,
                             growth["median"] if growth else float("nan")),
                "with": mem, "without": None, "delta": None, "ratio": None,
                "value": mem["median"], "objsize": objsize,
                "goal": {"op": "<=", "value": GOAL_MEM},
                "met": mem["median"] <= GOAL_MEM,
            })
        plain = summary(vals.get(("mem_plain_bytes_per_conn", "with"), []))
        if plain:
            rows.append({
                "id": "mem_plain", "kind": "value", "unit": "bytes/conn",
                "label": "toa_sock slab memory per connection without TOA",
                "with": plain, "without": None, "delta": None, "ratio": None,
                "value": plain["median"], "goal": {"op": "==", "value": 0},
                "met": plain["median"] == 0,
            })

    # Data path: every counter of the module stays flat over the transfer.
    dp = summary(vals.get(("datapath_counter_delta", "with"), []))
    if dp:
        mb = summary(vals.get(("datapath_mbytes", "with"), []))
        pk = summary(vals.get(("datapath_packets", "with"), []))
        rows.append({
            "id": "datapath", "kind": "value", "unit": "counter increments",
            "label": "module counters moved over %.1f MB / %d packets on established TOA "
                     "connections" % (mb["median"] if mb else 0, pk["median"] if pk else 0),
            "with": dp, "without": None, "delta": None, "ratio": None,
            "value": dp["median"], "goal": {"op": "==", "value": 0},
            "met": dp["median"] == 0,
        })

    have = any(r["with"] for r in rows)
    return {"release": release, "console": path, "rows": rows, "info": info,
            "results": results, "has_data": have}


def fmt_num(v, unit=""):
    if v is None:
        return "–"
    if abs(v) >= 1000:
        return "%.0f" % v
    return "%.1f" % v


def fmt_goal(g):
    if not g:
        return "(info)"
    op, v = g["op"], g["value"]
    if op == "+-":
        return "±%d%%" % round(v * 100)
    return {"<=": "≤ ", ">=": "≥ ", "==": "= "}[op] + ("%g" % v)


def fmt_met(m):
    return {True: "yes", False: "**NO**", None: ""}[m]


def markdown(doc):
    out = []
    out.append("# toa benchmark%s" % (" (smoke run: numbers mean nothing)" if doc["smoke"] else ""))
    out.append("")
    out.append("Generated %s by `tests/bench/bench.sh`. Guests run under `qemu -icount shift=0 "
               "-smp 1`: one guest nanosecond is one emulated instruction, so the values are "
               "instruction counts (per connection or per call), comparable within a boot, "
               "not wall time. Medians of %s alternating rounds without and with the module "
               "in one boot. Setup rows: ratio = rate with / rate without (= time without / "
               "time with); call rows: ratio = time with / time without. *spread* is the "
               "largest distance of a round from its median, over both columns. The k8s "
               "rows: the Kubernetes node of tests/guest/k8s-node.sh (kube-proxy's iptables "
               "rules, externalTrafficPolicy: Cluster), in rounds of three phases: no module "
               "(*without*), the module with guard=N, the module with guard=Y (*with*); the "
               "guard's row compares the last two." %
               (doc["generated"], doc.get("rounds", "?")))
    out.append("")
    for line, d in doc["lines"].items():
        out.append("## Linux %s (%s)" % (line, d["release"]))
        out.append("")
        out.append("| metric | without | with | Δ | ratio | goal | met? | spread |")
        out.append("|---|---:|---:|---:|---:|---|---|---:|")
        for r in d["rows"]:
            if r["kind"] == "value":
                out.append("| %s | | %s %s | | | %s | %s | |" % (
                    r["label"], fmt_num(r["value"]), r["unit"], fmt_goal(r["goal"]),
                    fmt_met(r["met"])))
                continue
            spread = max([s["spread"] for s in (r["with"], r["without"]) if s] or [0])
            out.append("| %s | %s | %s | %s | %s | %s | %s | %.1f%% |" % (
                r["label"],
                fmt_num(r["without"]["median"]) if r["without"] else "–",
                fmt_num(r["with"]["median"]) if r["with"] else "–",
                ("%+.0f" % r["delta"]) if r["delta"] is not None else "–",
                ("%.3f" % r["ratio"]) if r["ratio"] is not None else "–",
                fmt_goal(r["goal"]), fmt_met(r["met"]), spread * 100))
        if d["results"]["fail"]:
            out.append("")
            out.append("Run problems: " + "; ".join(d["results"]["fail"]))
        out.append("")
        for i in d["info"]:
            # the module's counters per operation on the Kubernetes node (first round)
            if i.startswith(("datapath ", "mem_plain ", "mem_toa ", "slab ", "k8s nf_")) or \
                    re.match(r"hits k8s_\S+_(with|noguard)_1 ", i):
                out.append("- `%s`" % i)
        out.append("")
    missed = [(l, r) for l, d in doc["lines"].items() for r in d["rows"] if r["met"] is False]
    out.append("## Goals missed")
    out.append("")
    if not missed:
        out.append("None.")
    for l, r in missed:
        v = r["ratio"] if r["ratio"] is not None else r.get("value")
        out.append("- %s: %s: %s (goal %s)" % (l, r["label"], "%.3f" % v if isinstance(v, float) else v,
                                               fmt_goal(r["goal"])))
    out.append("")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", required=True)
    ap.add_argument("--md", required=True)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("consoles", nargs="+", help="LINE=console.log")
    a = ap.parse_args()
    doc = {"generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "smoke": a.smoke, "lines": {}}
    ok = True
    for c in a.consoles:
        line, _, path = c.partition("=")
        d = build_line(line, path)
        doc["lines"][line] = d
        for i in d["info"]:
            m = re.match(r"config rounds=(\d+)", i)
            if m:
                doc["rounds"] = int(m.group(1))
        if not d["has_data"]:
            print("report: %s: no benchmark output in %s" % (line, path), file=sys.stderr)
            ok = False
    with open(a.json, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    md = markdown(doc)
    with open(a.md, "w") as f:
        f.write(md)
    print(md)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
