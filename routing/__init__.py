"""Route reconstruction: points → cleaning → stays → legs → countries, time zones, crossings → gaps.

Entry point: :func:`routing.route.build_route`. See ``routing/README.md`` for the design and data sources.
"""
