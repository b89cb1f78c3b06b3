"""Benchmarks of the main job on PostgreSQL (`make bench`, `python -m bench.run`).

Each module measures one goal of landscape.md §18.4 and reports figures next to their targets
(bench.report). Nothing here is imported by the product: the bench owns its settings, URLs and
fixtures, and only calls the product's services, selectors and views.
"""
