package imagehttp

import (
	"html/template"
	"net/http"
)

var resultsPage = template.Must(template.New("results").Parse(`<!doctype html>
<meta charset="utf-8"><title>Upload</title>
<h1>Upload</h1>
<ul>{{range .}}
<li>{{if .Filename}}{{.Filename}} → {{end}}{{.Key}}: {{if .Err}}{{.Status}} {{.Message}}{{else}}stored{{end}}</li>{{end}}
</ul>
`))

// writeResultsPage answers an upload with an HTML list of its results.
func writeResultsPage(w http.ResponseWriter, status int, results []Result) {
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", "default-src 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = resultsPage.Execute(w, results)
}
