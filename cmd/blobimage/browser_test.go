package main

import (
	"fmt"
	"image/color"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blobimage/blobimage/internal/testimage"
)

// TestBrowser drives `blobimage serve --auth` with a headless Chromium
// (webdriver_test.go) through what a person does, without JavaScript of
// the pages' own: a visitor who has not logged in tries an upload and is
// refused (401, nothing stored); logged in, they choose a photo in the
// upload form and submit it, land on its page (dimensions as displayed,
// variants ready), see its thumbnail rendered upright in the gallery,
// follow the gallery's link back to its page, delete it with its button,
// and find it gone from the gallery and from the bucket.
//
// Logging in: the server answers writes without credentials with 401 and
// a Basic challenge, which a browser answers from its login dialog. Here
// the credentials are in the URL the session starts from
// (http://USER:PASSWORD@127.0.0.1:PORT/): the form's relative action keeps
// them, Chromium (156 at the time of writing) answers the challenge of the
// POST with them and keeps them in its authentication cache for the
// realm, so the later POST of the delete button, from a page whose URL has
// no credentials, is authenticated as after the dialog. That is the
// challenge-and-answer exchange a person's browser goes through. (The
// other way, DevTools' Network.setExtraHTTPHeaders through chromedriver's
// /goog/cdp/execute, sends an Authorization header on every request
// without a challenge, so it would not show that the 401 leads a browser
// to authenticate.)
func TestBrowser(t *testing.T) {
	browserTools(t)
	const user, pass = "ann", "s3cret pass"
	base, stderr, bucket := startServe(t, "--addr", "127.0.0.1:0", "--auth", user+":"+pass)
	// Started after the server, the browser is closed before it (cleanups
	// run last first): the server's shutdown then has no connection of
	// Chromium's to wait for (an unused preconnected one holds it 5 s).
	b := startBrowser(t)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve's stderr:\n%s", stderr)
		}
	})

	// A 600×800 photo, stored 800×600 with EXIF orientation 6, so what
	// the pages and the browser show tells whether it was turned upright.
	exif := testimage.EXIF{Orientation: 6, Make: "Canon", Model: "Canon PowerShot SX60 HS"}
	data := testimage.JPEG(testimage.Stored(testimage.Pattern(600, 800), 6), 90,
		testimage.Segment{Marker: 0xE1, Payload: exif.Bytes()})
	photoPath := filepath.Join(t.TempDir(), "cat.jpg")
	if err := os.WriteFile(photoPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	const key = "album/cat.jpg"
	infoURL := base + "/info/" + key
	stored := func() bool {
		code, _, _ := cli(t, "--bucket", bucket, "info", key)
		return code == 0
	}

	// The upload form as a person fills it in: the folder, then the
	// file chooser, then the button, which leads to the page then.
	submitUpload := func(then string) {
		t.Helper()
		folder := b.element(`form.upload input[name=prefix]`)
		b.typeText(folder, "album")
		b.typeText(b.element(`form.upload input[type=file][name=file]`), photoPath)
		b.follow(b.element(`form.upload button[type=submit]`), then)
	}

	// Not logged in: the upload is refused with the challenge. Headless
	// Chromium, with no login dialog to show, gives up on it and shows
	// its own error page in place of the 401's body, so the status is
	// read from the navigation's timing entry.
	b.open(base + "/")
	submitUpload(base + "/upload")
	if status := b.navigationStatus(); status != 401 {
		t.Errorf("upload without credentials: the browser got %d, want 401", status)
	}
	if stored() {
		t.Fatal("an upload without credentials was stored")
	}

	// Logged in (see above): the upload lands on the image's page.
	login, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	login.User = url.UserPassword(user, pass)
	b.open(login.String() + "/")
	submitUpload(infoURL)
	if status := b.navigationStatus(); status != 200 {
		t.Errorf("the image's page after the upload: %d", status)
	}
	if !stored() {
		t.Fatal("the upload was not stored")
	}
	b.checkInfoPage(key)

	// From here on the address has no credentials, as after a login
	// dialog: the delete is authenticated from the browser's cache.
	// The gallery shows the image, its thumbnail chosen by the browser
	// from the srcset for a 230-pixel cell: the small variant (fit
	// 400×400, 300 wide), upright, with the placeholder painted behind.
	b.open(base + "/")
	thumb := b.element(fmt.Sprintf(`.grid img[alt=%q]`, key))
	b.waitResponsive(thumb, "variant=small", 300, 400)
	b.checkUpright(thumb)
	var bg string
	b.script(&bg, `return getComputedStyle(arguments[0]).backgroundImage`, elementRef(thumb))
	if !strings.HasPrefix(bg, `url("data:image/png;base64,`) {
		t.Errorf("gallery image background %.60q, want the placeholder PNG", bg)
	}
	if caption := b.text(b.element(".grid figcaption")); !strings.Contains(caption, key) || !strings.Contains(caption, "600×800") {
		t.Errorf("gallery caption %q", caption)
	}

	// Its link opens its page again, whose button deletes it.
	b.follow(b.element(fmt.Sprintf(`.grid figcaption a[href=%q]`, "/info/"+key)), infoURL)
	b.checkInfoPage(key)
	b.follow(b.element(`form.delete button[type=submit]`), base+"/?prefix="+url.QueryEscape("album/"))
	if status := b.navigationStatus(); status != 200 {
		t.Fatalf("the gallery after the delete: %d", status)
	}
	if body := b.text(b.element("body")); !strings.Contains(body, "No images under album/") {
		t.Errorf("the folder's gallery after the delete says %q", body)
	}
	b.open(base + "/")
	if figs := b.elements(".grid figure"); len(figs) != 0 {
		t.Errorf("the gallery still shows %d images after the delete", len(figs))
	}
	if stored() {
		t.Error("the image is still in the bucket after the delete")
	}
	if left := bucketKeys(t, openTestStore(t, bucket, "")); len(left) != 0 {
		t.Errorf("left in the bucket after the delete: %q", left)
	}
}

// navigationStatus is the HTTP status of the current page, as the browser
// received it (Navigation Timing's responseStatus).
func (b *browser) navigationStatus() int {
	b.t.Helper()
	var status int
	b.script(&status, `return performance.getEntriesByType("navigation")[0].responseStatus`)
	return status
}

// checkInfoPage checks the image's page of the photo TestBrowser uploads:
// its dimensions as displayed, its camera, its two variants ready at their
// sizes, and its preview (the medium variant) loaded by the browser.
func (b *browser) checkInfoPage(key string) {
	t := b.t
	t.Helper()
	if h := b.text(b.element("h2")); h != key {
		t.Errorf("the image's page is titled %q, want %q", h, key)
	}
	// Every table of the page, as rows of cell texts.
	var tables [][][]string
	b.script(&tables, `return Array.from(document.querySelectorAll("table"), t =>
		Array.from(t.rows, r => Array.from(r.cells, c => c.innerText.trim())))`)
	if len(tables) != 2 {
		t.Fatalf("the image's page has %d tables, want the image's and the variants': %q", len(tables), tables)
	}
	props := map[string]string{}
	for _, r := range tables[0] {
		if len(r) == 2 {
			props[r[0]] = r[1]
		}
	}
	if props["Dimensions"] != "600×800 as displayed" || props["Format"] != "jpeg (image/jpeg)" || props["Model"] != "Canon PowerShot SX60 HS" {
		t.Errorf("the image's table: %q", tables[0])
	}
	// Name, state, format, dimensions of each variant (after the
	// thumbnail's empty cell).
	var variants [][]string
	for _, r := range tables[1][1:] {
		if len(r) < 5 {
			t.Fatalf("a variant row %q", r)
		}
		variants = append(variants, r[1:5])
	}
	want := [][]string{{"medium", "ready", "jpeg", "600×800"}, {"small", "ready", "jpeg", "300×400"}}
	if !slices.EqualFunc(variants, want, slices.Equal) {
		t.Errorf("the variants' table: %q, want %q", variants, want)
	}
	preview := b.element("img.preview")
	b.waitImage(preview, 600, 800)
	b.checkUpright(preview)
}

// waitImage waits until the browser has loaded the image element and
// checks that it decoded to w×h pixels.
func (b *browser) waitImage(img string, w, h int) {
	b.t.Helper()
	if got := b.loaded(img); got.Width != float64(w) || got.Height != float64(h) {
		b.t.Errorf("image %s decoded to %v×%v, want %d×%d", got.Src, got.Width, got.Height, w, h)
	}
}

// loadedImage is what the browser says of a loaded image element.
type loadedImage struct {
	Src           string
	Complete      bool
	Width, Height float64
}

// loaded waits for an image element to load and returns its current
// source and natural size.
func (b *browser) loaded(img string) loadedImage {
	b.t.Helper()
	var size loadedImage
	waitFor(b.t, "an image to load", func() (bool, string) {
		b.script(&size, `const i = arguments[0];
			return {Src: i.currentSrc, Complete: i.complete, Width: i.naturalWidth, Height: i.naturalHeight}`, elementRef(img))
		return size.Complete && size.Width > 0, fmt.Sprintf("%+v", size)
	})
	return size
}

// waitResponsive waits for a srcset image to load and checks that the
// browser took the candidate whose URL contains src, w×h pixels: its
// natural size is then that divided by the density the sizes attribute
// gives it, so only the aspect is compared.
func (b *browser) waitResponsive(img, src string, w, h int) {
	b.t.Helper()
	size := b.loaded(img)
	if !strings.Contains(size.Src, src) || math.Abs(size.Width*float64(h)/float64(w)-size.Height) > 1.5 {
		b.t.Errorf("image %s shows at %v×%v, want the %s candidate, %d×%d", size.Src, size.Width, size.Height, src, w, h)
	}
}

// checkUpright draws a loaded image element onto a canvas, as the browser
// decoded it, and checks the colours of its quadrants against Pattern's.
func (b *browser) checkUpright(img string) {
	b.t.Helper()
	var px [][4]uint8
	b.script(&px, `const i = arguments[0], w = i.naturalWidth, h = i.naturalHeight;
		const c = document.createElement("canvas");
		c.width = w; c.height = h;
		const g = c.getContext("2d");
		g.drawImage(i, 0, 0);
		return [[1, 1], [3, 1], [1, 3], [3, 3]].map(([fx, fy]) =>
			Array.from(g.getImageData(Math.floor(w*fx/4), Math.floor(h*fy/4), 1, 1).data));`, elementRef(img))
	want := [4]color.NRGBA{testimage.TopLeft, testimage.TopRight, testimage.BottomLeft, testimage.BottomRight}
	if len(px) != 4 {
		b.t.Fatalf("canvas samples %v", px)
	}
	for i, p := range px {
		if got := (color.NRGBA{p[0], p[1], p[2], p[3]}); !testimage.Near(got, want[i], 60) {
			b.t.Errorf("as the browser draws it, quadrant %d is %v, want %v (quadrants %v)", i, got, want[i], px)
			return
		}
	}
}
