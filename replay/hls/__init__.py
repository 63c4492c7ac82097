"""hls: package a recording into an HLS ladder for phones on weak networks (issue 18).

    ladder.py   which renditions a recording gets (sizes that keep its shape, codecs)
    search.py   the rate of each rendition: the highest CRF whose sampled scenes keep SSIM >= the target
    encode.py   one rendition, part by part, into HLS segments (resumable; yields the CPU to index jobs)
    package.py  the whole job: plan, search, encode, playlists, manifest, storage policy
    job.py      the ``package`` job kind: its queue, and the gate that makes it wait for index jobs
"""
