"""Reads of the observers app: functions that query or look up, never write (issue 16).

The rule: a function that only reads (the database or shipped data) lives here or on a model's
QuerySet; observers/services/ holds the writes and workflows and may import from here, never the
other way round (tests/test_app_order.py).
"""
