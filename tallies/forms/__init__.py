"""The tallies app's forms, one module per area.

entry (the copy form), desk, official (results import), analysis, publishing.
"""
