"""pillow_pipeline: the Pillow side of the blobimage benchmark harness.

The harness (go run ./bench) writes this script to a temporary folder and
runs it with Debian's /usr/bin/python3 as

    pillow_pipeline.py MODE WORKERS ROUNDS WARMUP OUTDIR FILE...

MODE is keep or recompress. Every file is read into memory once, before any
timing (with WORKERS > 1 each pool process reads them in its initializer).
WARMUP (0 or 1) runs one untimed pass first, whose outputs are written to
OUTDIR (unless OUTDIR is "-") as IDX-medium.jpg, IDX-small.jpg and, in
recompress mode, IDX-full.jpg. Then ROUNDS passes over all files are timed:
with WORKERS == 1 in this process, otherwise spread over a
multiprocessing.Pool of WORKERS processes (fork), one job (round, file) at a
time. It prints one line per timed job, "t IDX ROUND NANOSECONDS", and
finally "wall NANOSECONDS" for the timed passes as a whole.

ROUNDS may instead be "burst=N": N jobs cycled over the files (job j is
file j % NFILES, round j // NFILES), all queued when the clock starts, and
each job's NANOSECONDS is from that start to its outputs done (its
latency, queueing included; time.perf_counter_ns is CLOCK_MONOTONIC, one
clock for the pool's processes).

Per photo, from the bytes in memory, for each box (1000, then 400):

    im = Image.open(io.BytesIO(data))
    im.thumbnail((box, box), Image.Resampling.LANCZOS)
    im = ImageOps.exif_transpose(im)
    im.save(buf, "JPEG", quality=85)

thumbnail keeps its default reducing_gap=2.0, so it first calls
im.draft(None, (2*box, 2*box)) (the JPEG decoder's DCT scaling, 1/2 to 1/8,
while the result stays at least twice the box), then resizes with
reducing_gap (an integer box reduce, then Lanczos over the last factor of 2
or more). exif_transpose comes after thumbnail because transposing first
would load the full image and defeat draft; the boxes are square, so the
order does not change the result's size. In recompress mode, additionally:

    im = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    im.save(buf, "JPEG", quality=85)

Images that are not RGB or L (palette, RGBA PNGs) are converted to RGB
before saving, as JPEG requires.
"""

import io
import multiprocessing
import os
import sys
import time

from PIL import Image, ImageOps

BOXES = (("medium", 1000), ("small", 400))

_files = []
_recompress = False


def _load(paths, recompress):
    global _files, _recompress
    _files = []
    for p in paths:
        with open(p, "rb") as f:
            _files.append(f.read())
    _recompress = recompress


def _jpeg(im):
    if im.mode not in ("RGB", "L"):
        im = im.convert("RGB")
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def pipeline(data, recompress):
    """Returns {name: JPEG bytes} for one photo."""
    out = {}
    for name, box in BOXES:
        im = Image.open(io.BytesIO(data))
        im.thumbnail((box, box), Image.Resampling.LANCZOS)
        im = ImageOps.exif_transpose(im)
        out[name] = _jpeg(im)
    if recompress:
        im = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
        out["full"] = _jpeg(im)
    return out


def _job(job):
    """Runs one job; returns (idx, round, ns), or in a burst (idx, round,
    done) with done the clock at its end, for the caller to subtract t0."""
    idx, rnd, burst = job
    t0 = time.perf_counter_ns()
    pipeline(_files[idx], _recompress)
    t1 = time.perf_counter_ns()
    return idx, rnd, t1 if burst else t1 - t0


def main(argv):
    if len(argv) < 6:
        sys.stderr.write(
            "usage: pillow_pipeline.py MODE WORKERS ROUNDS WARMUP OUTDIR FILE...\n")
        return 2
    recompress = argv[1] == "recompress"
    workers = max(1, int(argv[2]))
    burst = 0
    if argv[3].startswith("burst="):
        burst, rounds = int(argv[3][len("burst="):]), 0
        if burst < 1 or not argv[6:]:
            sys.stderr.write("pillow_pipeline: bad burst %r\n" % argv[3])
            return 2
    else:
        rounds = int(argv[3])
    warmup = argv[4] == "1"
    outdir = argv[5]
    paths = argv[6:]
    _load(paths, recompress)

    if warmup:
        for idx, data in enumerate(_files):
            out = pipeline(data, recompress)
            if outdir != "-":
                for name, b in out.items():
                    with open(os.path.join(outdir, "%d-%s.jpg" % (idx, name)), "wb") as f:
                        f.write(b)

    n = len(paths)
    if burst:
        jobs = [(j % n, j // n, True) for j in range(burst)]
    else:
        jobs = [(i, r, False) for r in range(rounds) for i in range(n)]
    if workers == 1:
        t0 = time.perf_counter_ns()
        results = [_job(j) for j in jobs]
        wall = time.perf_counter_ns() - t0
    else:
        ctx = multiprocessing.get_context("fork")
        # The workers read the files themselves (and warm up their
        # imports) before the clock starts.
        pool = ctx.Pool(workers, initializer=_load, initargs=(paths, recompress))
        pool.map(int, range(workers))  # wait until every worker is up
        t0 = time.perf_counter_ns()
        results = list(pool.imap_unordered(_job, jobs, chunksize=1))
        wall = time.perf_counter_ns() - t0
        pool.close()
        pool.join()  # reaped, so their peak RSS reaches our rusage

    if burst:
        results = [(idx, rnd, done - t0) for idx, rnd, done in results]
    w = sys.stdout.write
    for idx, rnd, ns in results:
        w("t %d %d %d\n" % (idx, rnd, ns))
    w("wall %d\n" % wall)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
