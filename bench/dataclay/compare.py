# One dataClay round of bench/compare.ts: starts Redis, a metadata service and 3 backends of dataClay 4.3 (Python)
# on free ports in a temp dir, runs the table's operations and prints one JSON line of figures (µs for latencies,
# operations per second for rates), with the keys bench/compare.ts reads. Everything it started is stopped.
# Run by bench/compare.ts when DATACLAY_PYTHON names this interpreter; needs redis-server on PATH.
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
SEQ = int(os.environ.get("BENCH_SEQUENTIAL", "2000"))
CONCURRENT = int(os.environ.get("BENCH_CONCURRENT", "20000"))
CONTROL = int(os.environ.get("BENCH_CONTROL", "200"))
PERSISTS = 1000
PERSIST_WARMUP = int(os.environ.get("BENCH_PERSIST_WARMUP", "8"))
CONTROL_WARMUP = int(os.environ.get("BENCH_CONTROL_WARMUP", "3000"))  # as bench/compare.ts warms its side
PERSIST_RUNS = int(os.environ.get("BENCH_PERSIST_RUNS", "5"))
IN_FLIGHT = 64


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=30.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port} after {timeout} s")


def p50(op, n, warmup=200):
    for _ in range(warmup):
        op()
    out = []
    for _ in range(n):
        t = time.perf_counter_ns()
        op()
        out.append((time.perf_counter_ns() - t) / 1000)
    return statistics.median(out)


def rate(op, total, in_flight):
    with ThreadPoolExecutor(max_workers=in_flight) as pool:
        list(pool.map(lambda _: op(), range(min(total, 1000))))  # warm-up at the same concurrency
        t = time.perf_counter()
        list(pool.map(lambda _: op(), range(total)))
        return total / (time.perf_counter() - t)


def main():
    tmp = tempfile.mkdtemp(prefix="dataclay-compare-")
    procs = []
    env = dict(os.environ)
    redis_port, md_port = free_port(), free_port()
    env.update(
        DATACLAY_KV_HOST="127.0.0.1",
        DATACLAY_KV_PORT=str(redis_port),
        DATACLAY_METADATA_HOST="127.0.0.1",
        DATACLAY_METADATA_PORT=str(md_port),
        DATACLAY_LOGLEVEL="WARNING",
        PYTHONPATH=os.pathsep.join([HERE, env.get("PYTHONPATH", "")]),
    )
    log = open(os.path.join(tmp, "dataclay.log"), "w")
    try:
        procs.append(subprocess.Popen(["redis-server", "--port", str(redis_port), "--save", ""], stdout=log, stderr=log))
        wait_port(redis_port)
        procs.append(subprocess.Popen([sys.executable, "-m", "dataclay.metadata"], env=env, stdout=log, stderr=log))
        wait_port(md_port)
        for i in range(3):
            port = free_port()
            benv = dict(env, DATACLAY_BACKEND_PORT=str(port), DATACLAY_BACKEND_HOST="127.0.0.1",
                        DATACLAY_STORAGE_PATH=os.path.join(tmp, f"backend-{i + 1}"), DATACLAY_EPHEMERAL="true")
            procs.append(subprocess.Popen([sys.executable, "-m", "dataclay.backend"], env=benv, stdout=log, stderr=log))
            wait_port(port)
        os.environ.update({k: env[k] for k in ("DATACLAY_METADATA_HOST", "DATACLAY_METADATA_PORT")})
        sys.path.insert(0, HERE)
        from dataclay import Client
        from bench_model import Box, Echo

        client = Client(host="127.0.0.1", port=md_port)
        client.start()
        deadline = time.time() + 30
        while len(client.get_backends()) < 3:
            if time.time() > deadline:
                raise RuntimeError("the 3 dataClay backends did not register")
            time.sleep(0.2)
        backends = sorted(client.get_backends().keys(), key=str)
        print(json.dumps(measure(Box, Echo, backends)))
        client.stop()
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


def measure(Box, Echo, backends):
    payload = bytes([7]) * 100
    echo = Echo(payload)
    echo.make_persistent(backend_id=backends[0])
    box = Box(1)
    alias = f"compare-{time.time_ns()}"
    box.make_persistent(alias=alias, backend_id=backends[1])
    figures = {
        "call": p50(lambda: echo.echo(payload), SEQ),
        "callTput": rate(lambda: echo.echo(payload), CONCURRENT, IN_FLIGHT),
        "dcGet": p50(lambda: echo.payload, SEQ),
    }

    def set_payload():
        echo.payload = payload

    figures["dcSet"] = p50(set_payload, SEQ)
    counter = [0]

    def set_new_payload():
        counter[0] += 1
        echo.payload = counter[0].to_bytes(4, "big") + payload[4:]

    figures["dcSetNew"] = p50(set_new_payload, SEQ // 4)
    figures["getByAlias"] = p50(lambda: Box.get_by_alias(alias), SEQ)
    def persist_rate(at_once):
        # the median of PERSIST_RUNS timed runs after PERSIST_WARMUP untimed ones, as in bench/compare.ts
        rates = []
        for _ in range(PERSIST_WARMUP + PERSIST_RUNS):
            boxes = [Box(i) for i in range(PERSISTS)]
            t = time.perf_counter()
            if at_once:
                with ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
                    list(pool.map(lambda b: b.make_persistent(), boxes))
            else:
                for b in boxes:
                    b.make_persistent()
            rates.append(PERSISTS / (time.perf_counter() - t))
        return statistics.median(rates[PERSIST_WARMUP:])

    figures["persistSeq"] = persist_rate(False)
    figures["persistAtOnce"] = persist_rate(True)

    mover = Box(2)
    mover.make_persistent(backend_id=backends[0])
    at = [0]

    def move():
        at[0] += 1
        mover.move(backends[at[0] % 3])

    figures["move"] = p50(move, CONTROL, CONTROL_WARMUP)
    original = Box(3)
    original.make_persistent(backend_id=backends[2])
    figures["newVersion"] = p50(lambda: original.new_version(), CONTROL, CONTROL_WARMUP)
    times = []
    for i in range(CONTROL + CONTROL_WARMUP):
        version = original.new_version()
        t = time.perf_counter_ns()
        version.consolidate_version()
        if i >= CONTROL_WARMUP:
            times.append((time.perf_counter_ns() - t) / 1000)
    figures["consolidate"] = statistics.median(times)
    return figures


if __name__ == "__main__":
    main()
