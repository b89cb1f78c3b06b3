"""Report-shaped reads for the results pages and API: one organisation, one contest, no writes.

Observer figures are the organisation's tallies (every station it has a copy of); official
figures are the snapshot's protocol for the commission (published or derived); the comparison,
like with like, is the latest finished reconciliation run's roll-up over the stations both
sources cover. Every difference is official − observer, in votes; every percentage comes from
elections.numbers.percent. The snapshot is the run's, or the contest's latest before any run.
"""

from tallies.selectors.commission import *  # noqa: F403
from tallies.selectors.layout import *  # noqa: F403
from tallies.selectors.station import *  # noqa: F403
