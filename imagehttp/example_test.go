package imagehttp_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"mime/multipart"
	"net/http"
	"net/http/httptest"

	"gocloud.dev/blob/memblob"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/imagehttp"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/variants"
)

// A plain net/http application with an upload endpoint and an image
// endpoint over an in-memory bucket (which cannot sign URLs, so a Signer
// makes them).
func Example() {
	ctx := context.Background()
	signer, err := imagehttp.NewSigner("/img/", []byte("a secret of at least 16 bytes"))
	if err != nil {
		log.Fatal(err)
	}
	// A nil config is the default: small 400 and medium 1000 variants,
	// GPS stripped.
	store, err := blobimage.Wrap(memblob.OpenBucket(nil), nil, &blobimage.Options{URLSigner: signer})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /upload", imagehttp.NewUploader(store, imagehttp.UploadOptions{}))
	mux.Handle("GET /img/{key...}", imagehttp.NewImageHandler(store, imagehttp.ImageOptions{Signer: signer}))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// A browser's form post.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("prefix", "photos")
	fw, _ := mw.CreateFormFile("file", "cat.jpg")
	_, _ = fw.Write(testimage.JPEG(testimage.Pattern(1200, 900), 90))
	_ = mw.Close()
	resp, err := http.Post(srv.URL+"/upload", mw.FormDataContentType(), &body)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println("upload:", resp.Status)

	// A page links the small variant by its signed URL.
	f, err := store.Image(ctx, "photos/cat.jpg")
	if err != nil {
		log.Fatal(err)
	}
	small := f.Variants["small"]
	resp, err = http.Get(srv.URL + small.URL)
	if err != nil {
		log.Fatal(err)
	}
	img, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println("small:", resp.Status, resp.Header.Get("Content-Type"), small.Width, "×", small.Height, len(img) == int(small.Size))
	// Output:
	// upload: 201 Created
	// small: 200 OK image/jpeg 400 × 300 true
}

// Status maps blobimage's errors to HTTP statuses.
func ExampleStatus() {
	for _, err := range []error{blobimage.ErrNotImage, blobimage.ErrTooLarge, blobimage.ErrBusy, blobimage.ErrInvalidKey, blobimage.ErrNoVariant} {
		fmt.Println(imagehttp.Status(err), err)
	}
	// Output:
	// 415 not an image
	// 413 image too large
	// 503 busy: the memory budget is spent
	// 400 invalid key
	// 404 no such variant
}

// Responsive markup for a page template: a <picture> with a WebP source
// over the JPEG fallback, a srcset over the variants and the displayed
// size, linking the image handler's route.
func ExampleResponsive() {
	ctx := context.Background()
	cfg, err := variants.ParseConfig([]byte(`
rules:
  - match: "**"
    variants:
      - {name: small, op: fit, width: 400, height: 400, formats: [webp, jpeg]}
      - {name: large, op: fit, width: 1200, height: 1200, formats: [webp, jpeg]}
`))
	if err != nil {
		log.Fatal(err)
	}
	store, err := blobimage.Wrap(memblob.OpenBucket(nil), cfg, nil)
	if err != nil {
		log.Fatal(err)
	}
	f, err := store.Put(ctx, "cat.png", bytes.NewReader(testimage.PNG(testimage.Pattern(1600, 1200))), nil)
	if err != nil {
		log.Fatal(err)
	}
	m := imagehttp.Responsive(f, imagehttp.MarkupOptions{Alt: "the cat", Sizes: "(max-width: 800px) 100vw, 800px", Color: true})
	fmt.Println(m.Picture())
	// Output:
	// <picture><source type="image/webp" srcset="/img/cat.png?format=webp&amp;variant=small 400w, /img/cat.png?format=webp&amp;variant=large 1200w" sizes="(max-width: 800px) 100vw, 800px"><img src="/img/cat.png?variant=large" srcset="/img/cat.png?variant=small 400w, /img/cat.png?variant=large 1200w" sizes="(max-width: 800px) 100vw, 800px" width="1600" height="1200" alt="the cat" loading="lazy" decoding="async" style="background-color:#808040"></picture>
}
