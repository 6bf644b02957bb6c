"""A tiny HTTP service: the stand-in project of release-captain's container recipe.
GET /health answers 200, GET /version the version baked into the image."""

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = os.environ.get("APP_VERSION", "dev")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        routes = {"/health": {"ok": True}, "/version": {"version": VERSION}}
        body = json.dumps(routes.get(self.path, {"error": "not found"})).encode()
        self.send_response(200 if self.path in routes else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    # 0.0.0.0 inside the container; the host publishes it on 127.0.0.1 only (deploy/run.sh).
    ThreadingHTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
