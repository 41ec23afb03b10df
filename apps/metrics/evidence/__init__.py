"""Driver evidence (DESIGN §4 item 13): how well the organisation's own monthly actuals
support each link's stated `impact`.

``arithmetic`` is the pure computation (numpy and scipy, no Django: its own isolation test
keeps it so); ``selectors`` reads the monthly actuals from the snapshots, ``services``
computes and stores one ``DriverEvidence`` row per link. This package's ``__init__`` imports
nothing, so importing the arithmetic never pulls in Django.
"""
