"""Report-shaped reads for the results pages and API: one organisation, one contest, no writes.

Observer figures are the organisation's tallies (every station it has a copy of); official
figures are the snapshot's protocol for the commission (published or derived); the comparison,
like with like, is the latest finished reconciliation run's roll-up over the stations both
sources cover. Every difference is official − observer, in votes; every percentage comes from
elections.numbers.percent. The snapshot is the run's, or the contest's latest before any run.

The rule of the package (issue 16): a function that only reads lives here or on a QuerySet;
services/ may import selectors, never the reverse (tests/test_selectors_read_only.py lists the
few pure computations a selector still calls in services, each with its reason).
"""

from tallies.selectors.commission import *  # noqa: F403
from tallies.selectors.discrepant_list import *  # noqa: F403
from tallies.selectors.layout import *  # noqa: F403
from tallies.selectors.station import *  # noqa: F403
