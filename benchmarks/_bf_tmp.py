import sys
import benchmarks.airflow_home
import benchmarks.scale as sc
from devstack.moto_stack import MotoStack
size = int(sys.argv[1])
with MotoStack() as stack:
    for scale in [float(x) for x in sys.argv[2:]]:
        sc.RATE_SCALE = scale
        try:
            r = sc.backfill(stack.url, size)
            print(f"scale {scale}: {r.seconds:.1f}s calls {r.calls} throttled {r.throttled} lost {r.lost}", flush=True)
        except Exception as e:
            print(f"scale {scale}: FAILED {type(e).__name__}: {str(e)[:150]}", flush=True)
