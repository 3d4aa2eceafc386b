"""``p4p-app``: start the page on a local port (Solara's server) and print its address."""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="p4p-app", description=main.__doc__)
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: this machine only)"
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--outputs", default="outputs/app", help="where page runs are written")
    parser.add_argument("--no-open", action="store_true", help="do not open a browser")
    args = parser.parse_args(argv)
    # no calls home: no version check, no telemetry; assets come from solara-assets
    env = {
        **os.environ,
        "P4P_APP_OUTPUTS": args.outputs,
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    }
    command = [
        sys.executable,
        "-m",
        "solara",
        "run",
        "sim.app.page",
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--production",
        "--no-check-version",
    ]
    if args.no_open:
        command.append("--no-open")
    print(f"p4p-app: http://{args.host}:{args.port}  (Ctrl-C stops it)", flush=True)
    os.execve(sys.executable, command, env)  # become the server: signals reach it directly


if __name__ == "__main__":
    sys.exit(main())
