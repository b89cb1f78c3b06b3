/* A protocol photo beside the desk's transcription form: zoom, rotate, and switch between photos.
 *
 * Markup: templates/tallies/desk/photo_viewer.html ([data-photo-viewer] with [data-zoom],
 * [data-rotate] and [data-photo-src] buttons and one <img data-photo>). Without this script the
 * first photo is shown at the frame's width, every photo also opens by a link; the tools stay hidden.
 * No inline script or style attribute (the CSP): sizes are set through the CSSOM.
 */
(function () {
  "use strict";

  const STEP = 1.5;
  const MIN = 1;
  const MAX = 8;

  function viewer(root) {
    const image = root.querySelector("[data-photo]");
    const frame = root.querySelector(".photo-frame");
    if (!image || !frame) return;
    let scale = 1;
    let turns = 0;

    function draw() {
      const sideways = turns % 2 === 1;
      image.style.width = scale * 100 + "%";
      image.style.transform = turns ? "rotate(" + turns * 90 + "deg)" : "";
      // A quarter turn swaps width and height: keep the turned photo inside the frame's box.
      const w = image.offsetWidth;
      const h = image.offsetHeight;
      image.style.margin = sideways ? Math.max(0, (w - h) / 2) + "px " + Math.max(0, (h - w) / 2) + "px" : "";
      root.querySelector("[data-zoom-level]").textContent = Math.round(scale * 100) + " %";
    }

    function zoom(to, x, y) {
      const before = scale;
      scale = Math.min(MAX, Math.max(MIN, to));
      // Keep the point under the finger (or the frame's centre) where it was.
      const px = x === undefined ? frame.clientWidth / 2 : x;
      const py = y === undefined ? frame.clientHeight / 2 : y;
      const ratio = scale / before;
      const left = (frame.scrollLeft + px) * ratio - px;
      const top = (frame.scrollTop + py) * ratio - py;
      draw();
      frame.scrollLeft = left;
      frame.scrollTop = top;
    }

    root.addEventListener("click", function (event) {
      const button = event.target.closest("button");
      if (!button || !root.contains(button)) return;
      if (button.dataset.zoom === "in") zoom(scale * STEP);
      else if (button.dataset.zoom === "out") zoom(scale / STEP);
      else if (button.dataset.zoom === "fit") zoom(1);
      else if (button.hasAttribute("data-rotate")) {
        turns = (turns + 1) % 4;
        draw();
      } else if (button.dataset.photoSrc) {
        image.src = button.dataset.photoSrc;
        image.alt = button.textContent.trim();
        for (const other of root.querySelectorAll("[data-photo-src]")) {
          other.setAttribute("aria-pressed", String(other === button));
        }
        turns = 0;
        zoom(1);
      }
    });
    image.addEventListener("dblclick", function (event) {
      const box = frame.getBoundingClientRect();
      zoom(scale > 1 ? 1 : 2.5, event.clientX - box.left, event.clientY - box.top);
    });
    image.addEventListener("load", draw);
    for (const hidden of root.querySelectorAll("[data-photo-tools]")) hidden.hidden = false;
    draw();
  }

  function start() {
    for (const root of document.querySelectorAll("[data-photo-viewer]")) viewer(root);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
