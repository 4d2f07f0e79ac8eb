"""``python -m infra.local.stack``: the whole CRM on loopback (``make run``).

Emulator -> provisioning from the deploy templates -> services imported in-process ->
saved state restored -> pollers, scheduler and the HTTP gateway started. Runs in the
foreground until Ctrl-C or SIGTERM, then saves state and stops everything it started.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
import time
from functools import partial
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from infra.local.log import say
from infra.local.provision import REPO_ROOT
from shared.settings import DEV_AUTH_ENVIRONMENT

if TYPE_CHECKING:
    from infra.local.aws import Clients
    from infra.local.emulator import Emulator
    from infra.local.functions import Runtime
    from infra.local.gateway import Gateway
    from infra.local.pollers import Poller
    from infra.local.scheduler import Scheduler
    from infra.local.state import Saver
    from infra.local.topology import Topology

REGION = "us-east-1"

DIFFERENCES = (
    "queues use VisibilityTimeout=2s (job queues 60s, campaign senders' 10s: QueueVisibilityTimeout, "
    "JobQueueVisibilityTimeout, SendsVisibilityTimeout) so poison messages reach their DLQ in seconds",
    "stream pollers start at LATEST after a restore (templates say TRIM_HORIZON); unrelayed outbox records are "
    "replayed from the table instead",
    "tables are saved to the state dir; queue contents, sent mail and run-time schedules are not",
    "all functions share one process; one request at a time per service API",
    "schedules fire at their exact time (no flexible window); failed deliveries are logged, not retried",
    "the bus archive is not created (moto's archive slows every PutEvents as it grows)",
)
MOTO_DIFFERENCES = (
    "a table's stream stores only the records one of its event source mappings takes (AWS keeps all for 24 h)",
)
LOCALSTACK_DIFFERENCES = (
    "DynamoDB is AWS's DynamoDB Local; its own port listens on every interface (LocalStack has no option for it)",
    "SESv2 SendBulkEmail is not emulated: campaign sends fail (the lead flow's welcome email uses SES v1 and works); "
    "no SES faults (PUT /_local/ses/faults is moto's)",
    "streams keep every record (the stream-reader filters are moto's); a refused stream iterator is opened again",
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m infra.local.stack", description=__doc__)
    parser.add_argument("--port", type=int, default=8000, help="HTTP gateway port")
    parser.add_argument("--emulator-port", type=int, default=4566, help="moto/LocalStack port")
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--emulator", choices=("moto", "localstack"), default="moto", help="the one to start")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--state-dir", type=Path, default=REPO_ROOT / ".local" / "state")
    parser.add_argument("--log-dir", type=Path, default=REPO_ROOT / ".local" / "logs")
    # A throwaway stack (the tests'): each save reads whole tables out of the emulator, a
    # cost that grows with what the stack holds, for a state nobody will restore.
    parser.add_argument("--no-save", action="store_true", help="never save the tables' state")
    return parser.parse_args(argv)


class Stack:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.stage: str = args.stage
        self.emulator: Emulator | None = None
        self.clients: Clients | None = None
        self.topology: Topology | None = None
        self.runtime: Runtime | None = None
        self.pollers: list[Poller] = []
        self.scheduler: Scheduler | None = None
        self.gateway: Gateway | None = None
        self.saver: Saver | None = None
        self.ready = False
        self.stopped = threading.Event()

    # --- start -----------------------------------------------------------------------

    def start(self) -> None:
        from infra.local import emulator

        started = time.perf_counter()
        self.emulator = emulator.start(
            self.args.emulator_port, self.args.log_dir / "emulator.log", self.args.host, self.args.emulator
        )
        say("stack", f"emulator: {self.emulator.kind} at {self.emulator.url}")
        # Before any service module is imported: shared.settings reads them once. Every
        # function's environment is laid over this one, so all of them get the local flag
        # (dev-key tokens accepted); nothing that deploys sets it.
        os.environ.update(
            AWS_ENDPOINT_URL=self.emulator.url,
            AWS_DEFAULT_REGION=REGION,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            CRM_STAGE=self.stage,
            # The links in emails (campaigns' tracking, unsubscribe) point at this gateway.
            CRM_PUBLIC_URL=f"http://{self.args.host}:{self.args.port}",
            **DEV_AUTH_ENVIRONMENT,
        )
        os.environ.pop("AWS_PROFILE", None)
        self._provision()
        if not self.emulator.is_localstack:
            from infra.local.pollers import register_stream_readers

            assert self.clients is not None and self.topology is not None
            register_stream_readers(self.clients, self.topology.streams)
        self._load_functions()
        restored = self._restore()
        self._start_pollers()
        self._start_scheduler()
        self._start_gateway()
        if not self.args.no_save:
            self._start_saver()
        self.ready = True
        self._banner(restored, time.perf_counter() - started)

    def _provision(self) -> None:
        from infra.local.aws import Clients
        from infra.local.provision import provision_all

        self.clients = Clients(os.environ["AWS_ENDPOINT_URL"], REGION)
        self.topology = provision_all(self.stage, self.clients)
        t = self.topology
        say(
            "stack",
            f"provisioned: {len(t.tables)} tables, {len(t.queues)} queues, {len(t.rules)} rules, "
            f"{len(t.schedules)} schedules, {len(t.sqs) + len(t.streams)} event source mappings",
        )
        for note in t.notes:
            say("stack", f"note: {note}")

    def _load_functions(self) -> None:
        from infra.local.functions import Runtime

        assert self.topology is not None
        self.runtime = Runtime(self.stage, environments=self.topology.environment)
        self.runtime.load()
        for warning in self.runtime.warnings:
            say("stack", f"warning: {warning}")
        names = ", ".join(f.function_name for f in self.runtime.functions())
        say("stack", f"services: {', '.join(self.runtime.services) or 'none'}; functions: {names or 'none'}")

    def _restore(self) -> dict[str, int]:
        from infra.local import state

        assert self.clients is not None and self.topology is not None
        restored = state.restore(self.clients, self.topology.tables, self.args.state_dir, self.stage)
        for table, count in restored.items():
            say("stack", f"restored {count} items into {table}")
        return restored

    def _start_pollers(self) -> None:
        from infra.local import state
        from infra.local.filters import passes
        from infra.local.pollers import SqsPoller, StreamPoller
        from infra.local.writes import install, writes

        install()
        assert self.clients is not None and self.topology is not None and self.runtime is not None
        runtime = self.runtime
        for stream in self.topology.streams:
            function = runtime.function(stream.service, stream.function)
            if function is None:
                say("stack", f"warning: {stream.service}.{stream.function} is not loaded; {stream.table_name} unpolled")
                continue
            stream_poller = StreamPoller(
                stream, self.clients, partial(runtime.invoke, function), name=function.function_name, writes=writes
            )
            stream_poller.start_at("LATEST")
            # Outbox records still in the table were never relayed (restored, or written
            # while the stack was down): hand them to the poller as if just streamed.
            replay = [
                r
                for r in state.outbox_records(self.clients, stream.table_name, stream.stream_arn, REGION)
                if passes(stream.filters, r)
            ]
            if replay and stream_poller.pending:
                next(iter(stream_poller.pending.values())).extend(replay)
                say("stack", f"{len(replay)} unrelayed outbox records in {stream.table_name} queued for the relay")
            self.pollers.append(stream_poller)
        for queue in self.topology.sqs:
            function = runtime.function(queue.service, queue.function)
            if function is None:
                say("stack", f"warning: {queue.service}.{queue.function} is not loaded; {queue.queue_arn} unpolled")
                continue
            invoke = partial(runtime.invoke, function)
            self.pollers.extend(
                SqsPoller(queue, self.clients, invoke, name=function.function_name + (f"#{n}" if n else ""))
                for n in range(queue.concurrency)
            )
        for poller in self.pollers:
            poller.start()

    def _start_scheduler(self) -> None:
        from infra.local.scheduler import Scheduler

        assert self.clients is not None and self.runtime is not None
        self.scheduler = Scheduler(self.clients, self.runtime.find, self.runtime.invoke)
        self.scheduler.start()

    def _start_gateway(self) -> None:
        from infra.local.gateway import Gateway

        assert self.runtime is not None and self.emulator is not None
        self.gateway = Gateway(
            self.runtime, self.stage, self.emulator.url, health=self.health, is_localstack=self.emulator.is_localstack
        )
        self.gateway.serve(self.args.host, self.args.port)

    def _start_saver(self) -> None:
        from infra.local.state import Saver

        assert self.clients is not None and self.topology is not None
        self.saver = Saver(self.clients, list(self.topology.tables), self.args.state_dir, self.stage)
        self.saver.start()

    # --- running -----------------------------------------------------------------------

    def health(self) -> tuple[bool, dict[str, Any]]:
        pollers = [p.status() for p in self.pollers]
        scheduler = self.scheduler.status() if self.scheduler else None
        emulator_up = bool(self.emulator and self.emulator.alive())
        healthy = (
            self.ready and emulator_up and all(p["alive"] for p in pollers) and bool(scheduler and scheduler["alive"])
        )
        runtime = self.runtime
        return healthy, {
            "stage": self.stage,
            "emulator": {
                "url": self.emulator.url if self.emulator else None,
                "kind": self.emulator.kind if self.emulator else None,
                "up": emulator_up,
            },
            "services": {
                name: {
                    "api": f"crm-{self.stage}-{name}-api",
                    "functions": {
                        f.function_name: {"invocations": f.invocations, "errors": f.errors}
                        for f in service.functions.values()
                    },
                }
                for name, service in (runtime.services.items() if runtime else [])
            },
            "pollers": pollers,
            "scheduler": scheduler,
            "warnings": runtime.warnings if runtime else [],
            "notes": self.topology.notes if self.topology else [],
        }

    def _banner(self, restored: dict[str, int], seconds: float) -> None:
        from shared.auth import issue_dev_token

        assert self.emulator is not None
        url = f"http://{self.args.host}:{self.args.port}"
        mail = (
            f"{url}/_local/emails (or {self.emulator.url}/_aws/ses)"
            if self.emulator.is_localstack
            else f"{url}/_local/emails (or {self.emulator.url}/moto-api/data.json under 'ses')"
        )
        sms = (
            f"{url}/_local/sms (or {self.emulator.url}/_aws/sns/sms-messages)"
            if self.emulator.is_localstack
            else f"{url}/_local/sms (SNS Publish to phone numbers)"
        )
        lines = [
            "",
            f"CRM local stack is up in {seconds:.1f}s (stage {self.stage})",
            f"  gateway    {url}  (/contacts /pipeline /service-desk /loyalty /campaigns)",
            f"  emulator   {self.emulator.url}  ({self.emulator.kind}; log: {self.args.log_dir / 'emulator.log'})",
            f"  health     {url}/_local/health",
            f"  sent mail  {mail}",
            f"  sent SMS   {sms}",
            f'  SES faults PUT {url}/_local/ses/faults {{"throttle": n}} or {{"fail": n}}',
            (
                "  state      not saved (--no-save)"
                if self.args.no_save
                else f"  state      {self.args.state_dir / self.stage}"
                + (f"  (restored {sum(restored.values())} items)" if restored else "")
                + "  -- `make reset` wipes it"
            ),
            "  token      make token ROLE=sales   (roles: admin manager sales agent marketer)",
            f"  admin token (12 h):\n    {issue_dev_token('admin')}",
            f'  try        curl -H "Authorization: Bearer $(make -s token)" {url}/contacts/<id>',
            "  local differences from AWS:",
            *(f"    - {d}" for d in DIFFERENCES),
            *(f"    - {d}" for d in (LOCALSTACK_DIFFERENCES if self.emulator.is_localstack else MOTO_DIFFERENCES)),
            "  stop       Ctrl-C (state is saved on the way out)",
            "",
        ]
        say("stack", "\n".join(lines))

    def wait(self) -> None:
        self.stopped.wait()

    # --- stop ------------------------------------------------------------------------------

    def stop(self) -> None:
        say("stack", "stopping...")
        if self.gateway:
            self.gateway.stop()
        if self.scheduler:
            self.scheduler.stop()
        for poller in self.pollers:
            poller.stop()
        for poller in self.pollers:
            poller.join(timeout=3)
        if self.saver:
            self.saver.stop()
            try:
                count = self.saver.save()
                say("stack", f"saved {count} items to {self.args.state_dir / self.stage}")
            except Exception as exc:
                say("stack", f"saving state failed: {type(exc).__name__}: {exc}")
        if self.emulator:
            self.emulator.stop()
        say("stack", "stopped")


def main(argv: list[str] | None = None) -> int:
    stack = Stack(parse_args(argv))

    def on_signal(signum: int, frame: FrameType | None) -> None:
        del frame
        say("stack", f"received {signal.Signals(signum).name}")
        stack.stopped.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        stack.start()
        stack.wait()
    except Exception as exc:
        say("stack", f"failed to start: {type(exc).__name__}: {exc}")
        return 1
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
