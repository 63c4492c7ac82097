"""media: everything that reads or writes the recording itself, through one ffmpeg backend (``media.ffmpeg``).

probe (validate, MediaInfo) → audio (16 kHz PCM, chunks) and frames (sampled pictures, scene cuts);
keyframes (one ffprobe packet scan), thumbnails (a 看点's picture), clips (cutting), sniff (upload types).
"""
