"""The measures kernel: the words every domain shares about a measure and the pure rules over
them (RAG status, direction of travel, aggregation of periods, a measure's arithmetic for a
period, the year-end forecast).

Nothing here does I/O or imports a domain: it sits just above ``app.core`` and
``app.periods.calendar``, and indicators, status, SPC, benchmarks, reports, public pages and
data quality import it downwards.
"""
