"""live: index a recording while it is still being written (issue 14), and finish the index when it ends.

    source.py   an HLS playlist (path or URL) or a growing .flv/.ts/.mp4, seen as a playlist that grows
    fetch.py    reading it under the ingest policy (REPLAY_INGEST_HOSTS, no private addresses, checked redirects)
    hls.py      playlist text → typed entries
    ingest.py   new segments onto one timeline, each once; late, duplicate, missing, rewound, undecodable
    segments.py a segment stored, described, its audio decoded into the stream's PCM
    windows.py  where a transcription window closes (at a pause)
    closing.py  which 看点 of the detector's output over the tail are final
    follower.py the loop, and the final pass; recording.py the growing recording, thumbnails, the joined mp4
    stream.py   a followed stream's id, registration and liveness
    store.py    the live tables and one transaction per increment; worker.py the API's follower processes
    cli.py      `replay follow`; options.py the ``live`` settings group

Importing this package loads nothing heavy: Settings reads ``live.options`` on every start.
"""
