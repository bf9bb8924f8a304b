"""Reading documents back: finding their math and tables, an arithmetic parser of its own, the checks, the pytest plugin.

It depends on core and config only, never on explain or render: the verifier must not share code with what it checks.
"""
