"""Tests of the sample service: its endpoints and the FAIL_HEALTH_IN switch.

Run from the repository root with `python -m unittest discover -s tests` (no pytest needed).
"""

import http.client
import json
import threading
import unittest

from app import behaviour
from app.server import health_fails, make_service


class Running:
    """A service serving in a thread on a free port, for one test."""

    def __init__(self, *, stage="gamma", target="us-east-1", onebox=False):
        self.service = make_service(0, stage=stage, target=target, onebox=onebox)
        self.service.quiet = True
        self.port = self.service.server_address[1]
        self.thread = threading.Thread(
            target=self.service.serve_forever, kwargs={"poll_interval": 0.05}
        )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.service.shutdown()
        self.service.server_close()
        self.thread.join()

    def get(self, path):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()


class EndpointTests(unittest.TestCase):
    def test_health_answers_ok(self):
        with Running() as svc:
            status, body = svc.get("/health")
        self.assertEqual(status, 200)
        self.assertTrue(json.loads(body)["ok"])

    def test_version_reports_build_and_place(self):
        with Running(stage="prod-wave-1", target="us-west-2", onebox=True) as svc:
            status, body = svc.get("/version")
        info = json.loads(body)
        self.assertEqual(status, 200)
        self.assertEqual(info["version"], "dev")  # no build_info.json in a source checkout
        self.assertEqual(
            (info["stage"], info["target"], info["onebox"]), ("prod-wave-1", "us-west-2", True)
        )

    def test_greeting_and_unknown_path(self):
        with Running() as svc:
            self.assertEqual(
                svc.get("/"), (200, b"hello from sample-service dev in gamma/us-east-1\n")
            )
            self.assertEqual(svc.get("/nope")[0], 404)

    def test_binds_loopback_only(self):
        with Running() as svc:
            self.assertEqual(svc.service.server_address[0], "127.0.0.1")


class BehaviourTests(unittest.TestCase):
    def test_target_name_fails_that_region_in_every_stage(self):
        self.assertTrue(health_fails("gamma", "eu-west-1", ["eu-west-1"]))
        self.assertTrue(health_fails("prod-wave-2", "eu-west-1", ["eu-west-1"]))
        self.assertFalse(health_fails("prod-wave-2", "us-east-1", ["eu-west-1"]))

    def test_stage_slash_target_fails_one_place_only(self):
        self.assertTrue(health_fails("prod-wave-2", "eu-west-1", ["prod-wave-2/eu-west-1"]))
        self.assertFalse(health_fails("gamma", "eu-west-1", ["prod-wave-2/eu-west-1"]))

    def test_failing_target_answers_500(self):
        saved = behaviour.FAIL_HEALTH_IN
        behaviour.FAIL_HEALTH_IN = ["eu-west-1"]
        try:
            with Running(target="eu-west-1") as svc:
                self.assertEqual(svc.get("/health")[0], 500)
                self.assertEqual(svc.get("/")[0], 200)
        finally:
            behaviour.FAIL_HEALTH_IN = saved


if __name__ == "__main__":
    unittest.main()
