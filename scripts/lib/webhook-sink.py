"""A local webhook receiver for scripts/stack: every POST is appended to a JSON-lines file
(path, headers, body) and answered 200. Binds 127.0.0.1 on a free port and writes the port to a
file once it listens. Standard library only (Debian's python3).

    python3 webhook-sink.py OUTPUT.jsonl PORT_FILE
"""
import http.server
import json
import os
import sys
import threading

output_path, port_file = sys.argv[1], sys.argv[2]
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        record = {"path": self.path, "headers": dict(self.headers.items()), "body": body}
        with lock, open(output_path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w", encoding="utf-8") as f:
    f.write(str(server.server_address[1]))
# The port file appears only once the socket listens.
os.replace(port_file + ".tmp", port_file)
server.serve_forever()
