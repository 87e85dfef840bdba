"""Receipt printers, opened from one URI string, and what they say about themselves.

=============================  ==========================================================
``file:/path``                 appends jobs to a file, or a device such as /dev/usb/lp0
``tcp://HOST[:PORT]``          raw network printing (port 9100)
``usb:VID:PID``                a USB printer through libusb (python-escpos), e.g.
                               ``usb:0416:5011``; ``?in_ep=0x81&out_ep=0x03`` if needed
``serial:DEVICE[?baudrate=N]`` a serial port: /dev/ttyUSB0, COM3, or a Bluetooth serial
                               port (/dev/rfcomm0, an outgoing COM port on Windows)
``cups:QUEUE``                 a CUPS queue, sent raw with ``lp`` (Linux, macOS)
``win32:NAME``                 a Windows printer, sent raw through the spooler
=============================  ==========================================================

Before a job, printers that answer status queries (network, USB, serial) are asked for
their paper sensor and cover (``DLE EOT 4`` and ``DLE EOT 2``); a printer out of paper or
with its cover open refuses the job with a sentence saying so, and the job stays queued.
A printer that does not answer is assumed ready.
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import socket
import subprocess
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from coopos.domain.errors import CooposError, ValidationError
from coopos.i18n import _
from coopos.printing.os_errors import os_reason

log = logging.getLogger(__name__)

DEFAULT_PORT = 9100
STATUS_TIMEOUT = 0.4  # seconds to wait for a status byte; silence means "no status"
DLE_EOT = b"\x10\x04"
SCHEMES = ("file", "tcp", "usb", "serial", "cups", "win32")


class PrinterError(CooposError):
    """The printer could not take the job: the sale is saved, the receipt can be printed
    again."""


# -- status -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrinterStatus:
    """What a printer answered to real-time status queries."""

    paper: str = "ok"  # ok, low or out
    cover_open: bool = False

    def problem(self) -> str | None:
        """A sentence for a state that stops printing, else None."""
        if self.paper == "out":
            return _("The printer is out of paper: put in a new roll, then print again.")
        if self.cover_open:
            return _("The printer's cover is open: close it, then print again.")
        return None

    def describe(self) -> str:
        problem = self.problem()
        if problem:
            return problem
        if self.paper == "low":
            return _("The printer is ready; its paper roll is nearly finished.")
        return _("The printer is ready.")


def _status_byte(data: bytes) -> int | None:
    """A real-time status byte: bits 1 and 4 set, bits 0 and 7 clear."""
    return data[0] if data and (data[0] & 0x93) == 0x12 else None


def parse_status(paper_byte: bytes, offline_byte: bytes) -> PrinterStatus | None:
    """From the answers to ``DLE EOT 4`` (roll paper sensor) and ``DLE EOT 2`` (offline
    cause); None if the printer gave no valid answer."""
    paper, offline = _status_byte(paper_byte), _status_byte(offline_byte)
    if paper is None and offline is None:
        return None
    state = "ok"
    if (paper or 0) & 0x60 or (offline or 0) & 0x20:  # paper end sensor / stopped
        state = "out"
    elif (paper or 0) & 0x0C:  # near-end sensor
        state = "low"
    return PrinterStatus(paper=state, cover_open=bool((offline or 0) & 0x04))


# -- printers -----------------------------------------------------------------------------


class Printer(Protocol):
    uri: str

    def send(self, job: bytes) -> None:
        """Deliver the whole job or raise :class:`PrinterError`."""

    def status(self) -> PrinterStatus | None:
        """The printer's state, or None if it cannot tell."""


class _Connection(Protocol):
    def write(self, data: bytes) -> None: ...
    def read(self, timeout: float) -> bytes: ...
    def close(self) -> None: ...


class _TwoWayPrinter:
    """A printer reached through a connection that can also be read (status)."""

    uri = ""

    def _connect(self) -> _Connection:
        raise NotImplementedError

    def _error(self, exc: BaseException) -> PrinterError:
        reason = os_reason(exc)
        return PrinterError(
            _(
                "The printer {printer} did not take the whole receipt ({error}): check it "
                "(paper, power, cable) and print again.",
                printer=self.uri,
                error=reason,
            )
        )

    @staticmethod
    def _query(conn: _Connection) -> PrinterStatus | None:
        answers = []
        for n in (4, 2):
            conn.write(DLE_EOT + bytes([n]))
            answers.append(conn.read(STATUS_TIMEOUT))
            if not answers[-1]:
                return None  # a printer that does not answer the first will not answer
        return parse_status(*answers)

    def status(self) -> PrinterStatus | None:
        conn = self._connect()
        try:
            return self._query(conn)
        except OSError as exc:
            raise self._error(exc) from exc
        finally:
            conn.close()

    def send(self, job: bytes) -> None:
        conn = self._connect()
        try:
            state = self._query(conn)
            problem = state.problem() if state else None
            if problem:
                raise PrinterError(problem)
            conn.write(job)
        except OSError as exc:
            raise self._error(exc) from exc
        finally:
            conn.close()


class FilePrinter:
    """Appends jobs to a file (a spool file for tests, or a device like /dev/usb/lp0)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.uri = f"file:{self.path}"

    def status(self) -> PrinterStatus | None:
        return None

    def send(self, job: bytes) -> None:
        try:
            with self.path.open("ab") as fh:
                fh.write(job)
                fh.flush()
                if self.path.is_file():
                    os.fsync(fh.fileno())
        except OSError as exc:
            raise PrinterError(
                _(
                    "The receipt could not be written to {path} ({error}).",
                    path=self.path,
                    error=os_reason(exc),
                )
            ) from exc


class _SocketConnection:
    def __init__(self, sock: socket.socket, linger: float):
        self.sock, self.linger = sock, linger

    def write(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read(self, timeout: float) -> bytes:
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(16)
        except TimeoutError:
            return b""

    def finish(self) -> None:
        """Wait for the printer to close its side: a reset here means it dropped the job
        half-way.  Anything it says (status bytes) is ignored."""
        self.sock.shutdown(socket.SHUT_WR)
        self.sock.settimeout(self.linger)
        try:
            while self.sock.recv(1024):
                pass
        except TimeoutError:
            pass  # still open but everything was taken: some printers keep it

    def close(self) -> None:
        self.sock.close()


class NetworkPrinter(_TwoWayPrinter):
    """A printer on the network, raw TCP (port 9100, "JetDirect").

    The job counts as delivered when the printer has taken every byte and closed its side
    after ours (or said nothing for ``linger`` seconds).  A connection reset or a timeout
    before that raises :class:`PrinterError`: the receipt must be printed again.
    """

    def __init__(
        self, host: str, port: int = DEFAULT_PORT, timeout: float = 10.0, linger: float = 2.0
    ):
        self.host = host
        self.port = int(port)
        self.timeout = timeout
        self.linger = linger
        self.uri = f"tcp://{host}:{self.port}"

    def _connect(self) -> _SocketConnection:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            raise PrinterError(
                _(
                    "Cannot reach the printer at {address} ({error}): check that it is on "
                    "and on the network.",
                    address=f"{self.host}:{self.port}",
                    error=os_reason(exc),
                )
            ) from exc
        return _SocketConnection(sock, self.linger)

    def send(self, job: bytes) -> None:
        conn = self._connect()
        try:
            state = self._query(conn)
            problem = state.problem() if state else None
            if problem:
                raise PrinterError(problem)
            conn.sock.settimeout(self.timeout)
            conn.write(job)
            conn.finish()
        except OSError as exc:
            raise self._error(exc) from exc
        finally:
            conn.close()


class _EscposConnection:
    """A python-escpos device (Usb, Serial) used as a raw two-way channel."""

    def __init__(self, device, reader):
        self.device, self.reader = device, reader

    def write(self, data: bytes) -> None:
        self.device._raw(data)

    def read(self, timeout: float) -> bytes:
        try:
            return bytes(self.reader(timeout))
        except Exception:  # timeouts differ by backend (usb, serial): all mean "no answer"
            return b""

    def close(self) -> None:
        try:
            self.device.close()
        except Exception:
            log.debug("closing %r failed", self.device, exc_info=True)


class UsbPrinter(_TwoWayPrinter):
    """A USB printer through libusb (python-escpos ``Usb``).  On Linux the kernel's usblp
    driver may hold it: then use ``file:/dev/usb/lp0`` instead (listed by detection)."""

    def __init__(self, vendor: int, product: int, in_ep: int = 0x82, out_ep: int = 0x01):
        self.vendor, self.product, self.in_ep, self.out_ep = vendor, product, in_ep, out_ep
        self.uri = f"usb:{vendor:04x}:{product:04x}"

    def _connect(self) -> _EscposConnection:
        try:
            from escpos.printer import Usb

            device = Usb(
                self.vendor, self.product, timeout=5000, in_ep=self.in_ep, out_ep=self.out_ep
            )
            device.open()
        except Exception as exc:  # no libusb, not plugged in, no permission
            raise PrinterError(
                _(
                    "The USB printer {printer} is not answering ({error}): check that it is "
                    "plugged in and switched on.",
                    printer=self.uri,
                    error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                )
            ) from exc

        def read(timeout: float) -> bytes:
            return device.device.read(self.in_ep, 16, int(timeout * 1000))

        return _EscposConnection(device, read)


class SerialPrinter(_TwoWayPrinter):
    """A serial printer (also Bluetooth serial ports) through pyserial."""

    def __init__(self, device: str, baudrate: int = 9600):
        self.device, self.baudrate = device, baudrate
        self.uri = f"serial:{device}?baudrate={baudrate}"

    def _connect(self) -> _EscposConnection:
        try:
            from escpos.printer import Serial

            port = Serial(self.device, baudrate=self.baudrate, timeout=STATUS_TIMEOUT)
            port.open()
        except Exception as exc:
            raise PrinterError(
                _(
                    "Cannot open the serial port {port} ({error}): check the cable, or that "
                    "the Bluetooth printer is paired and on.",
                    port=self.device,
                    error=str(exc).splitlines()[-1] if str(exc) else type(exc).__name__,
                )
            ) from exc

        def read(timeout: float) -> bytes:
            port.device.timeout = timeout
            return port.device.read(1)

        return _EscposConnection(port, read)


class CupsPrinter:
    """A CUPS queue, sent raw (``lp -o raw``): the queue must be a raw queue."""

    def __init__(self, queue: str):
        self.queue = queue
        self.uri = f"cups:{queue}"

    def status(self) -> PrinterStatus | None:
        return None

    def send(self, job: bytes) -> None:
        lp = shutil.which("lp")
        if lp is None:
            raise PrinterError(_("CUPS is not installed here (no “lp” command)."))
        try:
            done = subprocess.run(
                [lp, "-d", self.queue, "-o", "raw", "-s"],
                input=job,
                capture_output=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PrinterError(
                _("CUPS did not take the receipt ({error}).", error=type(exc).__name__)
            ) from exc
        if done.returncode != 0:
            reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise PrinterError(
                _(
                    "CUPS refused the receipt for {queue} ({error}).",
                    queue=self.queue,
                    error=reason[-1] if reason else done.returncode,
                )
            )


class Win32Printer:
    """A Windows printer by name, sent raw through the spooler (pywin32)."""

    def __init__(self, name: str):
        self.name = name
        self.uri = f"win32:{name}"

    def status(self) -> PrinterStatus | None:
        return None

    def send(self, job: bytes) -> None:
        if sys.platform != "win32":
            raise PrinterError(_("“win32:” printers only exist on Windows."))
        try:
            from escpos.printer import Win32Raw

            printer = Win32Raw(self.name)
            printer.open()
            try:
                printer._raw(job)
            finally:
                printer.close()
        except Exception as exc:
            raise PrinterError(
                _(
                    "Windows could not print to {printer} ({error}).",
                    printer=self.name,
                    error=str(exc) or type(exc).__name__,
                )
            ) from exc


# -- URIs ---------------------------------------------------------------------------------


def _hex(text: str) -> int:
    return int(text, 16)


def open_printer(uri: str, timeout: float = 10.0) -> Printer:
    """A printer from its URI (see the module's table); a bad URI is one sentence."""
    text = (uri or "").strip()
    scheme = text.split(":", 1)[0].lower() if ":" in text else ""
    rest = text[len(scheme) + 1 :] if scheme else ""
    if scheme == "file":
        if rest.startswith("//"):
            rest = urllib.parse.unquote(urllib.parse.urlsplit(text).path)
        if not rest:
            raise ValidationError(_("Give a file after “file:”, e.g. file:/tmp/receipts.bin."))
        return FilePrinter(rest)
    if scheme == "tcp":
        parts = urllib.parse.urlsplit(text)
        try:
            port = parts.port or DEFAULT_PORT
        except ValueError:
            port = None
        if not parts.hostname or port is None:
            raise ValidationError(
                _("“{uri}” is not a network printer: use tcp://HOST or tcp://HOST:PORT.", uri=uri)
            )
        return NetworkPrinter(parts.hostname, port, timeout=timeout)
    if scheme == "usb":
        ids, _sep, query = rest.partition("?")
        options = dict(urllib.parse.parse_qsl(query))
        try:
            vendor, product = (_hex(p) for p in ids.split(":"))
            endpoints = {k: _hex(options[k]) for k in ("in_ep", "out_ep") if k in options}
        except ValueError:
            raise ValidationError(
                _(
                    "“{uri}” is not a USB printer: use usb:VENDOR:PRODUCT, e.g. usb:0416:5011.",
                    uri=uri,
                )
            ) from None
        return UsbPrinter(vendor, product, **endpoints)
    if scheme == "serial":
        device, _sep, query = rest.partition("?")
        options = dict(urllib.parse.parse_qsl(query))
        try:
            baudrate = int(options.get("baudrate", 9600))
        except ValueError:
            baudrate = 0
        if not device or baudrate <= 0:
            raise ValidationError(
                _(
                    "“{uri}” is not a serial printer: use serial:/dev/ttyUSB0?baudrate=9600 "
                    "(or serial:COM3).",
                    uri=uri,
                )
            )
        return SerialPrinter(device, baudrate)
    if scheme in ("cups", "win32"):
        name = urllib.parse.unquote(rest).strip()
        if not name:
            raise ValidationError(_("Give the printer's name after “{scheme}:”.", scheme=scheme))
        return CupsPrinter(name) if scheme == "cups" else Win32Printer(name)
    raise ValidationError(
        _(
            "“{uri}” is not a printer address: use file:, tcp://, usb:, serial:, cups: or "
            "win32: (see docs/receipts.md).",
            uri=uri,
        )
    )


# -- detection ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FoundPrinter:
    uri: str
    label: str


def detect_printers() -> list[FoundPrinter]:
    """Printers this machine can see now: USB (kernel and libusb), serial and Bluetooth
    ports, CUPS queues and Windows printers.  Never raises: a missing backend just
    finds nothing."""
    found: list[FoundPrinter] = []
    for path in sorted(glob.glob("/dev/usb/lp*")):
        found.append(FoundPrinter(f"file:{path}", _("USB printer ({device})", device=path)))
    found += _usb_printers()
    found += _serial_ports()
    found += _cups_queues()
    found += _windows_printers()
    return found


def _usb_printers() -> list[FoundPrinter]:
    try:
        import usb.core

        devices = list(usb.core.find(find_all=True))
    except Exception:  # no libusb backend on this machine
        return []
    found = []
    for dev in devices:
        try:
            is_printer = dev.bDeviceClass == 7 or any(
                intf.bInterfaceClass == 7 for cfg in dev for intf in cfg
            )
        except Exception:
            continue
        if not is_printer:
            continue
        try:
            name = usb.util.get_string(dev, dev.iProduct) or ""
        except Exception:
            name = ""
        uri = f"usb:{dev.idVendor:04x}:{dev.idProduct:04x}"
        found.append(FoundPrinter(uri, _("USB printer {name}", name=name or uri).strip()))
    return found


def _serial_ports() -> list[FoundPrinter]:
    try:
        from serial.tools import list_ports

        ports = [(p.device, p.description) for p in list_ports.comports()]
    except Exception:
        ports = []
    ports += [(p, "Bluetooth") for p in sorted(glob.glob("/dev/rfcomm*"))]
    seen, found = set(), []
    for device, description in ports:
        if device in seen:
            continue
        seen.add(device)
        label = _("Serial port {port} ({description})", port=device, description=description)
        found.append(FoundPrinter(f"serial:{device}?baudrate=9600", label))
    return found


def _cups_queues() -> list[FoundPrinter]:
    lpstat = shutil.which("lpstat")
    if lpstat is None:
        return []
    try:
        done = subprocess.run([lpstat, "-e"], capture_output=True, timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return []
    names = done.stdout.decode("utf-8", "replace").split()
    return [FoundPrinter(f"cups:{n}", _("CUPS queue {name}", name=n)) for n in names]


def _windows_printers() -> list[FoundPrinter]:
    if sys.platform != "win32":
        return []
    try:
        import win32print

        flags = win32print.PRINTER_ENUM_LOCAL | win32print.PRINTER_ENUM_CONNECTIONS
        names = [p[2] for p in win32print.EnumPrinters(flags)]
    except Exception:
        return []
    return [FoundPrinter(f"win32:{n}", _("Windows printer {name}", name=n)) for n in names]


def profile_width(name: str) -> int | None:
    """The printable dots of a python-escpos printer profile, if it says."""
    try:
        from escpos.capabilities import get_profile

        pixels = get_profile(name).profile_data["media"]["width"]["pixels"]
    except Exception:
        return None
    return int(pixels) if isinstance(pixels, int | float) and pixels > 0 else None
