"""Helpers for the sync tests: the hub as a real HTTP server on 127.0.0.1 (waitress, a
free port, in a thread) with faults that can be switched on, and kiosk databases set
up to talk to it."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils
from waitress import create_server

from kiosk.core import config
from kiosk.core.agenda import Activity
from kiosk.core.db import connect, migrate, write_transaction
from sync.hub import create_hub_app
from sync.hub.admin import add_coordinator, add_kiosk, add_stadsdorp
from sync.hub.agenda import save_activity
from sync.hub.db import connect_hub, next_rev

logging.getLogger("waitress").setLevel(logging.CRITICAL)  # the "cut" fault logs on purpose


@dataclass
class Faults:
    """What the hub does to the next requests. mode: None, "500", "slow" (answers after
    `delay` seconds, having done the work), "cut" (does the work, then closes the
    connection halfway through the answer), "hold" (does the work, then waits for
    `release`)."""

    mode: str | None = None
    delay: float = 0.0
    paths: tuple[str, ...] = ("/api/",)
    release: threading.Event = field(default_factory=threading.Event)
    seen: list[str] = field(default_factory=list)

    def applies(self, path: str) -> bool:
        return self.mode is not None and path.startswith(self.paths)


class FaultyApp:
    def __init__(self, app: Any, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        self.faults.seen.append(path)
        if not self.faults.applies(path):
            return self.app(environ, start_response)
        mode = self.faults.mode
        if mode == "500":
            body = b'{"version": 1, "error": {"code": "boom", "message": "Storing."}}'
            start_response("500 INTERNAL SERVER ERROR",
                           [("Content-Type", "application/json"),
                            ("Content-Length", str(len(body)))])
            return [body]
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured.update(status=status, headers=headers)
            return lambda _data: None

        body = b"".join(self.app(environ, capture))  # the hub does its work in full
        if mode == "slow":
            time.sleep(self.faults.delay)
        if mode == "hold":
            self.faults.release.wait(30)
        start_response(captured["status"], captured["headers"])
        if mode == "cut":
            return _cut(body)
        return [body]


def _cut(body: bytes) -> Iterator[bytes]:
    yield body[: len(body) // 2]
    raise ConnectionAbortedError("fault injected: connection closed mid-response")


class HubServer:
    def __init__(self, db_path: Path, port: int = 0) -> None:
        self.db_path = str(db_path)
        self.app = create_hub_app({"HUB_DATABASE": self.db_path, "TESTING": True})
        self.faults = Faults()
        self.port = port
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HubServer:
        self._server = create_server(FaultyApp(self.app, self.faults), host="127.0.0.1",
                                     port=self.port, threads=4, asyncore_loop_timeout=0.05)
        self.port = self._server.effective_port
        self._stopping = False
        self._thread = threading.Thread(target=self._run, args=(self._server,), daemon=True)
        self._thread.start()
        return self

    def _run(self, server: Any) -> None:
        try:
            server.run()
        except OSError:
            if not self._stopping:  # closing the socket under select() is how it stops
                raise

    def stop(self) -> None:
        self.faults.release.set()
        self._stopping = True
        if self._server is not None:
            self._server.task_dispatcher.shutdown(cancel_pending=True, timeout=2)
            self._server.close()
        if self._thread is not None:
            self._thread.join(5)
        self._server = self._thread = None

    def db(self) -> sqlite_utils.Database:
        return connect_hub(self.db_path)


def setup_hub(db_path: Path, kiosks: Iterable[str] = ("kiosk-a", "kiosk-b"), *,
              coordinator: bool = False) -> dict[str, str]:
    """A hub with two stadsdorpen and kiosks (and a coordinator, whose password hash
    takes a moment); returns kiosk name -> token."""
    db = connect_hub(db_path)
    try:
        add_stadsdorp(db, "Stadsdorp Zuid", "zuid")
        add_stadsdorp(db, "Stadsdorp Oost", "oost")
        if coordinator:
            add_coordinator(db, "coordinator", "geheim-wachtwoord")
        return {name: add_kiosk(db, name) for name in kiosks}
    finally:
        db.close()


def hub_activity(db_path: Path | str, activity_id: str = "hub-koffie", *, capacity: int | None,
                 days_ahead: float = 3, title: str = "Koffieochtend",
                 stadsdorp: str = "zuid") -> None:
    db = connect_hub(db_path)
    try:
        with write_transaction(db):
            save_activity(db, Activity(
                id=activity_id, title=title, short_name=title.lower(), stadsdorp=stadsdorp,
                starts_at=datetime.now(UTC) + timedelta(days=days_ahead),
                location_name="Buurthuis De Pijp", address="Ferdinand Bolstraat 12",
                capacity=capacity, source="hub",
            ), rev=next_rev(db))
    finally:
        db.close()


def make_kiosk(path: Path, name: str, hub_url: str = "", token: str = "") -> sqlite_utils.Database:
    db = connect(path)
    migrate(db)
    with write_transaction(db):
        config.set_setting(db, "kiosk_name", name)
        config.set_setting(db, "hub_url", hub_url)
        config.set_setting(db, "hub_token", token)
    return db


def hub_signups(hub_db_path: str, activity_id: str | None = None) -> list[dict[str, Any]]:
    db = connect_hub(hub_db_path)
    try:
        sql = "SELECT * FROM signups" + (" WHERE activity_id = ?" if activity_id else "")
        return list(db.query(sql + " ORDER BY rowid", [activity_id] if activity_id else []))
    finally:
        db.close()


def outbox_left(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0]


def dump(value: Any) -> str:
    return json.dumps(value, indent=1, default=str)


class FeedServer:
    """A calendar server on 127.0.0.1: `routes[path]` is the feed's bytes (with an ETag
    and Last-Modified, honouring conditional GETs), or a callable that writes the whole
    answer itself (for huge, broken and misbehaving servers)."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.routes: dict[str, Any] = {}
        self.hits: list[tuple[str, int]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                route = server.routes.get(self.path)
                if callable(route):
                    route(self)
                    server.hits.append((self.path, 0))
                    return
                if route is None:
                    self.send_error(404)
                    server.hits.append((self.path, 404))
                    return
                import hashlib

                etag = '"' + hashlib.sha1(route).hexdigest() + '"'
                modified = "Mon, 09 Mar 2026 10:00:00 GMT"
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    server.hits.append((self.path, 304))
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                self.send_header("Content-Length", str(len(route)))
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", modified)
                self.end_headers()
                self.wfile.write(route)
                server.hits.append((self.path, 200))

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
