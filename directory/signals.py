"""Things that happen in one package that another acts on, so neither imports the other."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# A founder opened a listing from a results page: sent with slug= and rank= (demand records it).
listing_opened_from_results = _signals.signal("listing-opened-from-results")
