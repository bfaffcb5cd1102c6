"""Coverage review: loads areas, indicators, offers and activities, calls geo/, and builds the tables.

The package, one job per module: ``parameters`` (what lives in the URL, and the
settings), ``loading`` (the database), ``computation`` (pure, calling geo/),
``blind_spots`` (the rules), ``presentation`` (text and views for people),
``exports`` (CSV, GeoJSON) and ``cache`` (``compute``: one review per parameter
set and data version).

How the numbers are made (shown on the review pages as "How this is calculated"):

* Demand: where people live. Each area's population (the finest level with a
  population figure: sectors, else the district) is spread evenly over its
  address points, or over points drawn evenly inside the area when it has fewer
  than 10 addresses (seeded by the area code: the same on every run).
* Supply: every active initiative at each meeting place where it is held
  (initiatives temporarily closed, inactive or archived do not count), each with
  capacity 1. Room capacities describe a room, not how many people an offer can
  take in, so they are not used.
* Access per area: the population-weighted mean over its demand points of the
  chosen method (see ``geo.coverage.METHODS``), with the share of residents
  having an offer within the distance and the mean distance to the nearest.
* Need per area: ``geo.need.need_index`` with the weights from the URL.
* Gap: need share minus supply share over the areas of one level, ranked.
* Offer profile and blind spots: for every kind of offer (working model, target
  group, bonding/bridging, free with children welcome, evening, weekend), the
  share of residents with such an offer within the distance; a kind counts as
  within reach when at least half of the residents have one.

Results are cached in the process per parameter set and data version (``cache``).
"""
