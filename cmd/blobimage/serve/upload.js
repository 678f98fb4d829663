// blobimage serve: direct uploads from the gallery's form.
//
// For each file: ask the server for a signed upload URL (POST
// /direct/presign), PUT the file there with the headers given (straight
// to the bucket), then ask the server to promote the staged upload
// through the write path (POST /direct/promote). A file the browser
// cannot name a type for is left to the ordinary form post, which the
// server sniffs; so is everything when the server cannot sign.
"use strict";
(function () {
  const form = document.querySelector("form[data-direct]");
  if (!form || !window.fetch) return;
  const base = form.dataset.direct;
  const status = document.getElementById("upload-status");
  const say = (msg) => { if (status) status.textContent = msg; };
  // Absolute URLs on the page's origin: a page opened at
  // http://user:pass@host/ resolves relative URLs with the credentials,
  // which fetch refuses.
  const abs = (u) => new URL(u, location.origin).href;
  // The image's page, as the server writes its links.
  const infoURL = (key) => {
    const segs = key.split("/");
    const clean = segs.every((s, i) => s !== "." && s !== ".." && (s !== "" || i === segs.length - 1));
    return clean ? "/info/" + segs.map(encodeURIComponent).join("/") : "/info/?key=" + encodeURIComponent(key);
  };

  async function post(path, body) {
    const resp = await fetch(abs(base + path), {
      method: "POST",
      headers: {"Content-Type": "application/json", "Accept": "application/json"},
      body: JSON.stringify(body),
    });
    let data = {};
    try { data = await resp.json(); } catch (e) { /* an empty or HTML answer */ }
    if (!resp.ok) {
      const err = new Error(data.error || resp.status + " " + resp.statusText);
      err.status = resp.status;
      throw err;
    }
    return data;
  }

  async function one(file, key, prefix) {
    const du = await post("presign", {key: key, prefix: prefix, filename: file.name,
      content_type: file.type, byte_size: file.size});
    const put = await fetch(abs(du.url), {method: du.method, headers: du.headers, body: file});
    if (!put.ok) throw new Error("upload to the bucket: " + put.status + " " + put.statusText);
    return post("promote", {staging_key: du.staging_key});
  }

  form.addEventListener("submit", async (ev) => {
    const files = Array.from(form.elements.file.files);
    if (files.length === 0 || files.some((f) => f.type === "")) return; // the form post
    ev.preventDefault();
    const key = form.elements.key.value.trim();
    const prefix = form.elements.prefix.value.trim();
    if (key !== "" && !key.endsWith("/") && files.length > 1) {
      say("a key names one file; give a folder for several");
      return;
    }
    const done = [];
    for (const [i, file] of files.entries()) {
      say("uploading " + file.name + " (" + (i + 1) + " of " + files.length + ")");
      try {
        done.push(await one(file, key, prefix));
      } catch (err) {
        // Not signed in (the form post lets the browser ask for the
        // credentials; a script's request cannot), or no signing after
        // all: the form post.
        if (i === 0 && (err.status === 401 || err.status === 501)) { form.submit(); return; }
        say(file.name + ": " + err.message);
        return;
      }
    }
    if (done.length === 1) {
      location.assign(infoURL(done[0].key));
    } else {
      location.assign(prefix ? "/?prefix=" + encodeURIComponent(prefix.endsWith("/") ? prefix : prefix + "/") : "/");
    }
  });
})();
