"""store: the SQLite database (``Database``): streams, jobs, stage checkpoints, transcripts, catalogs, 看点;
its schema and migrations, and the transcript search that works for 1–2 character Chinese queries.
"""
