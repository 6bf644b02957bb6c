"""The project's own tests; the recipe runs them against the wheel installed in each region."""

import unittest

import greeter


class GreetTest(unittest.TestCase):
    def test_greets_by_name(self):
        self.assertEqual(greeter.greet("Ada"), "Hello, Ada!")


if __name__ == "__main__":
    unittest.main()
