"""An SMTP server for the end-to-end run: every message it accepts is written to a folder as
an .eml file, named in the order received. Run as  python -m tests.e2e.smtp_sink PORT FOLDER;
stops on SIGTERM."""

import signal
import sys
import threading
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class FolderSink:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            self.count += 1
            name = f"{self.count:05d}.eml"
        # Written under a temporary name, then renamed: a reader never sees half a message.
        partial = self.folder / f".{name}.part"
        partial.write_bytes(envelope.original_content or b"")
        partial.rename(self.folder / name)
        return "250 Message accepted for delivery"


def main() -> None:
    port, folder = int(sys.argv[1]), Path(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(FolderSink(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"SMTP sink on 127.0.0.1:{port}, writing to {folder}", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    controller.stop()


if __name__ == "__main__":
    main()
