"""Run the fake Azure ML service until Ctrl-C: ``python -m tests.fake_aml [--port 8443]`` from the project root.

Prints the ``export`` lines for a shell in which ``az login --identity`` and ``az ml batch-troubleshoot ...`` talk
to the fake, and an admin cheat sheet.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import tempfile
import threading
from pathlib import Path

from . import fixtures, running_fake_aml
from .server import prepare_az_config_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fake_aml", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="TLS port (default: a free one)")
    parser.add_argument("--no-proxy", action="store_true", help="do not start the loopback-only CONNECT proxy")
    parser.add_argument("--data-dir", help="folder with one log tree per run (default: tests/fake_aml/data)")
    parser.add_argument("--predictions-mb", type=int, default=50, help="size of each lazy predictions.csv")
    parser.add_argument("--tick", type=float, default=0.0, help="advance the running job every N seconds (0 = off)")
    parser.add_argument("--config-dir", help="AZURE_CONFIG_DIR to suggest (default: a new temp dir)")
    parser.add_argument("--request-log", help="also append every request as JSON lines to this file")
    args = parser.parse_args(argv)

    config_dir = Path(args.config_dir or tempfile.mkdtemp(prefix="fake-aml-azconfig-"))
    with running_fake_aml(
        port=args.port,
        proxy=not args.no_proxy,
        data_dir=args.data_dir,
        predictions_size=args.predictions_mb * fixtures.MB,
        request_log_file=args.request_log,
    ) as fake:
        prepare_az_config_dir(config_dir)
        env = fake.az_env(config_dir)
        print(f"# fake Azure ML service on {fake.base_url} (workdir {fake.workdir}); Ctrl-C to stop", flush=True)
        print("# paste into a shell:")
        for key, value in env.items():
            print(f"export {key}={shlex.quote(value)}")
        if fake.proxy_url:
            print("# the *_PROXY lines route HTTPS through a guard that only reaches this fake (drop them to opt out)")
        print("# then: az login --identity && az account show")
        print(f"# jobs: {', '.join(sorted(fake.state.jobs))}; missing: {fixtures.MISSING}")
        admin = f"curl -s --cacert {shlex.quote(str(fake.ca_bundle))} {fake.base_url}/_admin"
        print(f"# admin: {admin}/state | {admin}/requests")
        print(f"#   {admin}/tick -X POST -d '{{\"times\": 1}}'   (grow {fixtures.RUNNING_CHILD}'s logs)")
        print(
            f'#   {admin}/faults -X POST -d \'{{"pattern": "/jobs/{fixtures.SUCCEEDED}", "status": 503, "count": 2}}\''
        )
        sys.stdout.flush()
        if args.tick > 0:
            fake.start_ticker(args.tick)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    print("# stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
