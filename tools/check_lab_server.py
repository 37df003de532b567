#!/usr/bin/env python3
"""Runs a notebook top to bottom inside a real JupyterLab server, the way ./lab open serves it.

Starts `jupyter lab` (no browser, a random port and token), checks that it offers the `java` kernelspec under its
display name, opens a notebook session with that kernel through the REST API, sends every code cell over the
kernel's websocket, and requires each to finish with status ok. This is what a user clicking "Run All" in
JupyterLab exercises, minus the browser.
"""
import argparse
import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import nbformat
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(base, token, path, method="GET", body=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


RECONNECTS = 2


def message(session, msg_type, content):
    return {"header": {"msg_id": uuid.uuid4().hex, "session": session, "username": "check", "msg_type": msg_type,
                       "version": "5.3", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
            "parent_header": {}, "metadata": {}, "content": content, "channel": "shell", "buffers": []}


async def connect(ws_url, attempts=RECONNECTS + 1):
    """The kernel's websocket, open and answering. The server closes a new websocket when its "nudge" (kernel_info
    requests until an IOPub message arrives) gets no IOPub message within 60 s; seen once in CI, with the kernel
    answering only on its control channel. JupyterLab's page then opens a new websocket to the same kernel, and so
    does this check (up to RECONNECTS times, each said on the output), so a closed first socket fails it only when
    the kernel stays deaf."""
    for attempt in range(1, attempts + 1):
        # generous: the server only answers the upgrade once the kernel is up (seconds; more on a busy machine)
        ws = await websocket_connect(HTTPRequest(ws_url, connect_timeout=120, request_timeout=300))
        # a kernel_info request on the client's own shell channel: its reply says the socket works end to end
        msg = message(uuid.uuid4().hex, "kernel_info_request", {})
        ws.write_message(json.dumps(msg))
        while True:
            raw = await asyncio.wait_for(ws.read_message(), timeout=120)
            if raw is None or json.loads(raw).get("parent_header", {}).get("msg_id") == msg["header"]["msg_id"]:
                break
        if raw is not None:
            return ws
        if attempt < attempts:
            print(f"  the kernel's websocket closed before its first reply (attempt {attempt}); opening a new one, "
                  "as JupyterLab's page does")
    raise RuntimeError(f"the kernel's websocket closed before its first reply, {attempts} times")


async def run_cells(ws_url, cells, cell_timeout):
    ws = await connect(ws_url)
    session = uuid.uuid4().hex
    results = []
    for i, source in cells:
        msg = message(session, "execute_request", {"code": source, "silent": False, "store_history": True,
                                                   "user_expressions": {}, "allow_stdin": False,
                                                   "stop_on_error": True})
        ws.write_message(json.dumps(msg))
        msg_id = msg["header"]["msg_id"]
        status, outputs, idle, deadline = None, [], False, time.time() + cell_timeout
        while status is None or not idle:
            remaining = deadline - time.time()
            if remaining <= 0:
                status = status or "timeout"
                break
            raw = await asyncio.wait_for(ws.read_message(), timeout=remaining)
            if raw is None:
                raise RuntimeError("the kernel's websocket closed")
            reply = json.loads(raw)
            if reply.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = reply["header"]["msg_type"]
            if kind == "execute_reply":
                status = reply["content"]["status"]
            elif kind in ("display_data", "execute_result", "stream", "error"):
                outputs.append(kind)
            elif kind == "status" and reply["content"]["execution_state"] == "idle":
                idle = True
        results.append((i, status, outputs))
        if status != "ok":
            break
    ws.close()
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("notebook")
    ap.add_argument("--kernel", default="java")
    ap.add_argument("--display-name", default="Java (Attention Lab)")
    ap.add_argument("--cell-timeout", type=int, default=600)
    ap.add_argument("--summary", help="append 'jupyterlab<TAB>passed<TAB>failed' here")
    a = ap.parse_args()

    port, token = free_port(), secrets.token_hex(16)
    base = f"http://127.0.0.1:{port}"
    notebook_dir = os.path.dirname(os.path.abspath(a.notebook))
    log = open(os.path.join(os.environ.get("TMPDIR", "/tmp"), f"attnlab-lab-{port}.log"), "w")
    server = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "jupyter"), "lab", "--no-browser",
                               f"--port={port}", "--ip=127.0.0.1", f"--IdentityProvider.token={token}",
                               f"--ServerApp.root_dir={notebook_dir}"]
                              + (["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
                              stdout=log, stderr=log)
    ok = False
    try:
        for _ in range(120):
            if server.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with code {server.returncode}; see {log.name}")
            try:
                api(base, token, "/api/status")
                break
            except Exception:
                time.sleep(0.5)
        else:
            raise RuntimeError(f"JupyterLab did not come up; see {log.name}")
        specs = api(base, token, "/api/kernelspecs")["kernelspecs"]
        if a.kernel not in specs:
            raise RuntimeError(f"JupyterLab offers no '{a.kernel}' kernel; it has {sorted(specs)}")
        shown = specs[a.kernel]["spec"]["display_name"]
        if shown != a.display_name:
            raise RuntimeError(f"kernel '{a.kernel}' is shown as '{shown}', expected '{a.display_name}'")
        name = os.path.basename(a.notebook)
        sess = api(base, token, "/api/sessions", "POST",
                   {"path": name, "name": name, "type": "notebook", "kernel": {"name": a.kernel}})
        ws_url = f"ws://127.0.0.1:{port}/api/kernels/{sess['kernel']['id']}/channels?token={token}"
        nb = nbformat.read(a.notebook, as_version=4)
        cells = [(i, c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        start = time.time()
        results = asyncio.run(run_cells(ws_url, cells, a.cell_timeout))
        for i, status, outputs in results:
            print(f"  cell {i:2d}: {status:7s} outputs: {', '.join(outputs) or '-'}")
        ok = len(results) == len(cells) and all(s == "ok" for _, s, _ in results)
        print(f"  {name} in JupyterLab ({shown}): {'all ' + str(len(cells)) + ' code cells ok' if ok else 'FAILED'}"
              f" in {time.time() - start:.1f} s")
        api(base, token, f"/api/sessions/{sess['id']}", "DELETE")
    except Exception as e:
        print(f"  JupyterLab check FAILED: {type(e).__name__}: {e}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    if a.summary:
        with open(a.summary, "a", encoding="utf-8") as f:
            f.write(f"jupyterlab\t{int(ok)}\t{int(not ok)}\n")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
