#!/usr/bin/env python3
"""Run PyVRP, VROOM (pyvroom) and OR-Tools on the same benchmark instances as
`bench_vrp`, with the same integer matrices and the same time budget, and
write peers.csv (instance, solver, cost, routes, time).

Matrices follow the conventions of solver::formats:
- Solomon / Gehring-Homberger: floor(10 * euclid) for distance and time,
  windows and service times times ten; cost reported divided by ten (the
  DIMACS convention), and for Gehring-Homberger the double-precision distance
  of the routes (the SINTEF convention of their best-known solutions);
- VRPLIB CVRP (X): nint(euclid), one vehicle per customer.

The peers' code never enters the project: this script only calls them if
installed (pip install -r benches/peers/requirements.txt).
"""
import argparse
import csv
import glob
import math
import os
import sys
import time
from datetime import timedelta


def read_solomon(path):
    lines = [l.strip() for l in open(path) if l.strip()]
    name = lines[0]
    i = next(k for k, l in enumerate(lines) if l.upper() == "VEHICLE")
    fleet, cap = map(int, lines[i + 2].split())
    j = next(k for k, l in enumerate(lines) if l.upper() == "CUSTOMER")
    rows = [list(map(float, l.split())) for l in lines[j + 2:]]
    pts = [(r[1], r[2]) for r in rows]
    n = len(pts)
    d = [[int(math.isqrt(int(100 * ((pts[a][0] - pts[b][0]) ** 2 + (pts[a][1] - pts[b][1]) ** 2))))
          for b in range(n)] for a in range(n)]
    return dict(
        name=name, kind="solomon", pts=pts, matrix=d, fleet=fleet, capacity=cap,
        demand=[int(r[3]) for r in rows], tw=[(int(r[4]) * 10, int(r[5]) * 10) for r in rows],
        service=[int(r[6]) * 10 for r in rows], ids=[str(int(r[0])) for r in rows],
    )


def read_vrplib(path):
    coords, demand, depot, cap, name, section = {}, {}, None, None, "", None
    for raw in open(path):
        l = raw.strip()
        if not l or l == "EOF":
            continue
        if l.endswith("_SECTION"):
            section = l
            continue
        if ":" in l and l.split(":")[0].strip().isupper():
            k, v = [x.strip() for x in l.split(":", 1)]
            if k == "NAME":
                name = v
            elif k == "CAPACITY":
                cap = int(v)
            section = None
            continue
        f = l.split()
        if section == "NODE_COORD_SECTION":
            coords[int(f[0])] = (float(f[1]), float(f[2]))
        elif section == "DEMAND_SECTION":
            demand[int(f[0])] = int(f[1])
        elif section == "DEPOT_SECTION" and int(f[0]) >= 0 and depot is None:
            depot = int(f[0])
    ids = [depot] + sorted(k for k in coords if k != depot)
    pts = [coords[k] for k in ids]
    n = len(pts)
    d = [[int(math.floor(math.hypot(pts[a][0] - pts[b][0], pts[a][1] - pts[b][1]) + 0.5)) for b in range(n)]
         for a in range(n)]
    big = 10 ** 9
    return dict(
        name=name, kind="vrplib", pts=pts, matrix=d, fleet=n - 1, capacity=cap,
        demand=[demand[k] for k in ids], tw=[(0, big)] * n, service=[0] * n, ids=[str(r) for r in range(n)],
    )


def cost_of(inst, routes):
    """Cost in the published unit of routes given as lists of location indices (depot excluded)."""
    m = inst["matrix"]
    total = 0
    for r in routes:
        seq = [0] + r + [0]
        total += sum(m[a][b] for a, b in zip(seq, seq[1:]))
    if inst["kind"] == "vrplib":
        return total
    if inst.get("gh"):
        p = inst["pts"]
        return round(sum(math.hypot(p[a][0] - p[b][0], p[a][1] - p[b][1])
                         for r in routes for a, b in zip([0] + r, r + [0])), 2)
    return total / 10


def feasible(inst, routes):
    m, tw, svc, dem = inst["matrix"], inst["tw"], inst["service"], inst["demand"]
    seen = sorted(c for r in routes for c in r)
    if seen != list(range(1, len(m))):
        return False
    for r in routes:
        if sum(dem[c] for c in r) > inst["capacity"]:
            return False
        t, prev = tw[0][0], 0
        for c in r:
            t = max(t + m[prev][c], tw[c][0])
            if t > tw[c][1]:
                return False
            t += svc[c]
            prev = c
        if t + m[prev][0] > tw[0][1]:
            return False
    return True


def run_pyvrp(inst, seconds, threads, seed):
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime
    m = Model()
    locs = [m.add_location(x=int(p[0]), y=int(p[1])) for p in inst["pts"]]
    depot = m.add_depot(locs[0])
    m.add_vehicle_type(num_available=inst["fleet"], capacity=inst["capacity"],
                       tw_early=inst["tw"][0][0], tw_late=inst["tw"][0][1])
    for i in range(1, len(locs)):
        m.add_client(locs[i], delivery=inst["demand"][i], service_duration=inst["service"][i],
                     tw_early=inst["tw"][i][0], tw_late=inst["tw"][i][1])
    d = inst["matrix"]
    for a in range(len(locs)):
        for b in range(len(locs)):
            m.add_edge(locs[a], locs[b], distance=d[a][b], duration=d[a][b])
    res = m.solve(stop=MaxRuntime(seconds), seed=seed, display=False)
    if not res.is_feasible():
        return None
    # Client activities are numbered among clients; the one depot is location 0.
    return [[a.idx + 1 for a in r if a.is_client()] for r in res.best.routes()]


def run_vroom(inst, seconds, threads, seed):
    import vroom
    p = vroom.Input()
    p.set_durations_matrix(profile="car", matrix_input=inst["matrix"])
    for k in range(inst["fleet"]):
        p.add_vehicle(vroom.Vehicle(k + 1, start=0, end=0, capacity=[inst["capacity"]],
                                    time_window=vroom.TimeWindow(*inst["tw"][0])))
    for i in range(1, len(inst["matrix"])):
        p.add_job(vroom.Job(i, location=i, default_service=inst["service"][i], delivery=[inst["demand"][i]],
                            time_windows=[vroom.TimeWindow(*inst["tw"][i])]))
    sol = p.solve(exploration_level=5, nb_threads=threads, timeout=timedelta(seconds=seconds))
    routes = {}
    for row in sol.routes.itertuples():
        if row.type == "job":
            routes.setdefault(row.vehicle_id, []).append(int(row.id))
    return list(routes.values())


def run_ortools(inst, seconds, threads, seed):
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2
    n, d = len(inst["matrix"]), inst["matrix"]
    fleet = inst["fleet"]
    manager = pywrapcp.RoutingIndexManager(n, fleet, 0)
    routing = pywrapcp.RoutingModel(manager)
    dist = routing.RegisterTransitCallback(lambda a, b: d[manager.IndexToNode(a)][manager.IndexToNode(b)])
    routing.SetArcCostEvaluatorOfAllVehicles(dist)
    dem = routing.RegisterUnaryTransitCallback(lambda a: inst["demand"][manager.IndexToNode(a)])
    routing.AddDimensionWithVehicleCapacity(dem, 0, [inst["capacity"]] * fleet, True, "load")
    if inst["kind"] == "solomon":
        svc = inst["service"]
        time_cb = routing.RegisterTransitCallback(
            lambda a, b: d[manager.IndexToNode(a)][manager.IndexToNode(b)] + svc[manager.IndexToNode(a)])
        horizon = inst["tw"][0][1]
        routing.AddDimension(time_cb, horizon, horizon, False, "time")
        td = routing.GetDimensionOrDie("time")
        for i in range(1, n):
            td.CumulVar(manager.NodeToIndex(i)).SetRange(*inst["tw"][i])
        for v in range(fleet):
            td.CumulVar(routing.Start(v)).SetRange(*inst["tw"][0])
            td.CumulVar(routing.End(v)).SetRange(*inst["tw"][0])
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    sol = routing.SolveWithParameters(params)
    if sol is None:
        return None
    routes = []
    for v in range(fleet):
        idx, r = routing.Start(v), []
        idx = sol.Value(routing.NextVar(idx))
        while not routing.IsEnd(idx):
            r.append(manager.IndexToNode(idx))
            idx = sol.Value(routing.NextVar(idx))
        if r:
            routes.append(r)
    return routes


SOLVERS = {"pyvrp": run_pyvrp, "vroom": run_vroom, "ortools": run_ortools}


def instances(data, name_set):
    bench = os.path.join(data, "bench")
    if name_set == "solomon":
        return [(p, read_solomon, False) for p in sorted(glob.glob(f"{bench}/solomon/instances/*.txt"))]
    if name_set in ("gh200", "gh400"):
        return [(p, read_solomon, True) for p in sorted(glob.glob(f"{bench}/homberger/{name_set[2:]}/*.txt"))]
    if name_set == "x":
        files = sorted(glob.glob(f"{bench}/cvrplib-x/instances/*.vrp"),
                       key=lambda p: int(os.path.basename(p).split("-")[1][1:]))
        return [(p, read_vrplib, False) for p in files]
    sys.exit(f"unknown set {name_set}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", required=True, choices=["solomon", "x", "gh200", "gh400"])
    ap.add_argument("--filter", default="")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--max-customers", type=int, default=400, help="X set: largest instance size")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--solvers", default="pyvrp,vroom,ortools")
    ap.add_argument("--data", default=os.environ.get("LASTMILE_SHARED_DATA",
                                                     os.path.join(os.path.dirname(__file__), "../../../shared/data")))
    ap.add_argument("--out", default="peers.csv")
    a = ap.parse_args()
    todo = [(p, r, gh) for p, r, gh in instances(a.data, a.set) if any(f in os.path.basename(p) for f in a.filter.split(","))]
    if a.set == "x":
        todo = [t for t in todo if int(os.path.basename(t[0]).split("-")[1][1:]) - 1 <= a.max_customers]
    if a.limit:
        todo = todo[: a.limit]
    new = not os.path.exists(a.out)
    with open(a.out, "a", newline="") as f:
        w = csv.writer(f)
        if new:
            w.writerow(["instance", "solver", "cost", "routes", "time"])
        for path, reader, gh in todo:
            inst = reader(path)
            inst["gh"] = gh
            for s in a.solvers.split(","):
                t0 = time.monotonic()
                try:
                    routes = SOLVERS[s](inst, a.seconds, a.threads, a.seed)
                except ImportError as e:
                    print(f"{s}: not installed ({e}); skipped", file=sys.stderr)
                    continue
                t = time.monotonic() - t0
                if routes is None or not feasible(inst, routes):
                    w.writerow([inst["name"], s, "infeasible", "", f"{t:.2f}"])
                else:
                    w.writerow([inst["name"], s, cost_of(inst, routes), len(routes), f"{t:.2f}"])
                f.flush()
                print(f"{inst['name']} {s}: {'-' if routes is None else cost_of(inst, routes) if routes else '-'} in {t:.1f} s",
                      file=sys.stderr)


if __name__ == "__main__":
    main()
