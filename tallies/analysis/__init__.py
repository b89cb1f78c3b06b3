"""Pure computation for the analysis pages: seat allocation, quick count (PVT) and election forensics.

Plain Python (the standard library, and numpy for the integer-percentage Monte Carlo; no Django
models): functions take plain data and return frozen dataclasses. Counts are integers, shares exact
`Fraction`s; percentages shown to people are `Decimal`s rounded in one place (`elections.numbers`).
Forensic results are leads, not verdicts.
"""
