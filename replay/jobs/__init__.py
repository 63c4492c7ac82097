"""jobs: one job lifecycle (queued → running → done | failed, progress and errors in the database) for every
caller: the CLI's ``index``, ``index-batch`` (local pool or Ray) and the API's background runner.
"""
