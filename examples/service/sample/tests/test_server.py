"""The service's own tests; the build runs them before making the artefact."""

import json
import sys
import threading
import unittest
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "app"))
from server import make_server


class ServerTest(unittest.TestCase):
    def test_health_answers_200(self):
        server = make_server(0)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        try:
            url = f"http://127.0.0.1:{server.server_address[1]}/health"
            with urllib.request.urlopen(url, timeout=2) as response:
                self.assertEqual(json.load(response), {"ok": True})
        finally:
            server.shutdown()
            server.server_close()
            thread.join()


if __name__ == "__main__":
    unittest.main()
