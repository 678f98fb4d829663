/*
 * vips_pipeline: the libvips side of the blobimage benchmark harness
 * (go run ./bench). The harness compiles it at run time with
 *
 *     gcc -O2 vips_pipeline.c $(pkg-config --cflags --libs vips) -lpthread
 *
 * and runs it as
 *
 *     vips_pipeline MODE WORKERS ROUNDS WARMUP OUTDIR FILE...
 *
 * MODE is keep or recompress. Every file is read into memory once, before
 * any timing. WARMUP (0 or 1) runs one untimed pass first, whose outputs
 * are written to OUTDIR (unless OUTDIR is "-") as IDX-medium.jpg,
 * IDX-small.jpg and, in recompress mode, IDX-full.jpg. Then ROUNDS passes
 * over all files are timed, the jobs (round, file) shared by WORKERS
 * threads through one counter. It prints one line per timed job,
 * "t IDX ROUND NANOSECONDS", and finally "wall NANOSECONDS" for the timed
 * passes as a whole.
 *
 * ROUNDS may instead be "burst=N": N jobs cycled over the files (job j is
 * file j % NFILES, round j / NFILES), all queued when the clock starts,
 * and each job's NANOSECONDS is from that start to its outputs done (its
 * latency, queueing included).
 *
 * Per photo, from the bytes in memory:
 *   - for each box (1000, then 400): vips_thumbnail_buffer(box x box,
 *     size=VIPS_SIZE_DOWN so it never upscales; shrink-on-load and EXIF
 *     auto-rotation are on by default), then vips_jpegsave_buffer(Q=85,
 *     strip=TRUE);
 *   - recompress: vips_image_new_from_buffer (access=sequential, or the
 *     default random access when the EXIF orientation needs a rotation),
 *     then vips_autorot, then vips_jpegsave_buffer(Q=85, strip=TRUE) at
 *     full size.
 *
 * The harness sets VIPS_CONCURRENCY=1 (and this program calls
 * vips_concurrency_set(1)) so each worker thread is one core's worth of
 * work, and the operation cache is disabled so repeated rounds redo the
 * work instead of returning cached results.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vips/vips.h>

typedef struct {
	void *data;
	size_t len;
} file_t;

typedef struct {
	int idx, round;
	int64_t ns;
} timing_t;

static file_t *files;
static int nfiles;
static int recompress;
static const char *outdir;
static atomic_int next_job;
static int njobs;
static int round_base;
static int burst;
static int64_t burst_t0;
static timing_t *timings;
static atomic_int failed;

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void fail(const char *what, int idx)
{
	fprintf(stderr, "vips_pipeline: %s (file %d): %s\n", what, idx, vips_error_buffer());
	vips_error_clear();
	atomic_store(&failed, 1);
}

static void write_out(int idx, const char *name, const void *buf, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%d-%s.jpg", outdir, idx, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "vips_pipeline: write %s: %s\n", path, strerror(errno));
		atomic_store(&failed, 1);
	}
}

/* save_jpeg encodes img as JPEG Q=85; *buf is the caller's to g_free. */
static int save_jpeg(VipsImage *img, void **buf, size_t *len)
{
	VipsImage *flat = NULL;
	int ret;

	if (vips_image_hasalpha(img)) {
		if (vips_flatten(img, &flat, NULL))
			return -1;
		img = flat;
	}
	ret = vips_jpegsave_buffer(img, buf, len, "Q", 85, "strip", TRUE, NULL);
	if (flat != NULL)
		g_object_unref(flat);
	return ret;
}

/* process runs the pipeline on file idx; with save, its outputs are
 * written to outdir once the work is done. */
static void process(int idx, int save)
{
	static const struct {
		const char *name;
		int box;
	} boxes[] = {{"medium", 1000}, {"small", 400}};
	void *outs[3] = {NULL, NULL, NULL};
	size_t lens[3] = {0, 0, 0};
	const file_t *f = &files[idx];
	int i;

	for (i = 0; i < 2; i++) {
		VipsImage *thumb;

		if (vips_thumbnail_buffer(f->data, f->len, &thumb, boxes[i].box,
			    "height", boxes[i].box, "size", VIPS_SIZE_DOWN, NULL)) {
			fail("thumbnail", idx);
			return;
		}
		if (save_jpeg(thumb, &outs[i], &lens[i])) {
			g_object_unref(thumb);
			fail("jpegsave", idx);
			return;
		}
		g_object_unref(thumb);
	}
	if (recompress) {
		VipsImage *in, *rot;

		int orientation = 1;

		/* Sequential access streams the decode into the encoder; a
		 * rotation needs random access, so an image with an EXIF
		 * orientation other than 1 is opened again that way. */
		in = vips_image_new_from_buffer(f->data, f->len, "",
		    "access", VIPS_ACCESS_SEQUENTIAL, NULL);
		if (in != NULL && vips_image_get_typeof(in, VIPS_META_ORIENTATION) &&
		    !vips_image_get_int(in, VIPS_META_ORIENTATION, &orientation) &&
		    orientation > 1) {
			g_object_unref(in);
			in = vips_image_new_from_buffer(f->data, f->len, "", NULL);
		}
		if (in == NULL) {
			fail("load", idx);
			goto done;
		}
		if (vips_autorot(in, &rot, NULL)) {
			g_object_unref(in);
			fail("autorot", idx);
			goto done;
		}
		g_object_unref(in);
		if (save_jpeg(rot, &outs[2], &lens[2]))
			fail("jpegsave full", idx);
		g_object_unref(rot);
	}
	if (save) {
		write_out(idx, "medium", outs[0], lens[0]);
		write_out(idx, "small", outs[1], lens[1]);
		if (recompress && outs[2] != NULL)
			write_out(idx, "full", outs[2], lens[2]);
	}
done:
	for (i = 0; i < 3; i++)
		g_free(outs[i]);
}

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		int j = atomic_fetch_add(&next_job, 1);
		int64_t t0;

		if (j >= njobs)
			break;
		t0 = burst ? burst_t0 : now_ns();
		process(j % nfiles, 0);
		timings[j].idx = j % nfiles;
		timings[j].round = round_base + j / nfiles;
		timings[j].ns = now_ns() - t0;
	}
	return NULL;
}

static int read_file(const char *path, file_t *f)
{
	gchar *data;
	gsize len;
	GError *err = NULL;

	if (!g_file_get_contents(path, &data, &len, &err)) {
		fprintf(stderr, "vips_pipeline: %s\n", err->message);
		g_error_free(err);
		return -1;
	}
	f->data = data;
	f->len = len;
	return 0;
}

int main(int argc, char **argv)
{
	int workers, rounds, warmup, i;
	pthread_t *threads;
	int64_t t0, wall;

	if (argc < 6) {
		fprintf(stderr, "usage: %s MODE WORKERS ROUNDS WARMUP OUTDIR FILE...\n", argv[0]);
		return 2;
	}
	if (VIPS_INIT(argv[0]))
		vips_error_exit("vips_init");
	vips_concurrency_set(1);
	vips_cache_set_max(0);
	vips_leak_set(FALSE);

	recompress = strcmp(argv[1], "recompress") == 0;
	workers = atoi(argv[2]);
	if (strncmp(argv[3], "burst=", 6) == 0) {
		burst = atoi(argv[3] + 6);
		rounds = 0;
	} else
		rounds = atoi(argv[3]);
	warmup = atoi(argv[4]);
	outdir = argv[5];
	if (workers < 1)
		workers = 1;
	nfiles = argc - 6;
	files = calloc(nfiles > 0 ? nfiles : 1, sizeof *files);
	for (i = 0; i < nfiles; i++)
		if (read_file(argv[6 + i], &files[i]))
			return 1;

	if (warmup)
		for (i = 0; i < nfiles; i++)
			process(i, strcmp(outdir, "-") != 0);

	njobs = burst > 0 ? burst : nfiles * rounds;
	if (burst > 0 && nfiles == 0) {
		fprintf(stderr, "vips_pipeline: a burst needs at least one file\n");
		return 2;
	}
	round_base = 0;
	timings = calloc(njobs > 0 ? njobs : 1, sizeof *timings);
	threads = calloc(workers, sizeof *threads);
	t0 = now_ns();
	burst_t0 = t0;
	for (i = 0; i < workers; i++)
		pthread_create(&threads[i], NULL, worker, NULL);
	for (i = 0; i < workers; i++)
		pthread_join(threads[i], NULL);
	wall = now_ns() - t0;

	for (i = 0; i < njobs; i++)
		printf("t %d %d %lld\n", timings[i].idx, timings[i].round, (long long)timings[i].ns);
	printf("wall %lld\n", (long long)wall);
	fflush(stdout);

	for (i = 0; i < nfiles; i++)
		g_free(files[i].data);
	vips_shutdown();
	return atomic_load(&failed) ? 1 : 0;
}
