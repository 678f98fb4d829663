/*
 * vips_formats: the libvips column of go run ./bench/formats. It is
 * compiled at run time with
 *
 *     gcc -O2 vips_formats.c $(pkg-config --cflags --libs vips)
 *
 * and run as
 *
 *     vips_formats ROUNDS HEIC AVIF PNG WEBP_Q WEBP_EFFORT AVIF_Q AVIF_EFFORT BIGPNG WEBP
 *
 * Every file is read into memory (the PNG decoded into a memory image)
 * before any timing. Each measurement runs once untimed (loading the
 * libheif module, warming caches), then ROUNDS times, each printed as
 *
 *     NAME ROUND WALL_NS CPU_NS
 *
 * CPU_NS being the process's CPU time over the same call (user + system,
 * all threads), so a codec that uses more than one thread shows. A
 * measurement libvips cannot do prints "unavailable NAME REASON" instead.
 * The first line is "version X.Y.Z".
 *
 *   - heic-decode: vips_heifload_buffer, then vips_image_copy_memory,
 *     which decodes the whole picture to 8-bit RGB (libheif with libde265);
 *   - avif-decode: the same on the AVIF (libheif with its AV1 decoder);
 *   - webp-decode: vips_webpload_buffer, then vips_image_copy_memory, on
 *     the lossy WEBP (libwebp, to 8-bit RGB);
 *   - png-decode: vips_pngload_buffer, then vips_image_copy_memory, on
 *     BIGPNG (libspng or libpng, as the system libvips was built), or
 *     "unavailable" when BIGPNG is "-";
 *   - webp-encode: vips_webpsave_buffer(Q=WEBP_Q, effort=WEBP_EFFORT,
 *     lossy, default preset, no smart subsampling: 4:2:0), as
 *     cwebp -q Q -m EFFORT;
 *   - avif-encode: vips_heifsave_buffer(compression=av1, encoder=aom,
 *     Q=AVIF_Q, effort=AVIF_EFFORT (libvips passes libheif speed
 *     9 − effort), bitdepth=8, subsample_mode=on: 4:2:0). libheif's aom
 *     plugin turns Q into libaom's constant-quality cq-level
 *     ((100 − Q)·63 + 50)/100, as blobimage's codecs/avif does.
 *
 * The program sets vips_concurrency_set(1) and turns the operation cache
 * off; the codecs' own threads are theirs (libvips 8.14 does not pass a
 * thread count to libheif), which the CPU time reports.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vips/vips.h>

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

typedef struct {
	const char *name;
	void *data;
	size_t len;
	VipsImage *img;
	int q, effort;
} task_t;

/* run_once does the task's work once; 0 on success. */
static int run_once(const task_t *t)
{
	VipsImage *img = NULL, *mem;
	void *buf = NULL;
	size_t len = 0;
	int ret;

	if (strcmp(t->name, "webp-encode") == 0) {
		ret = vips_webpsave_buffer(t->img, &buf, &len, "Q", t->q, "effort", t->effort,
		    "strip", TRUE, NULL);
		g_free(buf);
		return ret;
	}
	if (strcmp(t->name, "avif-encode") == 0) {
		ret = vips_heifsave_buffer(t->img, &buf, &len, "Q", t->q, "effort", t->effort,
		    "compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1,
		    "encoder", VIPS_FOREIGN_HEIF_ENCODER_AOM, "bitdepth", 8,
		    "subsample_mode", VIPS_FOREIGN_SUBSAMPLE_ON, "strip", TRUE, NULL);
		g_free(buf);
		if (ret == 0 && len == 0)
			return -1;
		return ret;
	}
	if (strcmp(t->name, "png-decode") == 0) {
		if (vips_pngload_buffer(t->data, t->len, &img, NULL))
			return -1;
	} else if (strcmp(t->name, "webp-decode") == 0) {
		if (vips_webpload_buffer(t->data, t->len, &img, NULL))
			return -1;
	} else if (vips_heifload_buffer(t->data, t->len, &img, NULL))
		return -1;
	mem = vips_image_copy_memory(img);
	g_object_unref(img);
	if (mem == NULL)
		return -1;
	g_object_unref(mem);
	return 0;
}

static void measure(const task_t *t, int rounds)
{
	int r;

	if (run_once(t)) {
		char *why = g_strdelimit(g_strdup(vips_error_buffer()), "\n", ' ');

		printf("unavailable %s %s\n", t->name, why[0] ? why : "failed");
		g_free(why);
		vips_error_clear();
		return;
	}
	for (r = 0; r < rounds; r++) {
		int64_t w0 = clock_ns(CLOCK_MONOTONIC), c0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);

		if (run_once(t)) {
			printf("unavailable %s failed in round %d: %s\n", t->name, r, vips_error_buffer());
			vips_error_clear();
			return;
		}
		printf("%s %d %lld %lld\n", t->name, r, (long long)(clock_ns(CLOCK_MONOTONIC) - w0),
		    (long long)(clock_ns(CLOCK_PROCESS_CPUTIME_ID) - c0));
	}
	fflush(stdout);
}

static int read_file(const char *path, task_t *t)
{
	gchar *data;
	gsize len;
	GError *err = NULL;

	if (!g_file_get_contents(path, &data, &len, &err)) {
		fprintf(stderr, "vips_formats: %s\n", err->message);
		g_error_free(err);
		return -1;
	}
	t->data = data;
	t->len = len;
	return 0;
}

int main(int argc, char **argv)
{
	task_t heic = {"heic-decode"}, avif = {"avif-decode"}, webp = {"webp-encode"},
	       avifenc = {"avif-encode"}, pngdec = {"png-decode"}, webpdec = {"webp-decode"};
	VipsImage *png, *img;
	int rounds;

	if (argc != 11) {
		fprintf(stderr, "usage: %s ROUNDS HEIC AVIF PNG WEBP_Q WEBP_EFFORT AVIF_Q AVIF_EFFORT BIGPNG WEBP\n", argv[0]);
		return 2;
	}
	if (VIPS_INIT(argv[0]))
		vips_error_exit("vips_init");
	vips_concurrency_set(1);
	vips_cache_set_max(0);
	rounds = atoi(argv[1]);
	if (read_file(argv[2], &heic) || read_file(argv[3], &avif) || read_file(argv[10], &webpdec))
		return 1;
	if ((png = vips_image_new_from_file(argv[4], NULL)) == NULL || (img = vips_image_copy_memory(png)) == NULL)
		vips_error_exit("load %s", argv[4]);
	g_object_unref(png);
	webp.img = avifenc.img = img;
	webp.q = atoi(argv[5]);
	webp.effort = atoi(argv[6]);
	avifenc.q = atoi(argv[7]);
	avifenc.effort = atoi(argv[8]);

	printf("version %s\n", vips_version_string());
	measure(&heic, rounds);
	measure(&avif, rounds);
	measure(&webpdec, rounds);
	measure(&webp, rounds);
	measure(&avifenc, rounds);
	if (strcmp(argv[9], "-") == 0)
		printf("unavailable png-decode no PNG given\n");
	else if (read_file(argv[9], &pngdec) == 0) {
		measure(&pngdec, rounds);
		g_free(pngdec.data);
	}

	g_object_unref(img);
	g_free(heic.data);
	g_free(avif.data);
	g_free(webpdec.data);
	vips_shutdown();
	return 0;
}
