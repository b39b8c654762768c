"""Built-in outlets, one module each. A module defines ``OUTLET`` and registers it with ``register_outlets``;
its test cases live beside it in ``<module>.cases.json`` and run in tests/test_outlet_cases.py."""
