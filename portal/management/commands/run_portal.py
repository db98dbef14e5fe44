"""Run the whole portal on one machine: the web server and a Celery worker with an embedded beat.

Both run as child processes with this process's environment. Ctrl-C (SIGINT) or SIGTERM
stops both; if either one dies, the other is stopped too and the command fails.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

DEMO_ACCOUNTS = [
    ("admin@example.com", "administrator"),
    ("manager@example.com", "relationship manager"),
    ("viewer@example.com", "viewer"),
    ("auditor@example.com", "auditor"),
    ("ops@acme.example.com", "vendor administrator, Acme Managed Services"),
    ("ops@globex.example.com", "vendor administrator, Globex Cloud"),
]
WEB_ARGS = ["--noreload"]
WORKER_ARGS = ["worker", "-B", "--pool=solo", "--loglevel=INFO"]
POLL_SECONDS = 0.5
STOP_TIMEOUT_SECONDS = 20


class Command(BaseCommand):
    help = "Start the web server and a Celery worker with beat; Ctrl-C stops both."
    # Each child runs Django's checks itself; this parent only supervises.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--port", type=int, default=None, help="HTTP port (default: the PORT variable, else 8000)."
        )

    def handle(self, *args, port=None, **options):
        port = port or int(os.environ.get("PORT") or 8000)
        self.stop_signal = None
        signal.signal(signal.SIGINT, self.request_stop)
        signal.signal(signal.SIGTERM, self.request_stop)

        self.print_banner(port)
        manage_py = str(settings.BASE_DIR / "manage.py")
        children = {
            "web server": self.start([sys.executable, manage_py, "runserver", f"0.0.0.0:{port}", *WEB_ARGS]),
            "worker": self.start([sys.executable, "-m", "celery", "-A", "config", *WORKER_ARGS]),
        }
        dead = self.supervise(children)
        self.stop(children)
        if dead:
            name, code = dead
            raise CommandError(f"The {name} exited with code {code}; stopped the portal.")
        self.stdout.write("Portal stopped.")

    def request_stop(self, signum, frame):
        self.stop_signal = signum

    def start(self, command):
        # A session of its own: a terminal's Ctrl-C reaches only this supervisor, which then
        # stops each child (and any process the child started) in order.
        return subprocess.Popen(command, cwd=settings.BASE_DIR, env=os.environ.copy(), start_new_session=True)

    def supervise(self, children):
        """Wait for a stop signal or for a child to exit; return (name, exit code) of a dead child."""
        while self.stop_signal is None:
            for name, child in children.items():
                if child.poll() is not None:
                    return name, child.returncode
            time.sleep(POLL_SECONDS)
        return None

    def stop(self, children):
        for child in children.values():
            self.signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for name, child in children.items():
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"The {name} did not stop within {STOP_TIMEOUT_SECONDS} s; killing it.")
                self.signal_group(child, signal.SIGKILL)
                child.wait()

    @staticmethod
    def signal_group(child, signum):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signum)

    def print_banner(self, port):
        lines = [
            "",
            f"Vendor governance portal: http://127.0.0.1:{port}/  (listening on 0.0.0.0:{port})",
            f"Demo accounts, password {settings.DEMO_PASSWORD!r}:",
            *(f"  {email:<26} {role}" for email, role in DEMO_ACCOUNTS),
            "Press Ctrl-C to stop the web server and the worker.",
            "",
        ]
        self.stdout.write("\n".join(lines))
